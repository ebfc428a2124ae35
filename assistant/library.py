"""The public API: one ``Library`` over one index. The CLI, the page, the overview and the baselines only call it.

    lib = Library(get_settings())
    lib.ingest(["seeds/"])                      # or lib.add_documents([...]) / lib.add_texts([...])
    answer = lib.ask("What does the plan say about hydrogen?")
    print(answer.to_text())

With an LLM (``ASSISTANT_LLM_URL``, or any LangChain chat model passed as ``llm``), ``write`` / ``stream`` give a
written answer whose every sentence is checked against the passage it cites (assistant.write).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document
from tqdm import tqdm

from assistant.answer import Answer
from assistant.chunking import sentence_spans, split_document
from assistant.compose import Composer
from assistant.documents import iter_files, load_document, read_file
from assistant.embeddings import Embedder, get_embedder
from assistant.errors import BadDocument
from assistant.locks import ReadWriteLock, file_lock
from assistant.overview import HITS as OVERVIEW_HITS
from assistant.overview import compose_overview
from assistant.readers import Limits
from assistant.retrieval import HybridRetriever, HybridSearcher, SearchResult, Side
from assistant.settings import Settings, get_settings
from assistant.store import Sentence, Store
from assistant.verify import Verifier
from assistant.write import Writing

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

WRITE_LOCK = "write.lock"  # in the index folder; see locks.file_lock
# Chunks gathered from several files before one embedding call: small files alone make small, slow batches.
FLUSH_CHUNKS = 512
# Questions retrieve at least this many passages: the run file asks for 10, and the page's "nearest" list and
# the composer's top_k are drawn from them.
MIN_HITS = 10


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
    def __init__(self, settings: Settings | None = None, llm: BaseChatModel | None = None,
                 embedder: Embedder | None = None, *, background_bm25: bool = False) -> None:
        """``llm``: the chat model that writes answers; default: the one ``ASSISTANT_LLM_URL`` points at, if any.
        ``embedder``: the embedder to use instead of ``settings.embedder``'s (e.g. one serving vectors already
        computed by the same model, as benchmarks/scale.py does); its ``name`` is what the index records.
        ``background_bm25``: after a write, rebuild BM25 in a thread while questions go on (a long-running page);
        by default the write includes it, so a command's index is whole when it exits."""
        self.settings = settings or get_settings()
        if llm is None:
            from assistant.llm import chat_model

            llm = chat_model(self.settings)
        self.llm = llm
        self.embedder = embedder or get_embedder(self.settings.embedder)  # the model itself loads on first use
        self._lock = ReadWriteLock()
        self._write_depth = 0  # how deep the writing thread is in _writing (the file lock is taken once)
        self._background_bm25 = background_bm25
        self._store: Store | None = None
        self._open(generation=0)

    def _open(self, generation: int) -> None:
        """Read the index from disk (again, with a fresh Chroma client, when another process has changed it)."""
        self._store = Store(self.settings, self.embedder, generation, self._store, self._background_bm25)
        self._searcher = HybridSearcher(self._store, self.settings)
        # Without sentence vectors the composer embeds a capped few sentences per question itself.
        stored = self._store.sentence_embeddings if self._store.has_sentences else None
        self._composer = Composer(self.embedder, self._store, self.settings, stored,
                                  document_text=self._store.document_text)
        if self._store.missing_sentences:
            self._add_missing_sentences()

    def _follow(self) -> None:
        """Pick up what another process committed (a CLI ingest while the page serves): read the index again;
        and a BM25 rebuilt in the background since, which a question must not see swapped halfway."""
        if (self._store.changed() or self._store.lexical_waiting()) and not self._lock.held():  # a read's view stands
            with self._lock.write():
                if self._store.changed():  # another thread may have read it again meanwhile
                    self._open(self._store.generation + 1)
                self._store.adopt_lexical()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A question's view: the latest committed index, never a write half-applied by this process."""
        self._follow()
        with self._lock.read():
            yield

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One writer at a time, in this process (threads) and across processes (the index's lock file); the
        write starts from what the other process last committed, so neither overwrites the other's change."""
        with self._lock.write():
            if self._write_depth:  # the writing thread again (ingest -> _index): it holds the file lock already
                self._write_depth += 1
                try:
                    yield
                finally:
                    self._write_depth -= 1
                return
            with file_lock(self.settings.index_dir / WRITE_LOCK):
                self._write_depth = 1
                try:
                    if self._store.changed():
                        self._open(self._store.generation + 1)
                    yield
                finally:
                    self._write_depth = 0

    # -- documents ----------------------------------------------------------------------------------
    def documents(self) -> dict[str, dict]:
        """Name -> title, type, source, content hash, pages, chunks, chars, ingested_at."""
        with self._reading():
            return dict(self._store.documents)  # a copy: the caller may iterate it while a write goes on

    def document_text(self, name: str) -> str | None:
        """The whole text of a document as indexed (read from the index when asked), or None if it is not there."""
        with self._reading():
            return self._store.document_text(name)

    def chunks(self, name: str) -> list[Document]:
        """A document's chunks in document order, as LangChain Documents."""
        with self._reading():
            chunks = [self._store.chunk(cid) for cid in self._store.chunk_ids(name)]
            return sorted(chunks, key=lambda c: c.metadata["start"])

    def sections(self, name: str) -> list[str]:
        """A document's section headings in document order."""
        seen: dict[str, None] = {}
        for chunk in self.chunks(name):
            if chunk.metadata.get("section"):
                seen.setdefault(chunk.metadata["section"])
        return list(seen)

    def check(self, repair: bool = True) -> list[str]:
        """Where the parts of the index disagree (after a cut-off write), one line each, repaired unless told not to;
        includes what opening the index already repaired. Empty: the index is whole."""
        with self._writing():
            return [*self._store.repaired, *self._store.check(repair)]

    def counts(self, name: str | None = None) -> dict[str, int]:
        """Chunks held by each part of the index (records, Chroma, BM25) and sentence vectors, of one document
        when named; the first three agree in a healthy index."""
        with self._reading():
            return self._store.counts(name)

    def ingest(
        self, paths: Iterable[str | Path], progress: bool = False, on_error: Callable[[BadDocument], None] | None = None
    ) -> IngestReport:
        """Index new and changed files; unchanged ones are skipped by content hash, bad ones reported and passed.

        A document's name is its path under the folder given (or its file name); see ``documents.iter_files``.
        """
        with self._writing():
            return self._ingest(paths, progress, on_error)

    def _ingest(
        self, paths: Iterable[str | Path], progress: bool, on_error: Callable[[BadDocument], None] | None
    ) -> IngestReport:
        report = IngestReport()
        files = iter_files(paths)  # names unique within the batch
        limits = Limits.from_settings(self.settings)

        def loaded() -> Iterator[Document]:
            for path, name in tqdm(files, desc="Ingesting", unit="file", disable=not progress):
                try:
                    data = read_file(path, limits)  # read once: hashed here, parsed only if changed
                    if self._store.is_current(name, hashlib.sha256(data).hexdigest()):
                        report.skipped.append(name)
                        continue
                    yield load_document(path, name, limits, data)
                except BadDocument as error:
                    report.failed.append(error)
                    if on_error:
                        on_error(error)

        return self._index(loaded(), report)

    def add_documents(self, documents: Iterable[Document]) -> IngestReport:
        """Index LangChain Documents as they are (no file reading). ``metadata["doc"]`` names each (default: its
        ``source``, else a hash of its text); a document already indexed with the same text is skipped."""
        report = IngestReport()

        def prepared() -> Iterator[Document]:
            for doc in documents:
                try:
                    doc = _complete(doc)
                except BadDocument as error:
                    report.failed.append(error)
                    continue
                if self._store.is_current(doc.metadata["doc"], doc.metadata["content_hash"]):
                    report.skipped.append(doc.metadata["doc"])
                else:
                    yield doc

        with self._writing():
            return self._index(prepared(), report)

    def add_texts(self, texts: Iterable[str], metadatas: Iterable[dict] | None = None) -> IngestReport:
        """Index plain texts, as LangChain's ``VectorStore.add_texts``: one document each."""
        metas = list(metadatas) if metadatas is not None else None
        return self.add_documents(
            Document(page_content=text, metadata=dict(metas[i]) if metas else {}) for i, text in enumerate(texts)
        )

    def _index(self, documents: Iterable[Document], report: IngestReport) -> IngestReport:
        with self._writing():
            pending: list[tuple[Document, list[Document]]] = []
            for doc in documents:
                pending.append((doc, split_document(doc, self.settings.chunk_size)))
                if sum(len(chunks) for _, chunks in pending) >= FLUSH_CHUNKS:
                    self._write(pending, report)
                    pending = []
            self._write(pending, report)
            if report.added:
                self._store.commit()
            return report

    def _write(self, pending: list[tuple[Document, list[Document]]], report: IngestReport) -> None:
        if not pending:
            return
        # A name given twice in one flush (the same text twice to add_texts): the last one wins, as it did when
        # documents were written one by one; written together, their equal ids would clash in one Chroma call.
        pending = list({doc.metadata["doc"]: (doc, chunks) for doc, chunks in pending}.values())
        texts = [embedding_text(c, self.settings.embed_context) for _, chunks in pending for c in chunks]
        vectors = self.embedder.encode(texts)
        sentences = self._sentences([c for _, chunks in pending for c in chunks])
        at, items = 0, []
        for doc, chunks in pending:
            name = doc.metadata["doc"]
            before = set(self._store.chunk_ids(name))
            mine = [s for c in chunks for s in sentences.get(c.metadata["chunk_id"], [])]
            items.append((doc, chunks, vectors[at : at + len(chunks)], mine))
            at += len(chunks)
            after = {c.metadata["chunk_id"] for c in chunks}
            report.added.append(name)
            report.chunks_added += len(after - before)
            report.chunks_removed += len(before - after)
        self._store.replace_documents(items)

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
        store = self._store
        found = self._sentences([store.chunk(cid) for cid in store.chunk_ids()])  # one call: small batches are slower
        for name in store.documents:
            store.add_sentences(name, [s for cid in store.chunk_ids(name) for s in found.get(cid, [])])
        store.commit()

    def remove(self, name: str) -> int:
        """Delete a document from every part of the index; returns how many chunks went."""
        with self._writing():
            removed = self._store.remove_document(name)
            self._store.commit()
            return removed

    # -- questions ----------------------------------------------------------------------------------
    def search(self, query: str, k: int = 10, docs: list[str] | None = None, side: Side = "hybrid") -> SearchResult:
        """The k best passages (of ``docs`` when given); ``side`` "dense" or "bm25" searches one side alone."""
        with self._reading():
            return self._searcher.search(query, k, docs, side)

    def ask(self, question: str, docs: list[str] | None = None, side: Side = "hybrid") -> Answer:
        """An extractive cited answer, or a refusal decided by code; it carries the ranked hits it was drawn from."""
        with self._reading():
            found = self.search(question, max(MIN_HITS, self.settings.top_k), docs, side)
            return self._composer.compose(question, found)

    def stream(self, question: str, docs: list[str] | None = None, side: Side = "hybrid") -> Writing:
        """A written answer in progress (``Writing.tokens()`` / ``.sentences()``, then ``.answer``).

        Retrieval and the refusal run first, exactly as ``ask``: a refused question never reaches the LLM, and
        without an LLM the answer is the quoted one."""
        return Writing(self.ask(question, docs, side), self.llm, Verifier(self.embedder), self.settings)

    def write(self, question: str, docs: list[str] | None = None, side: Side = "hybrid") -> Answer:
        """The written answer (mode "written"), or the quoted one ("fallback" with ``error`` when it failed)."""
        return self.stream(question, docs, side).answer

    def overview(self, topic: str, docs: list[str] | None = None, question: str | None = None) -> Answer:
        """What the documents say about ``topic``: cited points grouped by document section (``Answer.groups``)."""
        with self._reading():
            return compose_overview(self._composer, topic, self.search(topic, OVERVIEW_HITS, docs), question)

    def as_retriever(self, k: int = 5, docs: list[str] | None = None) -> HybridRetriever:
        """The hybrid search as a LangChain retriever."""
        return HybridRetriever(searcher=self._searcher, k=k, docs=docs)

    def vectorstore(self) -> Any:
        """The chunk collection as a ``langchain_chroma.Chroma`` vector store (dense search only)."""
        return self._store.vectorstore()


def _complete(doc: Document) -> Document:
    """A Document with the metadata the index needs, defaults filled in from its text."""
    text = doc.page_content
    meta = dict(doc.metadata)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    name = str(meta.get("doc") or Path(str(meta.get("source") or "")).name or f"text-{digest[:12]}")
    if re.search(r"[\ud800-\udfff]", text):  # the index stores UTF-8, which has no lone surrogates
        raise BadDocument(name, "holds text that is not valid Unicode (a lone surrogate); clean it first")
    if not text.strip():
        raise BadDocument(name, "is empty")
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), name)
    meta = {
        "title": first_line[:200],
        "type": "text",
        "source": "",
        "content_hash": digest,
        "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **meta,
        "doc": name,
    }
    return Document(page_content=text, metadata=meta)
