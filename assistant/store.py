"""The on-disk index: Chroma (dense vectors), BM25 (lexical) and a manifest of documents with content hashes.

Chroma and BM25 hold the same chunks; every write goes through ``replace_document``/``remove_document`` and
``commit``, which keep them in step. The manifest records which embedder built the index so two are never mixed.
With ``sentence_vectors`` a second collection holds one vector per sentence (id ``<chunk id>:<offset>``), written
and deleted with its chunk.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.chroma import CHROMA_BATCH, all_ids, chroma_client, query
from assistant.errors import IndexMismatch, UnknownDocument
from assistant.lexical import LexicalIndex
from assistant.settings import Settings

MANIFEST = "manifest.json"
CHUNKS = "chunks.json"
# Present from a write's first change to Chroma until its commit has saved every file: found on opening, it means a
# write was cut off (Ctrl-C, kill -9, power loss) and the parts may disagree, so the index is checked and repaired.
WRITING = "writing.marker"
# Settings that shape what is stored: opening an index with other values would mix old and new chunks.
LAYOUT = ("chunk_size", "embed_context")


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


class Store:
    """The index of one folder (or one Chroma server collection); other modules read it through its methods."""

    def __init__(self, settings: Settings, embedder: Embeddings, generation: int = 0) -> None:
        """``generation``: how many times this process has opened the index afresh (see chroma_client)."""
        self.settings = settings
        self.embedder = embedder
        self.dir = settings.index_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.manifest = self._read(MANIFEST, {"embedder": embedder.name, "documents": {}})
        self._check_layout()
        self.chunks: dict[str, dict[str, Any]] = self._read(CHUNKS, {})
        self.by_doc: dict[str, set[str]] = {}
        for cid, record in self.chunks.items():
            self.by_doc.setdefault(record["metadata"]["doc"], set()).add(cid)
        self.generation = generation
        self.client = chroma_client(settings, generation)
        self.collection = self.client.get_or_create_collection(
            settings.collection, metadata={"hnsw:space": "cosine", "embedder": embedder.name}
        )
        self.sentences = self._sentence_collection()
        self._lexical = LexicalIndex.load(self.dir) or LexicalIndex.build([], [])
        self.version = 0  # goes up with every commit, so readers can cache what they derive from the chunks
        self._masks: dict[tuple[str, ...], np.ndarray] = {}
        # What was repaired on opening after an interrupted write (empty when the last write finished).
        self.repaired: list[str] = self.check(repair=True) if (self.dir / WRITING).exists() else []
        self._stamp = self._disk_stamp()  # what this store has read; see changed_on_disk

    def _sentence_collection(self) -> Any:
        """The sentence collection when the settings ask for it; dropped when they no longer do, so it never goes
        stale. An index built without it is missing its sentences (``missing_sentences``) until they are added."""
        name = f"{self.settings.collection}-sentences"
        built = self.manifest.get("sentence_vectors", False)
        self.missing_sentences = self.settings.sentence_vectors and not built and bool(self.chunks)
        if not self.settings.sentence_vectors:
            if built:  # kept, it would go stale with the next change to the documents
                self.client.delete_collection(name)
                self.manifest["sentence_vectors"] = False
                self._save(MANIFEST, self.manifest)
            return None
        self.manifest["sentence_vectors"] = True
        return self.client.get_or_create_collection(
            name, metadata={"hnsw:space": "cosine", "embedder": self.embedder.name}
        )

    def _check_layout(self) -> None:
        """The settings that shape what is stored must be those the index was built with (recorded on first use)."""
        wanted = {"embedder": self.embedder.name, **{key: getattr(self.settings, key) for key in LAYOUT}}
        for key, value in wanted.items():
            built = self.manifest.setdefault(key, value)  # an index from before a key was recorded adopts it
            if built == value:
                continue
            env = f"ASSISTANT_{key.upper()}"
            raise IndexMismatch(
                f"The index in {self.dir} was built with {env}={built}, but the settings ask for {value}. "
                f"Set {env}={built}, or rebuild the index with the new value: delete {self.dir} (keep its uploads/ "
                "folder) and run `assistant ingest` again (`make clean-index run` for the default index)."
            )

    # -- reading ----------------------------------------------------------------------------------
    def _disk_stamp(self) -> tuple[int, int] | None:
        """The manifest file's modification time and size: every commit (of any process) replaces it."""
        try:
            stat = (self.dir / MANIFEST).stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def changed_on_disk(self) -> bool:
        """True when another process has committed a change since this store read or wrote the index."""
        return self._disk_stamp() != self._stamp

    def _read(self, name: str, default: Any) -> Any:
        path = self.dir / name
        return json.loads(path.read_text()) if path.exists() else default

    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        return self.manifest["documents"]

    def is_current(self, name: str, content_hash: str) -> bool:
        return self.documents.get(name, {}).get("content_hash") == content_hash

    def chunk(self, chunk_id: str) -> Document:
        record = self.chunks[chunk_id]
        return Document(page_content=record["text"], metadata=record["metadata"], id=chunk_id)

    def text(self, chunk_id: str) -> str:
        return self.chunks[chunk_id]["text"]

    def doc_of(self, chunk_id: str) -> str:
        return self.chunks[chunk_id]["metadata"]["doc"]

    def chunk_ids(self, name: str | None = None) -> list[str]:
        """A document's chunk ids, or every chunk's, sorted."""
        return sorted(self.by_doc.get(name, ()) if name is not None else self.chunks)

    def counts(self, name: str | None = None) -> dict[str, int]:
        """How many chunks each part of the index holds (of one document when named); all but ``sentences`` agree
        in a healthy index."""
        if name is None:
            return {
                "records": len(self.chunks),
                "chroma": self.collection.count(),
                "bm25": len(self._lexical.ids),
                "sentences": self.sentences.count() if self.sentences is not None else 0,
            }
        where = {"doc": name}
        return {
            "records": len(self.by_doc.get(name, ())),
            "chroma": len(self.collection.get(where=where, include=[])["ids"]),
            "bm25": sum(1 for cid in self._lexical.ids if cid in self.chunks and self.doc_of(cid) == name),
            "sentences": len(self.sentences.get(where=where, include=[])["ids"]) if self.sentences is not None else 0,
        }

    # -- word statistics (BM25) -------------------------------------------------------------------
    def idf(self, token: str) -> float:
        return self._lexical.idf(token)

    def lexical_ids(self) -> list[str]:
        """Chunk ids in the row order of ``lexical_scores``."""
        return self._lexical.ids

    def lexical_scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk for the query tokens, in ``lexical_ids`` order."""
        return self._lexical.scores(tokens)

    def in_documents(self, docs: list[str]) -> np.ndarray:
        """Boolean mask over ``lexical_ids``: the chunks of ``docs``; cached until the next commit."""
        key = tuple(sorted(docs))
        if key not in self._masks:
            wanted = set(docs)
            self._masks[key] = np.array([self.doc_of(cid) in wanted for cid in self._lexical.ids], dtype=bool)
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

    # -- checking -------------------------------------------------------------------------------
    def check(self, repair: bool = False) -> list[str]:
        """Problems where the parts of the index disagree, one line each; with ``repair``, each is fixed.

        The chunk records and the manifest (saved together at the end of every write) say what the index holds.
        A document is wholly present or absent: one whose records, vectors or sentences are incomplete is removed
        (re-ingesting it restores it: its content hash is gone), vectors no record owns are deleted, and BM25 is
        rebuilt when it does not hold exactly the records' chunks.
        """
        problems: list[str] = []
        broken: set[str] = set()
        for cid, record in list(self.chunks.items()):
            if record["metadata"]["doc"] not in self.documents:
                problems.append(f"chunk {cid} belongs to no listed document")
                broken.add(record["metadata"]["doc"])
        for name, info in self.documents.items():
            if info.get("chunks") != len(self.by_doc.get(name, ())):
                problems.append(f"{name}: {len(self.by_doc.get(name, ()))} chunk records, the manifest says "
                                f"{info.get('chunks')}")
                broken.add(name)
        in_chroma = set(all_ids(self.collection))
        for name, ids in self.by_doc.items():
            missing = ids - in_chroma
            if missing:
                problems.append(f"{name}: {len(missing)} chunk(s) have no vector")
                broken.add(name)
        orphans = in_chroma - set(self.chunks)
        if orphans:
            problems.append(f"{len(orphans)} vector(s) belong to no chunk record")
        sentence_orphans: list[str] = []
        if self.sentences is not None:
            owners = dict(zip(*all_ids(self.sentences, with_owner=True)))
            sentence_orphans = [sid for sid, cid in owners.items() if cid not in self.chunks]
            with_sentences = {self.chunks[cid]["metadata"]["doc"] for cid in owners.values() if cid in self.chunks}
            for name in set(self.documents) - with_sentences:
                if self.by_doc.get(name):
                    problems.append(f"{name}: its sentence vectors are missing")
                    broken.add(name)
            if sentence_orphans:
                problems.append(f"{len(sentence_orphans)} sentence vector(s) belong to no chunk record")
        bm25_stale = sorted(self._lexical.ids) != sorted(self.chunks)
        if bm25_stale:
            problems.append(f"BM25 holds {len(self._lexical.ids)} chunks, the records {len(self.chunks)}")
        if repair and problems:
            self._repair(broken, orphans, sentence_orphans)
        return problems

    def _repair(self, broken: set[str], orphans: set[str], sentence_orphans: list[str]) -> None:
        self.begin_write()
        for name in broken:
            ids = sorted(self.by_doc.pop(name, set()) | {c for c, r in self.chunks.items()
                                                          if r["metadata"]["doc"] == name})
            for cid in ids:
                self.chunks.pop(cid, None)
            orphans |= set(ids)
            self.documents.pop(name, None)
            if self.sentences is not None:
                self.sentences.delete(where={"doc": name})
        for at in range(0, len(orphans), CHROMA_BATCH):
            self.collection.delete(ids=sorted(orphans)[at : at + CHROMA_BATCH])
        for at in range(0, len(sentence_orphans), CHROMA_BATCH):
            self.sentences.delete(ids=sentence_orphans[at : at + CHROMA_BATCH])
        self.commit()

    # -- writing ----------------------------------------------------------------------------------
    def begin_write(self) -> None:
        """Mark the index as being written until ``commit`` (see WRITING)."""
        marker = self.dir / WRITING
        if not marker.exists():
            marker.write_text(str(os.getpid()))

    def replace_document(
        self, doc: Document, chunks: list[Document], vectors: np.ndarray, sentences: list[Sentence] | None = None
    ) -> None:
        """Swap a document's chunks (and their sentences) for new ones; its old chunks go once the new ones are in."""
        self.begin_write()
        name = doc.metadata["doc"]
        if self.sentences is not None:
            self._replace_sentences(name, sentences or [])
        old = set(self.chunk_ids(name)) - {c.metadata["chunk_id"] for c in chunks}
        ids = [c.metadata["chunk_id"] for c in chunks]
        if ids:
            self.collection.upsert(
                ids=ids,
                embeddings=vectors,
                documents=[c.page_content for c in chunks],
                metadatas=[c.metadata for c in chunks],
            )
        if old:
            self.collection.delete(ids=sorted(old))
        for cid in old:
            del self.chunks[cid]
        for c in chunks:
            self.chunks[c.metadata["chunk_id"]] = {"text": c.page_content, "metadata": c.metadata}
        self.by_doc[name] = set(ids)
        meta = doc.metadata
        self.documents[name] = {
            "title": meta["title"],
            "type": meta["type"],
            "source": meta["source"],
            "content_hash": meta["content_hash"],
            "ingested_at": meta["ingested_at"],
            "pages": len(meta.get("page_starts", [])),
            "chunks": len(chunks),
            "chars": len(doc.page_content),
            "text": doc.page_content,
        }

    def _replace_sentences(self, name: str, sentences: list[Sentence]) -> None:
        self.sentences.delete(where={"doc": name})
        self.add_sentences(name, sentences)

    def add_sentences(self, name: str, sentences: list[Sentence]) -> None:
        for at in range(0, len(sentences), CHROMA_BATCH):
            batch = sentences[at : at + CHROMA_BATCH]
            self.sentences.add(
                ids=[s.id for s in batch],
                embeddings=np.stack([s.vector for s in batch]),
                metadatas=[{"doc": name, "chunk_id": s.chunk_id} for s in batch],
            )

    def remove_document(self, name: str) -> int:
        if name not in self.documents:
            known = ", ".join(sorted(self.documents)[:10]) or "none"
            raise UnknownDocument(f"No document named {name!r} in the index (documents: {known}).")
        self.begin_write()
        ids = self.chunk_ids(name)
        if ids:
            self.collection.delete(ids=ids)
        if self.sentences is not None:
            self.sentences.delete(where={"doc": name})
        for cid in ids:
            del self.chunks[cid]
        del self.documents[name]
        self.by_doc.pop(name, None)
        return len(ids)

    def commit(self) -> None:
        """Rebuild BM25 from the chunk store and write everything, so the two indexes never drift apart."""
        ids = sorted(self.chunks)
        self._lexical = LexicalIndex.build(ids, [self.chunks[cid]["text"] for cid in ids])
        self._lexical.save(self.dir)
        self.version += 1
        self._masks.clear()
        self._save(CHUNKS, self.chunks)
        self._save(MANIFEST, self.manifest)
        self._stamp = self._disk_stamp()
        (self.dir / WRITING).unlink(missing_ok=True)  # last: every file now agrees

    def _save(self, name: str, data: Any) -> None:
        tmp = self.dir / f"{name}.tmp"
        tmp.write_text(json.dumps(data, ensure_ascii=False))
        tmp.replace(self.dir / name)  # atomic: a reader never sees half a file
