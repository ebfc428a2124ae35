"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused (scaled scores by default, or reciprocal rank)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.chunking import sentence_spans
from assistant.glossary import english_terms
from assistant.lexical import script, tokenize
from assistant.settings import Settings
from assistant.store import Store

# "Who wrote ...?" asks for a byline — a name alone in brackets after the text, "(Wang Zhijun)", or a "By ..."
# line — which neither the embedder nor BM25 can match to the question; such questions get the byline passages first.
AUTHOR_QUESTION = re.compile(
    r"\b(who (wrote|authored|is the author)|author|written by|writer)\b|作者|谁写", re.IGNORECASE
)
BYLINE = re.compile(r"^(\(\s*[A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,3}\s*\)|By [A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,3})$")
# Sentence hits fetched per wanted chunk: a chunk's several good sentences take several places in the list.
SENTENCES_PER_CHUNK = 4
# BM25 is 0 where no question term occurs: a true zero point, unlike a cosine.
BM25_FLOOR = 0.0


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


@dataclass
class SearchResult:
    """What a search found: the ranked hits, and the query vector the answer composer reuses."""

    query: str
    hits: list[Hit]
    query_vector: np.ndarray

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, index: int) -> Hit:
        return self.hits[index]


Side = Literal["hybrid", "dense", "bm25"]
SIDES: tuple[str, ...] = get_args(Side)


def convex(scored: list[tuple[dict[str, float], float, float | None]]) -> dict[str, float]:
    """Weighted sum of each side's scores scaled to [0, 1] within its own candidates.

    Unlike RRF this keeps how far apart the scores are: a BM25 hit far ahead of the rest stays ahead. Each side is
    given as (scores, weight, floor): BM25 has a natural floor (0: no question term matched), so it is divided by
    its maximum; a cosine has none, so it is min-max scaled. A chunk one side did not return gets 0 from it.
    """
    fused: dict[str, float] = {}
    for scores, weight, floor in scored:
        for cid, value in scaled(scores, floor).items():
            fused[cid] = fused.get(cid, 0.0) + weight * value
    return fused


def scaled(scores: dict[str, float], floor: float | None) -> dict[str, float]:
    """Scores mapped to [0, 1]: divided by the maximum above a natural floor, or min-max without one."""
    if not scores:
        return {}
    low = min(scores.values()) if floor is None else floor
    span = (max(scores.values()) - low) or 1.0
    return {cid: (value - low) / span for cid, value in scores.items()}


def rrf(rankings: list[tuple[list[str], float]], k: int) -> dict[str, float]:
    """Weighted reciprocal-rank fusion: each ranking adds weight / (k + rank) to the ids it holds."""
    fused: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, cid in enumerate(ids, 1):
            fused[cid] = fused.get(cid, 0.0) + weight / (k + rank)
    return fused


