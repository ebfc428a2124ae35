"""Extractive answers: sentences of the top passages that answer the question, each cited; refusal by code.

The composer reads word statistics (IDF) from whatever it is given — the live store of a Library, or a baseline's
own index — through one method, ``idf``, so nothing has to be handed to it again after the index changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.answer import Answer, AnswerSentence, Source
from assistant.chunking import sentence_spans
from assistant.embeddings import Embedder
from assistant.lexical import script, tokenize
from assistant.retrieval import AUTHOR_QUESTION, BYLINE, Hit, SearchResult
from assistant.settings import Settings


class WordStats(Protocol):
    """Where the composer reads how rare a term is: a Store, or a LexicalIndex of a baseline's own chunks."""

    def idf(self, token: str) -> float: ...



@dataclass
class Candidate:
    """A sentence of a retrieved passage, scored against the question."""

    rank: int  # index of its passage in the hits
    start: int  # offsets within the passage text
    end: int
    text: str
    similarity: float  # cosine to the question
    coverage: float  # IDF-weighted share of the question's terms that the sentence holds

    byline: bool = False  # a name line answering a "who wrote" question

    @property
    def score(self) -> float:
        if self.byline:
            return BYLINE_SCORE
        return self.similarity + COVERAGE_WEIGHT * self.coverage - RANK_PENALTY * self.rank


# Cosines are not comparable between embedders: unrelated question/passage pairs score 0.05 on MiniLM (measured on
# PolicyQA questions vs seed passages; ~0, so left at 0 to keep its calibration) but 0.78 on e5. Similarity is
# rescaled to (cosine - floor) / (1 - floor) so one refusal threshold serves both.
COSINE_FLOOR = {"minilm": 0.0, "e5": 0.776}
# A question in one script over passages in another (Chinese question, English text) shares no terms with them;
# its coverage is taken as the typical coverage of answered seed questions (median 0.5) instead of 0.
CROSS_SCRIPT_COVERAGE = 0.5


# Lexical coverage catches the exact terms a policy question hinges on (a year, a programme name) that a small
# embedder blurs; similarity catches paraphrase. Weighted so neither alone decides.
COVERAGE_WEIGHT = 1.0
# A sentence joins the answer when it scores within this margin of the best one: close seconds add facts,
# weaker ones would add citations to passages that do not hold the answer. Extra sentences come only from the
# passage of the best one, so an answer cites one passage: a second passage is, on ObliQA, more often a neighbour
# that does not hold the answer than a second half of it.
SECOND_SENTENCE_MARGIN = 0.08
# Retrieval has already judged the passages: a sentence from a lower-ranked passage must beat one from a higher
# passage by this much per rank. Measured: citation precision on ObliQA rises, seed is unchanged (docs/evaluation.md).
RANK_PENALTY = 0.05
# "Who wrote ...?" is answered by a byline (retrieval.BYLINE), which neither the embedder nor BM25 can match to the
# question; a byline scores as a confident answer to such a question.
BYLINE_SCORE = 2.0
# Sentences this similar to one already picked repeat it.
NEAR_DUPLICATE = 0.9
MIN_WORDS = 3
# Sentences embedded per question (see Composer.candidates); bounds the query-time cost.
EMBEDDED_SENTENCES = 6
SENTENCE_CACHE = 50_000  # vectors kept across questions (~80 MB at 384 floats)


