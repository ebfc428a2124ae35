"""Ingest of many small documents: SciFact abstracts (about one chunk each) into an empty index, through
``Library.add_documents``, with the vectors the real model gave these texts before (benchmarks/scale_corpus.py's
cache, so the figure is the index's own writing, not the model).

    .venv/bin/python benchmarks/small_documents.py --vectors /tmp/scale/vectors [--docs 400]

Run it at two commits to compare them (the cache folder is built by benchmarks/scale.py)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.chunking import split_document  # noqa: E402
from assistant.embeddings import get_embedder  # noqa: E402
from assistant.library import Library  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from benchmarks.scale_corpus import CachedEmbedder, _texts, real_documents  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vectors", type=Path, required=True, help="the scale benchmark's folder of cached vectors")
    parser.add_argument("--docs", type=int, default=400)
    args = parser.parse_args()
    cache = CachedEmbedder(get_embedder("minilm"), args.vectors)
    settings = Settings(index_dir=Path(tempfile.mkdtemp()) / "index")
    docs = [d for d in real_documents() if d.metadata["doc"].startswith("scifact/")]
    docs = [d for d in docs if all(t in cache.rows for t in _texts(split_document(d, settings.chunk_size)))]
    docs = docs[: args.docs]
    library = Library(settings, embedder=cache)
    start = time.perf_counter()
    report = library.add_documents(docs)
    seconds = time.perf_counter() - start
    print(f"{len(docs)} documents, {report.chunks_added} chunks in {seconds:.1f} s: {len(docs) / seconds:.1f} "
          f"documents/s ({cache.misses} texts embedded by the model)")  # fmt: skip
    shutil.rmtree(settings.index_dir.parent)


if __name__ == "__main__":
    main()