class HybridSearcher:
    """Dense search in Chroma (chunks, and sentences when stored) and BM25 over the same chunks, fused."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._scripts: dict[str, str] = {}
        self._bylines: list[str] = []
        self._bylines_at = -1  # the store version the byline list was found at

    def dense(self, query_vec: np.ndarray, n: int, docs: list[str] | None) -> dict[str, float]:
        """Chunk id → cosine similarity, best first (Chroma's cosine space returns distance = 1 - cosine).

        With sentence vectors a chunk scores its own cosine plus its best sentence's: a Chinese question matches
        the one English sentence that answers it far better than a 1,500-character passage (seed-zh hit@5
        0.72 → 1.0); the chunk's own cosine keeps what a passage says as a whole (docs/evaluation.md).
        """
        chunk = self.store.query_chunks(query_vec, n, docs)
        if not self.store.has_sentences:
            return chunk
        sentence = self._best_sentences(query_vec, n, docs)
        ids = list(dict.fromkeys([*sentence, *chunk]))
        self.fill_dense(ids, chunk, query_vec)
        # A chunk with no sentence among the hits scores at most the weakest sentence hit: a bound, not a guess.
        floor = min(sentence.values(), default=0.0)
        both = {cid: chunk[cid] + sentence.get(cid, floor) for cid in ids}
        return dict(sorted(both.items(), key=lambda item: item[1], reverse=True)[:n])

    def _best_sentences(self, query_vec: np.ndarray, n: int, docs: list[str] | None) -> dict[str, float]:
        best: dict[str, float] = {}
        for cid, cosine in self.store.query_sentences(query_vec, n * SENTENCES_PER_CHUNK, docs):
            best.setdefault(cid, cosine)  # results come best first
        return dict(list(best.items())[:n])

    def lexical(self, query: str, n: int, docs: list[str] | None) -> dict[str, float]:
        """Chunk id → BM25 score, best first, over the chunks of ``docs`` when given. A Chinese question also
        brings its dictionary translation (assistant/glossary.py), so BM25 sees English passages too."""
        return self._top(self.store.lexical_scores(tokenize(query) + english_terms(query)), n, docs)

    def _top(self, scores: np.ndarray, n: int, docs: list[str] | None) -> dict[str, float]:
        """The n best-scoring chunks (of ``docs`` when given), id → score, best first."""
        ids = self.store.lexical_ids()
        if docs:
            scores = np.where(self.store.in_documents(docs), scores, 0.0)
        top = np.argsort(-scores)[:n]
        return {ids[i]: float(scores[i]) for i in top if scores[i] > 0}

    def search(self, query: str, k: int = 10, docs: list[str] | None = None, side: Side = "hybrid") -> SearchResult:
        """The k best chunks for the query, with the query vector (the answer composer reuses it).

        ``side`` is "hybrid" (the product), or "dense" / "bm25" alone (the baselines that show what fusion adds).
        """
        if side not in SIDES:
            raise ValueError(f"unknown side {side!r}; choose one of {', '.join(SIDES)}")
        s = self.settings
        query_vec = self.store.embedder.encode_query(query)
        n = max(s.candidates, k)
        dense = self.dense(query_vec, n, docs) if side != "bm25" else {}
        lexical = self.lexical(query, n, docs) if side != "dense" else {}
        if side == "hybrid":
            fused = self.fuse(dense, lexical, query)
            if s.prf_terms and fused:
                lexical = self.expanded_lexical(query, sorted(fused, key=fused.get, reverse=True), n, docs)
                fused = self.fuse(dense, lexical, query)
            if AUTHOR_QUESTION.search(query):
                top = max(fused.values(), default=0.0)
                fused.update({cid: top + 1.0 for cid in self.byline_chunks(docs)})
        else:
            fused = dict(dense or lexical)
        best = sorted(fused, key=fused.get, reverse=True)[:k]
        self.fill_dense(best, dense, query_vec)
        hits = [Hit(self.store.chunk(cid), fused[cid], dense.get(cid), lexical.get(cid)) for cid in best]
        return SearchResult(query, hits, query_vec)

    def fuse(self, dense: dict[str, float], lexical: dict[str, float], query: str = "") -> dict[str, float]:
        """One score per chunk from the two rankings, by the configured fusion.

        A passage in another script than the question (Chinese text, English question) shares no term with it, so
        BM25 cannot see it: the dense side alone judges it, at the weight of both sides. Without this, in a library
        of both languages every same-language passage with one matching word would outrank the one that answers.
        English passages are in reach of a Chinese question's dictionary translation, and fused as usual.
        """
        s = self.settings
        if s.fusion == "rrf":
            fused = rrf([(list(dense), s.dense_weight), (list(lexical), s.bm25_weight)], s.rrf_k)
            alone = rrf([(list(dense), s.dense_weight + s.bm25_weight)], s.rrf_k)
        else:
            fused = convex([(dense, s.dense_weight, None), (lexical, s.bm25_weight, BM25_FLOOR)])
            alone = {cid: (s.dense_weight + s.bm25_weight) * v for cid, v in scaled(dense, None).items()}
        if query:
            reached = {script(query)} | ({"latin"} if english_terms(query) else set())
            fused.update({cid: alone[cid] for cid in dense if self._script(cid) not in reached})
        return fused

    def _script(self, chunk_id: str) -> str:
        """The script of a chunk's text, computed once per chunk."""
        if chunk_id not in self._scripts:  # chunk ids hash their text, so an entry never goes stale
            self._scripts[chunk_id] = script(self.store.text(chunk_id))
        return self._scripts[chunk_id]

    def expanded_lexical(self, query: str, ranked: list[str], n: int, docs: list[str] | None) -> dict[str, float]:
        """BM25 again with the query plus the terms that most mark the first passages (pseudo-relevance feedback).

        Regulatory questions paraphrase the rule they ask about; the top passages carry its exact vocabulary.
        """
        s, store = self.settings, self.store
        q_tokens = tokenize(query)
        weights: dict[str, float] = {}
        for cid in ranked[: s.prf_docs]:
            for token, tf in Counter(tokenize(store.text(cid))).items():
                if token not in q_tokens:
                    weights[token] = weights.get(token, 0.0) + (1 + math.log(tf)) * store.idf(token)
        extra = sorted(weights, key=weights.get, reverse=True)[: s.prf_terms]
        base = store.lexical_scores(q_tokens)
        scores = base + s.prf_weight * store.lexical_scores(extra) / max(1, len(extra)) if extra else base
        return self._top(scores, n, docs)

    def byline_chunks(self, docs: list[str] | None) -> list[str]:
        """Chunks holding a byline sentence (of ``docs`` when given); found once per index state, then cached."""
        store = self.store
        if self._bylines_at != store.version:
            texts = {cid: store.text(cid) for cid in store.chunk_ids()}
            self._bylines = [
                cid for cid, text in texts.items() if any(BYLINE.match(text[a:b]) for a, b in sentence_spans(text))
            ]
            self._bylines_at = store.version
        wanted = set(docs or ())
        return [cid for cid in self._bylines if not wanted or store.doc_of(cid) in wanted]

    def fill_dense(self, ids: list[str], dense: dict[str, float], query_vec: np.ndarray) -> None:
        """Chunks found only by BM25 still get a cosine, which the refusal decision needs."""
        missing = [cid for cid in ids if cid not in dense]
        for cid, vec in self.store.embeddings(missing).items():
            dense[cid] = float(vec @ query_vec)


class HybridRetriever(BaseRetriever):
    """The hybrid search as a LangChain retriever, so it drops into chains users already have."""

    searcher: Any  # a HybridSearcher (pydantic cannot validate the class itself)
    k: int = 5
    docs: list[str] | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.searcher.search(query, self.k, self.docs).hits
        return [Document(page_content=h.text, metadata={**h.chunk.metadata, "score": h.score}) for h in hits]