class Composer:
    """Builds an extractive, cited answer from ranked hits, or refuses when they do not cover the question."""

    def __init__(
        self,
        embedder: Embedder,
        stats: WordStats,
        settings: Settings,
        stored: Callable[[list[tuple[str, int]]], dict[tuple[str, int], np.ndarray]] | None = None,
    ) -> None:
        self.embedder = embedder
        self.stats = stats
        self.settings = settings
        self.stored = stored  # sentence vectors kept in the index (sentence_vectors): no embedding at question time
        self._sentence_cache: dict[tuple[str, int], np.ndarray] = {}
        self._span_cache: dict[str, list[tuple[int, int]]] = {}

    def compose(self, question: str, found: SearchResult) -> Answer:
        """The cited answer to ``question`` from the passages found for it, or a refusal."""
        top = found.hits[: self.settings.top_k]
        candidates = self.candidates(question, top, found.query_vector)
        score = self.answerability(candidates)
        if self.refuses(score):
            return Answer(question, refused=True, nearest=top, hits=found.hits, answerability=score)
        answer = self.cite(question, top, self._pick(candidates))
        answer.hits, answer.answerability = found.hits, score
        return answer

    @staticmethod
    def answerability(candidates: list[Candidate]) -> float | None:
        """How well the best sentence covers the question: the one number the refusal is decided on."""
        return max((c.score for c in candidates), default=None)

    def refuses(self, answerability: float | None) -> bool:
        """The refusal rule, in one place: nothing to score, or the best sentence scores under the threshold."""
        return answerability is None or answerability < self.settings.refusal_threshold

    def candidates(self, question: str, hits: list[Hit], query_vec: np.ndarray) -> list[Candidate]:
        """Sentences of the passages scored against the question; only the lexically most promising are embedded."""
        q_tokens = set(tokenize(question))
        q_weight = sum(self.stats.idf(t) for t in q_tokens) or 1.0
        wants_author = bool(AUTHOR_QUESTION.search(question))
        floor = COSINE_FLOOR.get(self.embedder.name, 0.0)
        q_script = script(question)
        out: list[Candidate] = []
        for rank, hit in enumerate(hits):
            for start, end in self._spans(hit):
                text = hit.text[start:end]
                coverage = sum(self.stats.idf(t) for t in q_tokens & set(tokenize(text))) / q_weight
                if script(text) != q_script:
                    coverage = CROSS_SCRIPT_COVERAGE
                byline = wants_author and bool(BYLINE.match(text))
                out.append(Candidate(rank, start, end, text, 0.0, coverage, byline))
        # Embedding every sentence of five long passages costs most of a second on 2 cores; the sentences that hold
        # few of the question's terms rarely win, so only the best EMBEDDED_SENTENCES by coverage are embedded.
        # Sentence vectors kept in the index cost nothing here, so then every sentence is scored: a question in
        # another script has the same coverage for all, and a cap would keep the first passage's sentences only.
        if not self.stored:
            out.sort(key=lambda c: c.coverage - RANK_PENALTY * c.rank, reverse=True)
            out = out[:EMBEDDED_SENTENCES]
        for c, vec in zip(out, self._vectors(hits, out)):
            c.similarity = (float(vec @ query_vec) - floor) / (1.0 - floor)
        return out

    def _spans(self, hit: Hit) -> list[tuple[int, int]]:
        """Sentence spans of a passage worth scoring (short fragments say nothing, bylines excepted), cached per
        chunk: splitting a long passage into sentences costs tens of milliseconds."""
        cid, text = hit.chunk.metadata["chunk_id"], hit.text
        if cid not in self._span_cache:
            if len(self._span_cache) > SENTENCE_CACHE:
                self._span_cache.clear()
            self._span_cache[cid] = [
                (s, e) for s, e in sentence_spans(text)
                if len(text[s:e].split()) >= MIN_WORDS or script(text[s:e]) == "zh" or BYLINE.match(text[s:e])
            ]
        return self._span_cache[cid]

    def _vectors(self, hits: list[Hit], candidates: list[Candidate]) -> list[np.ndarray]:
        """Sentence vectors, cached by (chunk, offset): passages recur across questions."""
        keys = [(hits[c.rank].chunk.metadata["chunk_id"], c.start) for c in candidates]
        missing = [(k, c.text) for k, c in zip(keys, candidates) if k not in self._sentence_cache]
        if missing:
            if len(self._sentence_cache) > SENTENCE_CACHE:
                self._sentence_cache.clear()
            if self.stored:
                self._sentence_cache.update(self.stored([k for k, _ in missing]))
                missing = [(k, t) for k, t in missing if k not in self._sentence_cache]
            for (key, _), vec in zip(missing, self.embedder.encode([t for _, t in missing]) if missing else ()):
                self._sentence_cache[key] = vec
        return [self._sentence_cache[k] for k in keys]

    def _pick(self, candidates: list[Candidate]) -> list[Candidate]:
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        best = ranked[0].score
        picked: list[Candidate] = []
        for c in ranked:
            if len(picked) >= self.settings.answer_sentences or c.score < best - SECOND_SENTENCE_MARGIN:
                break
            if c.rank != ranked[0].rank:
                continue
            if not any(_overlap(c.text, p.text) > NEAR_DUPLICATE for p in picked):
                picked.append(c)
        # Within a passage, keep document order, so the answer reads as the text does.
        return sorted(picked, key=lambda c: (c.rank, c.start))

    @staticmethod
    def cite(question: str, hits: list[Hit], picked: list[Candidate]) -> Answer:
        """An answer of the picked sentences in their order, sources numbered [1], [2], ... as first cited."""
        numbers: dict[int, int] = {}
        sentences = []
        for c in picked:
            n = numbers.setdefault(c.rank, len(numbers) + 1)
            base = hits[c.rank].chunk.metadata["start"]
            sentences.append(AnswerSentence(c.text, n, base + c.start, base + c.end))
        sources = [Source(n, hits[rank]) for rank, n in numbers.items()]
        return Answer(question, sentences, sources, nearest=hits)


def _overlap(a: str, b: str) -> float:
    """Share of the shorter sentence's words found in the other: near 1 means one repeats the other."""
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))
