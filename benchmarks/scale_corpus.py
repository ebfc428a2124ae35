"""The texts of the scale benchmark, and an embedder that serves vectors the real model already computed.

Corpus: every text of ``../shared/eval/`` — the executive orders, PolicyQA's and ObliQA's documents, and SciFact's
5,183 abstracts (title + abstract, one document each) — in that order, about 11,600 chunks in all. Above that the
same documents are repeated under new names (``copy1/EO_13985.txt``, ...): same text, same title, so their chunk
and sentence texts are the ones already embedded, and ``CachedEmbedder`` serves the model's own vectors for them.
Vectors are never made up: a text not in the cache is embedded by the real model (and counted).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from langchain_core.documents import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's assistant, run as a script

from assistant.chunking import sentence_spans, split_document
from assistant.documents import iter_files, load_document
from assistant.embeddings import DIMENSIONS, Embedder

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
FOLDERS = ["obliqa", "exec-orders", "policyqa"]
# "A 20-page document": at ~3,000 characters a printed page (a dense A4 page of plan text), about 60,000 characters.
# The benchmark adds the real file closest to that size, held out of the corpus.
TWENTY_PAGES_CHARS = 60_000


def real_documents() -> list[Document]:
    """Every real document of the eval folders, files first (read by the library's own reader), then SciFact."""
    docs: list[Document] = []
    for folder in FOLDERS:
        for path, name in iter_files([EVAL / folder / "docs"]):
            docs.append(load_document(path, f"{folder}/{name}"))
    for line in (EVAL / "scifact" / "corpus.jsonl").read_text().splitlines():
        row = json.loads(line)
        title = row["title"].strip() or row["_id"]
        docs.append(
            Document(
                page_content=f"{title}\n\n{row['text']}",
                metadata={"doc": f"scifact/{row['_id']}.txt", "title": title[:200], "type": "text"},
            )
        )
    return docs


def held_out(docs: list[Document]) -> Document:
    """The file closest to twenty pages: added to and removed from the full library, never part of it."""
    files = [d for d in docs if not d.metadata["doc"].startswith("scifact/")]
    return min(files, key=lambda d: abs(len(d.page_content) - TWENTY_PAGES_CHARS))


def corpus(
    size: int, chunk_size: int, only: CachedEmbedder | None = None
) -> tuple[list[Document], Document, int, int]:
    """Documents whose chunks first reach ``size`` (whole documents, so a little above it), the held-out document,
    how many times the real texts were gone through (1: real texts only), and how many distinct real chunks.

    ``only``: the real documents are those whose every chunk and sentence text has a vector in this cache."""
    docs = real_documents()
    extra = held_out(docs)
    docs = [d for d in docs if d is not extra]
    split = [split_document(d, chunk_size) for d in docs]
    if only is not None:
        kept = [(d, c) for d, c in zip(docs, split) if all(t in only.rows for t in _texts(c))]
        docs, split = [d for d, _ in kept], [c for _, c in kept]
    counts = [len(c) for c in split]
    chosen: list[Document] = []
    total, rounds = 0, 0
    while total < size:
        rounds += 1
        for doc, n in zip(docs, counts):
            if total >= size:
                break
            if rounds > 1:
                doc = Document(page_content=doc.page_content, metadata={**doc.metadata,
                               "doc": f"copy{rounds - 1}/{doc.metadata['doc']}"})  # fmt: skip
            chosen.append(doc)
            total += n
    return chosen, extra, rounds, sum(counts)


def _texts(chunks: list[Document]) -> list[str]:
    """What an ingest embeds for these chunks (default settings: context prefix on, sentence vectors on)."""
    from assistant.library import embedding_text

    return [embedding_text(c, True) for c in chunks] + [
        c.page_content[a:b] for c in chunks for a, b in sentence_spans(c.page_content)
    ]


class CachedEmbedder(Embedder):
    """The vectors ``inner`` gave each text before, by text; texts not seen yet go to ``inner`` (the real model).

    Questions are always embedded by ``inner``. ``name`` is the model's, so the index records the model whose
    vectors it holds. Pass it as ``Library(settings, embedder=CachedEmbedder(...))``.
    """

    def __init__(self, inner: Embedder, folder: Path | None = None) -> None:
        """``folder``: where vectors are kept, one .npy + .json pair per model call, written as they come (a run
        stopped half-way keeps what the model did); read back on the next run."""
        self.inner = inner
        self.name = inner.name
        self.batch_size = inner.batch_size
        self.folder = folder
        # text -> (block, row): blocks are appended, never copied again (one concatenation per batch would make
        # a 100,000-sentence cache cost quadratic copying)
        self.rows: dict[str, tuple[int, int]] = {}
        self.blocks: list[np.ndarray] = []
        self.misses = 0  # texts the model embedded
        self.model_seconds = 0.0  # time spent in the model, within whatever called this embedder
        self.hits = 0
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
            for path in sorted(folder.glob("*.npy")):
                self._add(json.loads(path.with_suffix(".json").read_text()), np.load(path, allow_pickle=False))

    def _add(self, texts: list[str], vectors: np.ndarray) -> None:
        self.rows.update({t: (len(self.blocks), i) for i, t in enumerate(texts)})
        self.blocks.append(vectors)

    @property
    def model(self):  # noqa: ANN201 - the inner model (bench code reads lib.embedder.model)
        return self.inner.model

    def _encode(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.rows))
        if missing:
            start = time.perf_counter()
            vectors = self.inner.encode(missing)
            self.model_seconds += time.perf_counter() - start
            if self.folder:
                stem = self.folder / f"{len(self.blocks):06d}"
                stem.with_suffix(".json").write_text(json.dumps(missing, ensure_ascii=False))
                np.save(stem.with_suffix(".npy"), vectors)  # last: a block without its .npy is not read
            self._add(missing, vectors)
        self.misses += len(missing)
        self.hits += len(texts) - len(missing)
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for i, text in enumerate(texts):
            block, row = self.rows[text]
            out[i] = self.blocks[block][row]
        return out

    def _encode_query(self, text: str) -> np.ndarray:
        return self.inner.encode_query(text)


def main() -> None:
    """Print the real corpus per source: chunks, sentences, and sentences that are the whole of their chunk."""
    from collections import Counter

    counts: dict[str, Counter] = {}
    for doc in real_documents():
        row = counts.setdefault(doc.metadata["doc"].split("/")[0], Counter())
        for chunk in split_document(doc, 1500):  # the default chunk size
            text = chunk.page_content
            spans = sentence_spans(text)
            row["chunks"] += 1
            row["sentences"] += len(spans)
            row["sentence_chars"] += sum(b - a for a, b in spans)
            whole = [b - a for a, b in spans if text[a:b].strip() == text.strip()]
            row["whole_chunk_sentences"] += len(whole)
            row["whole_chunk_sentence_chars"] += sum(whole)
    counts["all"] = sum(counts.values(), Counter())
    print(json.dumps(counts, indent=2))


if __name__ == "__main__":
    main()
