"""Checking and repairing an index whose parts disagree (a write cut off by Ctrl-C, kill -9 or a power cut).

A part of ``Store`` kept in a file of its own: it reads and writes the store's records as the store itself does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from assistant.chroma import CHROMA_BATCH, all_ids, query
from assistant.embeddings import DIMENSIONS

if TYPE_CHECKING:
    from assistant.store import Store


class Integrity:
    def check(self: Store, repair: bool = False) -> list[str]:
        """Problems where the parts of the index disagree, one line each; with ``repair``, each is fixed.

        The catalog says what the index holds. A document is wholly present or absent: one whose chunks or
        sentences are incomplete is removed (re-ingesting it restores it: its record is gone), records of no
        listed document (left by an interrupted write) are deleted, and BM25 is rebuilt when it does not hold
        exactly the visible chunks.
        """
        self._rebuilder.wait()
        self.adopt_lexical()
        self.probe_vectors()
        problems: list[str] = []
        broken: set[str] = set()
        for name, info in self.documents.items():
            if info.get("chunks") != len(self.by_doc.get(name, ())):
                problems.append(f"{name}: {len(self.by_doc.get(name, ()))} chunk records, the catalog says "
                                f"{info.get('chunks')}")
                broken.add(name)
        orphans = set(all_ids(self.collection)) - set(self.chunks)
        if orphans:
            problems.append(f"{len(orphans)} chunk record(s) belong to no listed document")
        sentence_orphans: list[str] = []
        if self.sentences is not None:
            owners = dict(zip(*all_ids(self.sentences, with_owner=True)))
            sentence_orphans = [sid for sid, cid in owners.items() if cid not in self.chunks]
            with_sentences = {self.chunks[cid].doc for cid in owners.values() if cid in self.chunks}
            for name in set(self.documents) - with_sentences:
                if self.by_doc.get(name):
                    problems.append(f"{name}: its sentence vectors are missing")
                    broken.add(name)
            if sentence_orphans:
                problems.append(f"{len(sentence_orphans)} sentence vector(s) belong to no chunk record")
        if sorted(self._lexical.live_ids()) != sorted(self.chunks):
            problems.append(f"BM25 holds {len(self._lexical.live_ids())} chunks, the records {len(self.chunks)}")
        if repair and problems:
            self._repair(broken, orphans, sentence_orphans)
        return problems

    def probe_vectors(self: Store) -> None:
        """Ask each vector collection for one neighbour, which makes Chroma load its HNSW index: one it cannot load
        raises IndexUnreadable here, not at the next question. No model is needed: any unit vector will do."""
        probe = np.full(DIMENSIONS, DIMENSIONS**-0.5, dtype=np.float32)
        for collection in (self.collection, self.sentences):
            if collection is not None:
                query(collection, probe, 1, None, [])

    def _repair(self: Store, broken: set[str], orphans: set[str], sentence_orphans: list[str]) -> None:
        self.begin_write()
        for name in broken:
            self.catalog.delete(name)
            self.documents.pop(name, None)
            ids = self.by_doc.pop(name, set())
            for cid in ids:
                self.chunks.pop(cid, None)
            orphans |= ids
            if self.sentences is not None:
                self.sentences.delete(where={"doc": name})
        for at in range(0, len(orphans), CHROMA_BATCH):
            self.collection.delete(ids=sorted(orphans)[at : at + CHROMA_BATCH])
        for at in range(0, len(sentence_orphans), CHROMA_BATCH):
            self.sentences.delete(ids=sentence_orphans[at : at + CHROMA_BATCH])
        self.commit()

