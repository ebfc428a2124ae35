"""Extractive answers: sentences of the top passages that answer the question, each cited; refusal by code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.chunking import sentence_spans
from assistant.lexical import LexicalIndex, tokenize
from assistant.retrieval import Hit
from assistant.settings import Settings


@dataclass
class Source:
    n: int  # the number shown as [n]
    hit: Hit


@dataclass
class AnswerSentence:
    text: str
    n: int  # which source it came from
    start: int  # offsets of the sentence in the source document's text
    end: int


@dataclass
class Answer:
    question: str
    sentences: list[AnswerSentence] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    refused: bool = False
    nearest: list[Hit] = field(default_factory=list)  # shown on a refusal, labelled as not an answer

    @property
    def text(self) -> str:
        if self.refused:
            return "The documents do not answer this question."
        return " ".join(f"{s.text} [{s.n}]" for s in self.sentences)


@dataclass
class Candidate:
    """A sentence of a retrieved passage, scored against the question."""

    rank: int  # index of its passage in the hits
    start: int  # offsets within the passage text
    end: int
    text: str
    similarity: float  # cosine to the question
    coverage: float  # IDF-weighted share of the question's terms that the sentence holds

    @property
    def score(self) -> float:
        return self.similarity + COVERAGE_WEIGHT * self.coverage


# Lexical coverage catches the exact terms a policy question hinges on (a year, a programme name) that a small
# embedder blurs; similarity catches paraphrase. Weighted so neither alone decides.
COVERAGE_WEIGHT = 0.5
# A sentence joins the answer when it scores within this margin of the best one: close seconds add facts,
# weaker ones would add citations to passages that do not hold the answer.
SECOND_SENTENCE_MARGIN = 0.08
# Sentences this similar to one already picked repeat it.
NEAR_DUPLICATE = 0.9
MIN_WORDS = 3


class Composer:
    """Builds an extractive, cited answer from ranked hits, or refuses when they do not cover the question."""

    def __init__(self, embedder: Any, lexical: LexicalIndex, settings: Settings) -> None:
        self.embedder = embedder
        self.lexical = lexical
        self.settings = settings
        self._sentence_cache: dict[str, tuple[list[tuple[int, int]], np.ndarray]] = {}

    def compose(self, question: str, hits: list[Hit], query_vec: np.ndarray) -> Answer:
        top = hits[: self.settings.top_k]
        candidates = self.candidates(question, top, query_vec)
        if not candidates or self.answerability(candidates) < self.settings.refusal_threshold:
            return Answer(question, refused=True, nearest=top)
        return self._cite(question, top, self._pick(candidates))

    def answerability(self, candidates: list[Candidate]) -> float:
        """How well the best sentence covers the question: the one number the refusal is decided on."""
        return max(c.score for c in candidates)

    def candidates(self, question: str, hits: list[Hit], query_vec: np.ndarray) -> list[Candidate]:
        q_tokens = set(tokenize(question))
        q_weight = sum(self.lexical.idf(t) for t in q_tokens) or 1.0
        out: list[Candidate] = []
        for rank, hit in enumerate(hits):
            spans, vectors = self._sentences(hit)
            for (start, end), vec in zip(spans, vectors):
                text = hit.text[start:end]
                covered = sum(self.lexical.idf(t) for t in q_tokens & set(tokenize(text)))
                out.append(Candidate(rank, start, end, text, float(vec @ query_vec), covered / q_weight))
        return out

    def _sentences(self, hit: Hit) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Sentence spans of a passage and their vectors, cached per chunk: passages recur across questions."""
        cid = hit.chunk.metadata["chunk_id"]
        if cid not in self._sentence_cache:
            spans = [(s, e) for s, e in sentence_spans(hit.text) if len(hit.text[s:e].split()) >= MIN_WORDS
                     or _has_cjk(hit.text[s:e])]
            vectors = self.embedder.encode([hit.text[s:e] for s, e in spans]) if spans else np.zeros((0, 1))
            if len(self._sentence_cache) > 4096:
                self._sentence_cache.clear()
            self._sentence_cache[cid] = (spans, vectors)
        return self._sentence_cache[cid]

    def _pick(self, candidates: list[Candidate]) -> list[Candidate]:
        ranked = sorted(candidates, key=lambda c: c.score, reverse=True)
        best = ranked[0].score
        picked: list[Candidate] = []
        for c in ranked:
            if len(picked) >= self.settings.answer_sentences or c.score < best - SECOND_SENTENCE_MARGIN:
                break
            if not any(_overlap(c.text, p.text) > NEAR_DUPLICATE for p in picked):
                picked.append(c)
        # Within a passage, keep document order, so the answer reads as the text does.
        return sorted(picked, key=lambda c: (c.rank, c.start))

    def _cite(self, question: str, hits: list[Hit], picked: list[Candidate]) -> Answer:
        numbers: dict[int, int] = {}
        sentences = []
        for c in picked:
            n = numbers.setdefault(c.rank, len(numbers) + 1)
            base = hits[c.rank].chunk.metadata["start"]
            sentences.append(AnswerSentence(c.text, n, base + c.start, base + c.end))
        sources = [Source(n, hits[rank]) for rank, n in numbers.items()]
        return Answer(question, sentences, sources, nearest=hits)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _overlap(a: str, b: str) -> float:
    """Share of the shorter sentence's words found in the other: near 1 means one repeats the other."""
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return len(wa & wb) / max(1, min(len(wa), len(wb)))
