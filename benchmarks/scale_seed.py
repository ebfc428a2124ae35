"""Fill the scale benchmark's vector folder from an index built earlier by this project (e.g. the ObliQA index of
``assistant eval``, in ~/.cache/policy-assistant/eval/docs-*): the vectors the real model gave its chunk texts (as
embedded, with title and section) and its sentences, keyed by text, so the benchmark need not embed them again.

    .venv/bin/python benchmarks/scale_seed.py INDEX_DIR VECTOR_FOLDER

A one-off speed-up, not part of the benchmark: it reads the Chroma collections "policies" (chunk texts, metadata and
vectors) and "policies-sentences" of the index, read-only, from a copy. Texts the
current code would not embed the same way simply never match and are embedded by the model in the benchmark.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from langchain_core.documents import Document

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.chroma import PAGE  # noqa: E402
from assistant.chunking import sentence_spans  # noqa: E402
from assistant.library import embedding_text  # noqa: E402


def read_all(collection) -> dict[str, tuple[str, dict, np.ndarray]]:  # noqa: ANN001
    out = {}
    for offset in range(0, collection.count(), PAGE):
        got = collection.get(include=["documents", "metadatas", "embeddings"], limit=PAGE, offset=offset)
        out.update({i: (d, m, np.asarray(e, dtype=np.float32))
                    for i, d, m, e in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"])})
    return out


def main() -> None:
    index, folder = Path(sys.argv[1]), Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(index / "chroma", Path(tmp) / "chroma")  # Chroma writes to a folder it opens
        client = chromadb.PersistentClient(path=str(Path(tmp) / "chroma"),
                                           settings=ChromaSettings(anonymized_telemetry=False))
        chunks_vec = read_all(client.get_collection("policies"))
        sentences_vec = read_all(client.get_collection("policies-sentences"))
    texts: dict[str, np.ndarray] = {}
    for cid, (text, metadata, vector) in chunks_vec.items():
        texts[embedding_text(Document(text, metadata=metadata), True)] = vector
        for a, b in sentence_spans(text):
            found = sentences_vec.get(f"{cid}:{a}")
            if found is not None:
                texts[text[a:b]] = found[2]
    stem = folder / "seed"
    stem.with_suffix(".json").write_text(json.dumps(list(texts), ensure_ascii=False))
    np.save(stem.with_suffix(".npy"), np.stack(list(texts.values())))
    print(f"{len(texts)} texts from {len(chunks_vec)} chunks, {len(sentences_vec)} sentence vectors of {index}")


if __name__ == "__main__":
    main()
