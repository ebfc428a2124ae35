"""A local copy of the chunk records (text and metadata) in one SQLite file in the index folder, read on opening.

Opening a library of 100,000 chunks spent 19 of its 24 s in Chroma ``get`` calls reading every record
(benchmarks/profile_open.py); this file is read in a fraction of that. It is derived, never a source of truth:
each document's rows are stored with the catalog record they were read under, and serve only while the catalog
holds that very record, so a stale copy, one left by an older write or by another machine's page server, is never
used, and a missing or damaged file is read again from Chroma. Rows change per document, in one transaction each,
so a one-document change writes that document's rows and nothing else.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger(__name__)
FILE = "records.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (name TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (id TEXT PRIMARY KEY, doc TEXT NOT NULL, text TEXT NOT NULL, metadata TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc);
"""


class ChunkRecord:
    """A chunk's text and metadata. Metadata read from the copy stays encoded until asked for: 100,000 decoded
    dicts took 1.5 s of opening and ~150 MB of the page's memory, and a question reads a few dozen of them."""

    __slots__ = ("text", "doc", "_metadata")

    def __init__(self, text: str, metadata: dict[str, Any] | str, doc: str) -> None:
        self.text, self._metadata, self.doc = text, metadata, doc

    @property
    def metadata(self) -> dict[str, Any]:
        if isinstance(self._metadata, str):
            self._metadata = orjson.loads(self._metadata)
        return self._metadata

    def encoded(self) -> str:
        return self._metadata if isinstance(self._metadata, str) else json.dumps(self._metadata)


Records = dict[str, ChunkRecord]  # by chunk id


class RecordCopy:
    """The copy kept in ``folder``; every failure to read or write it only costs a read from Chroma."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)  # its own transactions: one per document (see put)
        db.execute("PRAGMA journal_mode=WAL")  # readers in other processes are not blocked by a write
        db.execute("PRAGMA synchronous=NORMAL")  # a copy: losing the last write to a power cut costs a re-read
        db.executescript(SCHEMA)
        return db

    def read(self, documents: dict[str, dict[str, Any]]) -> tuple[Records, list[str]]:
        """The chunk records of every document whose stored record is the catalog's (``documents``), and the names
        of the others, which are to be read from Chroma."""
        try:
            with self._connect() as db:
                stored = {name: record for name, record in db.execute("SELECT name, record FROM documents")}
                fresh = {name for name, record in stored.items()
                         if name in documents and json.loads(record) == documents[name]}  # fmt: skip
                names = {name: name for name in fresh}  # one string per name, shared by its chunks
                chunks: Records = {}
                for cid, doc, text, meta in db.execute("SELECT id, doc, text, metadata FROM chunks"):
                    if doc in fresh:
                        chunks[cid] = ChunkRecord(text, meta, names[doc])
                gone = [name for name in stored if name not in documents]
            db.close()
        except (sqlite3.Error, ValueError) as error:
            log.warning("the copy of the chunk records in %s is unreadable (%s); reading them from Chroma", self.path,
                        error)
            self.path.unlink(missing_ok=True)
            return {}, list(documents)
        if gone:
            self.drop(gone)
        return chunks, [name for name in documents if name not in fresh]

    def put(self, documents: dict[str, dict[str, Any]], chunks: Records) -> None:
        """Store these documents' records and chunks (replacing what was stored for them)."""
        by_doc: dict[str, list[tuple[str, dict[str, Any]]]] = {name: [] for name in documents}
        for cid, record in chunks.items():
            if record.doc in by_doc:
                by_doc[record.doc].append((cid, record))
        try:
            db = self._connect()
            for name, rows in by_doc.items():
                with db:  # one transaction per document: its rows and its record change together
                    db.execute("DELETE FROM chunks WHERE doc = ?", (name,))
                    db.executemany(
                        "INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?)",
                        [(cid, name, r.text, r.encoded()) for cid, r in rows],
                    )
                    db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?)", (name, json.dumps(documents[name])))
            db.close()
        except sqlite3.Error as error:
            log.warning("could not update the copy of the chunk records in %s (%s)", self.path, error)

    def drop(self, names: list[str]) -> None:
        try:
            db = self._connect()
            for name in names:
                with db:
                    db.execute("DELETE FROM documents WHERE name = ?", (name,))
                    db.execute("DELETE FROM chunks WHERE doc = ?", (name,))
            db.close()
        except sqlite3.Error as error:
            log.warning("could not update the copy of the chunk records in %s (%s)", self.path, error)


def release_freed_memory() -> None:
    """Hand back to the system the heap that reading every record freed; glibc keeps it otherwise: at 100,000 chunks
    210 MB of the page's 2.0 GB (docs/benchmarks.md, 100k). Where the C library is not glibc, nothing to do."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
