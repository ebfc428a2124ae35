"""The index: Chroma holds what it is (chunk texts and metadata, vectors, sentence vectors, the catalog of
documents); BM25 (bm25s) is derived from it and kept in the index folder, rebuilt when it is not of the current state.

Every write goes through ``replace_documents``/``remove_document`` and ``commit``. A document becomes visible when
its catalog record is written, after its chunks and sentences, and a reader keeps only the chunks whose content hash
is the one their document's record names: an interrupted write never shows half a document. Several processes, or
page servers sharing one `chroma run`, read the same catalog; each commit gives the index a new token, by which the
others know to read it again. With ``sentence_vectors`` a second collection holds one vector per sentence (id
``<chunk id>:<offset>``), written and deleted with its chunk.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.catalog import Catalog, adopt_json_layout
from assistant.chroma import CHROMA_BATCH, chroma_client, query, read_records, vector_collection
from assistant.errors import IndexMismatch, UnknownDocument
from assistant.integrity import Integrity
from assistant.lexical import LexicalIndex, LexicalView, Rebuilder
from assistant.records import ChunkRecord, RecordCopy, release_freed_memory
from assistant.settings import Settings

# Present from a write's first change to Chroma until its commit: found on opening, it means a write of this
# folder's process was cut off (Ctrl-C, kill -9, power loss) and the parts may disagree, so the index is checked
# and repaired (what it left is invisible to readers meanwhile: see the module's docstring).
WRITING = "writing.marker"
# Settings that shape what is stored: opening an index with other values would mix old and new chunks.
LAYOUT = ("embedder", "chunk_size", "embed_context")


@dataclass
class Sentence:
    """One sentence of a chunk with its vector; ``start`` is its offset in the chunk text."""

    chunk_id: str
    start: int
    vector: np.ndarray

    @property
    def id(self) -> str:
        return sentence_id(self.chunk_id, self.start)


def sentence_id(chunk_id: str, start: int) -> str:
    return f"{chunk_id}:{start}"


class Store(Integrity):
    """The index of one folder (or one Chroma server collection); other modules read it through its methods."""

    def __init__(self, settings: Settings, embedder: Embeddings, generation: int = 0, previous: Store | None = None,
                 background_bm25: bool = False) -> None:
        """``generation``: how many times this process has opened the index afresh (see chroma_client);
        ``previous``: this process's last view of the index, whose unchanged documents are not read again;
        ``background_bm25``: rebuild BM25 after a change in a thread, not in the write (a long-running page)."""
        self.settings = settings
        self.embedder = embedder
        self.dir = settings.index_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.generation = generation
        self.client = chroma_client(settings, generation)
        self.collection = vector_collection(self.client, settings.collection, embedder.name)
        self.catalog = Catalog(self.client, settings.collection)
        self.copy = RecordCopy(self.dir)
        adopt_json_layout(self.dir, self.catalog, LAYOUT)
        self.state = self._check_layout(self.catalog.state())
        self.documents: dict[str, dict[str, Any]] = self.catalog.documents()
        self.chunks: dict[str, ChunkRecord] = self._visible_chunks(previous)
        self.by_doc: dict[str, set[str]] = {}
        for cid, record in self.chunks.items():
            self.by_doc.setdefault(record.doc, set()).add(cid)
        if previous is None:
            release_freed_memory()
        self.sentences = self._sentence_collection()
        self.token = self.state.get("token", "")  # the state this store has read; see changed
        self.version = 0  # goes up with every change, so readers can cache what they derive from the chunks
        self._masks: dict[tuple[str, ...], np.ndarray] = {}
        self.background_bm25 = background_bm25
        self._rebuilder = previous._rebuilder if previous else Rebuilder(self.dir)
        # The last full BM25 build, of whatever state: LexicalView scores what was added since and masks what went
        saved = LexicalIndex.load(self.dir)
        self._main = previous._main if previous else saved[0] if saved else LexicalIndex.empty()
        self._refresh_lexical()
        # What was repaired on opening after an interrupted write (empty when the last write finished).
        self.repaired: list[str] = self.check(repair=True) if (self.dir / WRITING).exists() else []

    def _visible_chunks(self, previous: Store | None) -> dict[str, ChunkRecord]:
        """Chunk records of listed documents with the content hash their record names (see the docstring); the
        records of documents unchanged since ``previous``, or since the local copy (records.py) was written, are
        taken from there rather than read from Chroma again."""
        chunks: dict[str, ChunkRecord] = {}
        if previous is not None:
            changed = []
            for name, info in self.documents.items():
                if previous.documents.get(name) == info:
                    chunks.update((cid, previous.chunks[cid]) for cid in previous.by_doc.get(name, ()))
                else:
                    changed.append(name)
        else:
            chunks, changed = self.copy.read(self.documents)
        read = self._read_chunks(changed, everything=len(changed) == len(self.documents))
        found = Counter(record.doc for record in read.values())
        # Only whole documents go into the copy (a concurrent write may have removed some chunks meanwhile)
        whole = {n: self.documents[n] for n in changed if found[n] == self.documents[n].get("chunks")}
        if whole:
            self.copy.put(whole, read)
        chunks.update(read)
        return chunks

    def _read_chunks(self, names: list[str], everything: bool) -> dict[str, ChunkRecord]:
        """The visible chunk records of these documents, read from Chroma (``everything``: all of them, unfiltered)."""
        chunks: dict[str, ChunkRecord] = {}
        for cid, text, meta in read_records(self.collection, None if everything and names else names):
            info = self.documents.get(meta.get("doc"))
            if info is not None and info["content_hash"] == meta.get("content_hash"):
                chunks[cid] = ChunkRecord(text, meta, meta["doc"])
        return chunks

    def _refresh_lexical(self) -> None:
        """BM25 of the current chunks: the last build plus what changed since; built again once that outgrows it."""
        self._lexical = self._view()
        if self.token and (self._lexical.outgrown or not self._main.ids and self.chunks):
            chunks = {cid: r.text for cid, r in self.chunks.items()}
            self._rebuilder.schedule(chunks, self.token, self.background_bm25)
            if not self.background_bm25:
                self.adopt_lexical()

    def _view(self) -> LexicalView:
        return LexicalView(self._main, self.chunks, lambda cid: self._rebuilder.tokens(cid, self.text(cid)))

    def lexical_waiting(self) -> bool:
        """True when a BM25 rebuilt in the background is ready to be taken (``adopt_lexical``)."""
        return self._rebuilder.ready

    def adopt_lexical(self) -> None:
        """Serve the BM25 rebuilt since the last change, if there is one (call with no question running)."""
        ready = self._rebuilder.take()
        if ready is not None:
            self._main = ready[0]
            self._lexical = self._view()
            self.version += 1
            self._masks.clear()

    def _sentence_collection(self) -> Any:
        """The sentence collection when the settings ask for it; dropped when they no longer do, so it never goes
        stale. An index built without it is missing its sentences (``missing_sentences``) until they are added."""
        name = f"{self.settings.collection}-sentences"
        built = self.state.get("sentence_vectors", False)
        self.missing_sentences = self.settings.sentence_vectors and not built and bool(self.chunks)
        if not self.settings.sentence_vectors:
            if built:  # kept, it would go stale with the next change to the documents
                self.client.delete_collection(name)
                self.state["token"] = self.catalog.set_state(sentence_vectors=False)
            return None
        return vector_collection(self.client, name, self.embedder.name)

    def _check_layout(self, state: dict[str, Any]) -> dict[str, Any]:
        """The settings that shape what is stored must be those the index was built with (recorded on first use)."""
        wanted = {"embedder": self.embedder.name, **{key: getattr(self.settings, key) for key in LAYOUT[1:]}}
        for key, value in wanted.items():
            built = state.get(key, value)
            if built == value:
                continue
            env = f"ASSISTANT_{key.upper()}"
            raise IndexMismatch(
                f"The index in {self.dir} was built with {env}={built}, but the settings ask for {value}. "
                f"Set {env}={built}, or rebuild the index with the new value: delete {self.dir} (keep its uploads/ "
                "folder) and run `assistant ingest` again (`make clean-index run` for the default index)."
            )
        return {**wanted, **state}

    # -- reading ----------------------------------------------------------------------------------
    def changed(self) -> bool:
        """True when another process has committed a change since this store read or wrote the index."""
        return self.catalog.token() != self.token

    def document_text(self, name: str) -> str | None:
        return self.catalog.text(name)

    def is_current(self, name: str, content_hash: str) -> bool:
        return self.documents.get(name, {}).get("content_hash") == content_hash

    def chunk(self, chunk_id: str) -> Document:
        record = self.chunks[chunk_id]
        return Document(page_content=record.text, metadata=record.metadata, id=chunk_id)

    def text(self, chunk_id: str) -> str:
        return self.chunks[chunk_id].text

    def doc_of(self, chunk_id: str) -> str:
        return self.chunks[chunk_id].doc

    def chunk_ids(self, name: str | None = None) -> list[str]:
        """A document's chunk ids, or every chunk's, sorted."""
        return sorted(self.by_doc.get(name, ()) if name is not None else self.chunks)

    def counts(self, name: str | None = None) -> dict[str, int]:
        """How many chunks each part of the index holds (of one document when named); all but ``sentences`` agree
        in a healthy index (BM25 once its rebuild is done: this waits for it)."""
        self._rebuilder.wait()
        self.adopt_lexical()
        if name is None:
            return {
                "records": len(self.chunks),
                "chroma": self.collection.count(),
                "bm25": len(self._lexical.ids) - self._lexical.removed,
                "sentences": self.sentences.count() if self.sentences is not None else 0,
            }
        where = {"doc": name}
        return {
            "records": len(self.by_doc.get(name, ())),
            "chroma": len(self.collection.get(where=where, include=[])["ids"]),
            "bm25": sum(1 for cid in self._lexical.live_ids() if self.doc_of(cid) == name),
            "sentences": len(self.sentences.get(where=where, include=[])["ids"]) if self.sentences is not None else 0,
        }

    # -- word statistics (BM25) -------------------------------------------------------------------
    def idf(self, token: str) -> float:
        return self._lexical.idf(token)

    def lexical_ids(self) -> list[str]:
        """Chunk ids in the row order of ``lexical_scores``."""
        return self._lexical.ids

    def lexical_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the query tokens, in ``lexical_ids`` order; 0 for a chunk removed since
        BM25 was last built."""
        return self._lexical.scores(tokens)

    def in_documents(self, docs: list[str]) -> np.ndarray:
        """Boolean mask over ``lexical_ids``: the chunks of ``docs``; cached until the next commit."""
        key = tuple(sorted(docs))
        if key not in self._masks:
            wanted = set(docs)
            docs_of = [self.chunks[cid].doc if cid in self.chunks else None for cid in self._lexical.ids]
            self._masks[key] = np.array([doc in wanted for doc in docs_of], dtype=bool)
        return self._masks[key]

    # -- vectors ----------------------------------------------------------------------------------
    @property
    def has_sentences(self) -> bool:
        return self.sentences is not None

    def query_chunks(self, query_vec: np.ndarray, n: int, docs: list[str] | None) -> dict[str, float]:
        """Chunk id -> cosine to the query, best first (Chroma's cosine space returns distance = 1 - cosine)."""
        got = query(self.collection, query_vec, n, docs, [])
        # A shared Chroma server may hold another process's vectors before that process has committed their
        # records: a question sees only what this store's records hold.
        return {cid: 1.0 - dist for cid, dist in zip(got["ids"], got["distances"]) if cid in self.chunks}

    def query_sentences(self, query_vec: np.ndarray, n: int, docs: list[str] | None) -> list[tuple[str, float]]:
        """(chunk id, cosine) of the n sentences nearest the query, best first; empty without sentence vectors."""
        if self.sentences is None:
            return []
        got = query(self.sentences, query_vec, n, docs, ["metadatas"])
        return [(meta["chunk_id"], 1.0 - dist) for meta, dist in zip(got["metadatas"], got["distances"])
                if meta["chunk_id"] in self.chunks]

    def vectorstore(self):  # noqa: ANN201 - langchain_chroma is imported lazily: only users who ask pay for it
        """The same collection as a LangChain ``Chroma`` vector store, for users who want the usual interface."""
        from langchain_chroma import Chroma

        return Chroma(client=self.client, collection_name=self.settings.collection, embedding_function=self.embedder)

    def embeddings(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        if not chunk_ids:
            return {}
        got = self.collection.get(ids=chunk_ids, include=["embeddings"])
        return {cid: np.asarray(vec, dtype=np.float32) for cid, vec in zip(got["ids"], got["embeddings"])}

    def sentence_embeddings(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], np.ndarray]:
        """Stored sentence vectors by (chunk id, offset in the chunk); empty without sentence vectors."""
        if self.sentences is None or not keys:
            return {}
        by_id = {sentence_id(*key): key for key in keys}
        got = self.sentences.get(ids=list(by_id), include=["embeddings"])
        return {by_id[sid]: np.asarray(vec, dtype=np.float32) for sid, vec in zip(got["ids"], got["embeddings"])}

    # -- writing ----------------------------------------------------------------------------------
    def begin_write(self) -> None:
        """Mark the index as being written until ``commit`` (see WRITING)."""
        marker = self.dir / WRITING
        if not marker.exists():
            marker.write_text(str(os.getpid()))

    def replace_documents(self, items: list[tuple[Document, list[Document], np.ndarray, list[Sentence]]]) -> None:
        """Swap documents' chunks (and their sentences) for new ones: (document, chunks, chunk vectors, sentences)
        each. One Chroma call per kind of write for all of them, not four or five per document: each call pays
        Chroma's own overhead (tens of ms), which made a folder of small files (SciFact abstracts, ~1 chunk each)
        ingest at 2.7 documents/s. Every record is written after all their chunks and sentences, so each document
        becomes visible whole; old chunks go once the new ones are in."""
        if not items:
            return
        self.begin_write()
        names = [doc.metadata["doc"] for doc, *_ in items]
        known = [name for name in names if name in self.documents]  # new names have nothing to replace
        if self.sentences is not None:
            if known:
                self.sentences.delete(where={"doc": {"$in": known}})
            self._add_sentences([(name, s) for name, (*_, sentences) in zip(names, items) for s in sentences])
        chunks = [c for _, doc_chunks, _, _ in items for c in doc_chunks]
        vectors = np.concatenate([v for _, _, v, _ in items]) if chunks else np.zeros((0, 0), dtype=np.float32)
        for at in range(0, len(chunks), CHROMA_BATCH):
            batch = chunks[at : at + CHROMA_BATCH]
            self.collection.upsert(
                ids=[c.metadata["chunk_id"] for c in batch],
                embeddings=vectors[at : at + CHROMA_BATCH],
                documents=[c.page_content for c in batch],
                metadatas=[c.metadata for c in batch],
            )
        records = {name: _record(doc, doc_chunks) for name, (doc, doc_chunks, _, _) in zip(names, items)}
        self.catalog.put_many(records, [doc.page_content for doc, *_ in items])  # now whole and visible
        old: set[str] = set()
        for name, (_, doc_chunks, _, _) in zip(names, items):
            old |= set(self.chunk_ids(name)) - {c.metadata["chunk_id"] for c in doc_chunks}
        if old:
            self.collection.delete(ids=sorted(old))
        for cid in old:
            del self.chunks[cid]
        self.documents.update(records)
        written: dict[str, ChunkRecord] = {}
        for name, (_, doc_chunks, _, _) in zip(names, items):
            for c in doc_chunks:
                written[c.metadata["chunk_id"]] = ChunkRecord(c.page_content, c.metadata, name)
            self.by_doc[name] = {c.metadata["chunk_id"] for c in doc_chunks}
        self.chunks.update(written)
        self.copy.put(records, written)

    def add_sentences(self, name: str, sentences: list[Sentence]) -> None:
        self._add_sentences([(name, s) for s in sentences])

    def _add_sentences(self, pairs: list[tuple[str, Sentence]]) -> None:
        for at in range(0, len(pairs), CHROMA_BATCH):
            batch = pairs[at : at + CHROMA_BATCH]
            self.sentences.add(
                ids=[s.id for _, s in batch],
                embeddings=np.stack([s.vector for _, s in batch]),
                metadatas=[{"doc": name, "chunk_id": s.chunk_id} for name, s in batch],
            )

    def remove_document(self, name: str) -> int:
        if name not in self.documents:
            known = ", ".join(sorted(self.documents)[:10]) or "none"
            raise UnknownDocument(f"No document named {name!r} in the index (documents: {known}).")
        self.begin_write()
        self.catalog.delete(name)  # gone for every reader at once; its records follow
        ids = self.chunk_ids(name)
        if ids:
            self.collection.delete(ids=ids)
        if self.sentences is not None:
            self.sentences.delete(where={"doc": name})
        for cid in ids:
            del self.chunks[cid]
        del self.documents[name]
        self.by_doc.pop(name, None)
        self.copy.drop([name])
        return len(ids)

    def commit(self) -> None:
        """Give the index a new state token, which tells other readers, and rebuild BM25 from the chunks."""
        layout = {key: self.state[key] for key in LAYOUT}
        self.token = self.state["token"] = self.catalog.set_state(**layout, sentence_vectors=self.sentences is not None)
        self.version += 1
        self._masks.clear()
        self._refresh_lexical()
        (self.dir / WRITING).unlink(missing_ok=True)  # last: every part now agrees (BM25 is derived)


def _record(doc: Document, chunks: list[Document]) -> dict[str, Any]:
    """A document's catalog record."""
    meta = doc.metadata
    return {
        "title": meta["title"],
        "type": meta["type"],
        "source": meta["source"],
        "content_hash": meta["content_hash"],
        "ingested_at": meta["ingested_at"],
        "pages": len(meta.get("page_starts", [])),
        "chunks": len(chunks),
        "chars": len(doc.page_content),
    }
