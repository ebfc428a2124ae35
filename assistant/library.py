"""The public API: one ``Library`` over one index — ingest, remove, search, ask.

    lib = Library(get_settings())
    lib.ingest(["seeds/"])
    answer, hits = lib.ask("What does the plan say about hydrogen?")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from langchain_core.documents import Document
from tqdm import tqdm

from assistant.answer import Answer, Composer
from assistant.chunking import sentence_spans, split_document
from assistant.documents import file_hash, iter_files, load_document
from assistant.embeddings import get_embedder
from assistant.errors import BadDocument
from assistant.retrieval import Hit, HybridRetriever, HybridSearcher
from assistant.settings import Settings
from assistant.store import Sentence, Store

# Chunks gathered from several files before one embedding call: small files alone make small, slow batches.
FLUSH_CHUNKS = 512


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)  # documents new or changed
    skipped: list[str] = field(default_factory=list)  # unchanged (same content hash)
    failed: list[BadDocument] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0

    def summary(self) -> str:
        return (
            f"{len(self.added)} document(s) indexed ({self.chunks_added} chunks added, {self.chunks_removed} removed), "
            f"{len(self.skipped)} unchanged, {len(self.failed)} failed"
        )


def embedding_text(chunk: Document, with_context: bool) -> str:
    """What the embedder sees: the chunk, optionally under its title and section so a passage that never names
    its topic (\"It shall ...\") is still found by it."""
    if not with_context:
        return chunk.page_content
    meta = chunk.metadata
    section = meta["section"] if meta["section"] and meta["section"] not in chunk.page_content else ""
    head = [meta["title"]] + ([section] if section else [])
    return "\n".join(head + [chunk.page_content])


class Library:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedder = get_embedder(settings.embedder)
        self.store = Store(settings, self.embedder)
        self.searcher = HybridSearcher(self.store, settings)
        # Without sentence vectors the composer embeds a capped few sentences per question itself.
        stored = self.store.sentence_embeddings if self.store.sentences is not None else None
        self.composer = Composer(self.embedder, self.store.lexical, settings, stored)
        if self.store.missing_sentences:
            self._add_missing_sentences()

    # -- documents ----------------------------------------------------------------------------------
    def documents(self) -> dict[str, dict]:
        return self.store.documents

    def ingest(
        self, paths: Iterable[str | Path], progress: bool = False, on_error: Callable[[BadDocument], None] | None = None
    ) -> IngestReport:
        """Index new and changed files; unchanged ones are skipped by content hash, bad ones reported and passed."""
        report = IngestReport()
        pending: list[tuple[Document, list[Document]]] = []
        for path in tqdm(iter_files(paths), desc="Ingesting", unit="file", disable=not progress):
            try:
                prepared = self._prepare(path, report)
            except BadDocument as error:
                report.failed.append(error)
                if on_error:
                    on_error(error)
                continue
            if prepared:
                pending.append(prepared)
            if sum(len(chunks) for _, chunks in pending) >= FLUSH_CHUNKS:
                self._write(pending, report)
                pending = []
        self._write(pending, report)
        if report.added:
            self._commit()
        return report

    def _prepare(self, path: Path, report: IngestReport) -> tuple[Document, list[Document]] | None:
        try:
            if self.store.is_current(path.name, file_hash(path)):
                report.skipped.append(path.name)
                return None
        except OSError as error:
            raise BadDocument(path, f"could not be read ({error.strerror or error})") from None
        doc = load_document(path)
        return doc, split_document(doc, self.settings.chunk_size)

    def _write(self, pending: list[tuple[Document, list[Document]]], report: IngestReport) -> None:
        if not pending:
            return
        texts = [embedding_text(c, self.settings.embed_context) for _, chunks in pending for c in chunks]
        vectors = self.embedder.encode(texts)
        sentences = self._sentences([c for _, chunks in pending for c in chunks])
        at = 0
        for doc, chunks in pending:
            name = doc.metadata["doc"]
            before = set(self.store.chunk_ids(name))
            mine = [s for c in chunks for s in sentences.get(c.metadata["chunk_id"], [])]
            self.store.replace_document(doc, chunks, vectors[at : at + len(chunks)], mine)
            at += len(chunks)
            after = {c.metadata["chunk_id"] for c in chunks}
            report.added.append(name)
            report.chunks_added += len(after - before)
            report.chunks_removed += len(before - after)

    def _sentences(self, chunks: list[Document]) -> dict[str, list[Sentence]]:
        """Every sentence of the chunks embedded on its own (with ``sentence_vectors``), by chunk id."""
        if not self.settings.sentence_vectors:
            return {}
        spans = [
            (c.metadata["chunk_id"], a, c.page_content[a:b]) for c in chunks for a, b in sentence_spans(c.page_content)
        ]
        vectors = self.embedder.encode([text for _, _, text in spans])
        out: dict[str, list[Sentence]] = {}
        for (cid, start, _), vec in zip(spans, vectors):
            out.setdefault(cid, []).append(Sentence(cid, start, vec))
        return out

    def _add_missing_sentences(self) -> None:
        """An index built before sentence vectors were on gains them here, once."""
        chunks = [self.store.chunk(cid) for name in self.store.documents for cid in self.store.chunk_ids(name)]
        found = self._sentences(chunks)  # one call: many small batches would be slower
        for name in self.store.documents:
            self.store.add_sentences(name, [s for cid in self.store.chunk_ids(name) for s in found.get(cid, [])])
        self.store.commit()

    def remove(self, name: str) -> int:
        """Delete a document from both indexes; returns how many chunks went."""
        removed = self.store.remove_document(name)
        self._commit()
        return removed

    def _commit(self) -> None:
        self.store.commit()
        self.composer.lexical = self.store.lexical

    # -- questions ----------------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, docs: list[str] | None = None) -> list[Hit]:
        return self.searcher.search(query, k, docs)[0]

    def ask(self, question: str, docs: list[str] | None = None) -> tuple[Answer, list[Hit]]:
        """An extractive cited answer (or a refusal) and the ranked hits it was drawn from."""
        hits, query_vec = self.searcher.search(question, max(10, self.settings.top_k), docs)
        return self.composer.compose(question, hits, query_vec), hits

    def as_retriever(self, k: int = 5, docs: list[str] | None = None) -> HybridRetriever:
        return HybridRetriever(searcher=self.searcher, k=k, docs=docs)
