"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.lexical import tokenize
from assistant.settings import Settings
from assistant.store import Store


@dataclass
class Hit:
    """One retrieved chunk. ``chunk.metadata`` holds doc, title, section, page, start, end, chunk_id."""

    chunk: Document
    score: float  # fused score (higher is better)
    dense: float | None = None  # cosine similarity of the chunk to the question, when the dense side ranked it
    bm25: float | None = None  # BM25 score, when the lexical side ranked it

    @property
    def text(self) -> str:
        return self.chunk.page_content

    @property
    def doc(self) -> str:
        return self.chunk.metadata["doc"]


def rrf(rankings: list[tuple[list[str], float]], k: int) -> dict[str, float]:
    """Weighted reciprocal-rank fusion: each ranking adds weight / (k + rank) to the ids it holds."""
    fused: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, cid in enumerate(ids, 1):
            fused[cid] = fused.get(cid, 0.0) + weight / (k + rank)
    return fused


class HybridSearcher:
    """Dense search in Chroma and BM25 over the same chunks, fused by reciprocal rank."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def dense(self, query_vec: np.ndarray, n: int, docs: list[str] | None) -> dict[str, float]:
        """Chunk id → cosine similarity, best first (Chroma's cosine space returns distance = 1 - cosine)."""
        count = self.store.collection.count()
        if not count:
            return {}
        where = {"doc": {"$in": docs}} if docs else None
        got = self.store.collection.query(
            query_embeddings=[query_vec], n_results=min(n, count), where=where, include=["distances"]
        )
        return {cid: 1.0 - dist for cid, dist in zip(got["ids"][0], got["distances"][0])}

    def lexical(self, query: str, n: int, docs: list[str] | None) -> dict[str, float]:
        """Chunk id → BM25 score, best first, over the chunks of ``docs`` when given."""
        lex = self.store.lexical
        scores = lex.scores(tokenize(query))
        if docs:
            wanted = set(docs)
            mask = np.array([self.store.chunks[cid]["metadata"]["doc"] in wanted for cid in lex.ids], dtype=bool)
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores)[:n]
        return {lex.ids[i]: float(scores[i]) for i in top if scores[i] > 0}

    def search(self, query: str, k: int = 10, docs: list[str] | None = None) -> tuple[list[Hit], np.ndarray]:
        """The k best chunks for the query, and the query vector (the answer composer reuses it)."""
        s = self.settings
        query_vec = self.store.embedder.encode_query(query)
        dense = self.dense(query_vec, max(s.candidates, k), docs)
        lexical = self.lexical(query, max(s.candidates, k), docs)
        fused = rrf([(list(dense), s.dense_weight), (list(lexical), s.bm25_weight)], s.rrf_k)
        best = sorted(fused, key=fused.get, reverse=True)[:k]
        self._fill_dense(best, dense, query_vec)
        hits = [Hit(self.store.chunk(cid), fused[cid], dense.get(cid), lexical.get(cid)) for cid in best]
        return hits, query_vec

    def _fill_dense(self, ids: list[str], dense: dict[str, float], query_vec: np.ndarray) -> None:
        """Chunks found only by BM25 still get a cosine, which the refusal decision needs."""
        missing = [cid for cid in ids if cid not in dense]
        for cid, vec in self.store.embeddings(missing).items() if missing else ():
            dense[cid] = float(vec @ query_vec)


class HybridRetriever(BaseRetriever):
    """The hybrid search as a LangChain retriever, so it drops into chains users already have."""

    searcher: Any
    k: int = 5
    docs: list[str] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits, _ = self.searcher.search(query, self.k, self.docs)
        return [Document(page_content=h.text, metadata={**h.chunk.metadata, "score": h.score}) for h in hits]
