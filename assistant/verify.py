"""Checks a written sentence against the passage it cites; code, not the LLM, decides what is shown.

A sentence is supported by a passage when all of these hold:
- every number, year, percentage and named entity it states appears in the passage (the LLM's most harmful
  slips: "2025" for "2035", the wrong ministry); a small embedder cannot see these, the sentence says them exactly;
- the passage's best-matching sentence is close in meaning (cosine of the library's embedder);
- that sentence (with its neighbours) holds most of the written sentence's content words;
- it and that sentence hold as many negations: a "not" / "no" / "never" on one side only turns a supported
  statement into its opposite while changing almost nothing an embedder or a word overlap measures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.chunking import sentence_spans
from assistant.embeddings import Embedder
from assistant.lexical import tokenize

# Thresholds measured on the dev split of evalsets/verifier (scripts/build_verifier_set.py; docs/evaluation.md):
# supported paraphrases have a best-sentence cosine of 0.6 and up on MiniLM, sentences taken from another passage
# of the same document mostly stay under it. e5's cosines sit in a narrow band near 0.8, so its floor is rescaled
# as in compose.COSINE_FLOOR.
MIN_SIMILARITY = 0.55
COSINE_FLOOR = {"minilm": 0.0, "e5": 0.776}
# Share of the written sentence's content words (stemmed, stopwords out) found in the supporting window: a
# paraphrase keeps the key terms (measured dev median ~0.7); a sentence about something else keeps few.
MIN_COVERAGE = 0.5
# The supporting window is the best sentence and this many neighbours on each side: a written sentence often
# joins a subject named in one sentence with what the next says of it.
NEIGHBOURS = 1

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*(?:\s?%)?")
_PER_CENT = re.compile(r"\s?(?:per\s?cent|percent)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|no|never|none|neither|nor|without|cannot)\b|n't\b", re.IGNORECASE)
# A capitalised word that does not open the sentence names something (a ministry, a programme, a country).
_CAPITALISED = re.compile(r"(?<=[\s(\"'“])([A-Z][A-Za-z&-]*[A-Za-z]|[A-Z]{2,})")
# Capitalised words that name nothing: they open clauses or are capitalised by habit.
_NOT_NAME_WORDS = (
    "I A An The This That These Those It Its In On At By For Of To And Or But If When While As With From Under "
    "According However Moreover Also Each Every All Any Some Such Other Both Article Section Chapter Part"
)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split(" "))


@dataclass
class Verdict:
    supported: bool
    reason: str  # "" when supported, else what failed, in words a reader understands
    start: int = 0  # offsets in the passage of the supporting (best-matching) sentence
    end: int = 0
    similarity: float = 0.0
    coverage: float = 0.0
    missing: list[str] = field(default_factory=list)  # facts of the sentence the passage does not hold


def facts(sentence: str) -> list[str]:
    """Numbers (years and percentages included) and named entities a sentence states."""
    text = _PER_CENT.sub("%", sentence)
    found = [_norm_number(m.group()) for m in _NUMBER.finditer(text)]
    found += [m.group() for m in _CAPITALISED.finditer(" " + text) if m.group() not in _NOT_NAMES]
    return list(dict.fromkeys(found))


def missing_facts(sentence: str, passage: str) -> list[str]:
    """The facts of ``sentence`` that ``passage`` does not state."""
    text = _PER_CENT.sub("%", passage)
    numbers = {_norm_number(m.group()) for m in _NUMBER.finditer(text)}
    numbers |= {n.rstrip("%") for n in numbers}  # "45 percent of" in a passage also holds the number 45
    words = set(re.findall(r"[a-z0-9&-]+", passage.lower()))
    missing = []
    for fact in facts(sentence):
        if fact[0].isdigit():
            if fact not in numbers:
                missing.append(fact)
        elif fact.lower() not in words:
            missing.append(fact)
    return missing


def _norm_number(number: str) -> str:
    number = number.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?%?", number):
        number = number.replace(",", "")  # 1,000 and 1000 are one number
    return number


def negations(text: str) -> int:
    """How many negations a text holds: one more or fewer than its source turns a statement into its opposite."""
    return len(_NEGATION.findall(text))


class Verifier:
    """Decides whether a passage supports a written sentence (``check``), with the library's embedder."""

    def __init__(self, embedder: Embedder, min_similarity: float = MIN_SIMILARITY,
                 min_coverage: float = MIN_COVERAGE) -> None:
        self.embedder = embedder
        self.min_similarity = min_similarity
        self.min_coverage = min_coverage
        self.floor = COSINE_FLOOR.get(embedder.name, 0.0)

    def check(self, sentence: str, passage: str, context: str = "") -> Verdict:
        return self.check_many([(sentence, passage)], [context])[0]

    def check_many(self, pairs: list[tuple[str, str]], contexts: list[str] | None = None) -> list[Verdict]:
        """One verdict per (sentence, passage); all sentences embedded in one call. ``contexts``: per pair, text
        the reader of the passage also saw (its document title and section), where its facts may be named too."""
        contexts = contexts or [""] * len(pairs)
        spans = [sentence_spans(p) or [(0, len(p))] for _, p in pairs]
        texts = [s for s, _ in pairs] + [p[a:b] for (_, p), sp in zip(pairs, spans) for a, b in sp]
        vectors = self.embedder.encode(texts) if texts else np.zeros((0, 1))
        at = len(pairs)
        out = []
        for i, ((sentence, passage), sp, context) in enumerate(zip(pairs, spans, contexts)):
            own = vectors[at : at + len(sp)]
            at += len(sp)
            out.append(self._judge(sentence, passage, sp, vectors[i] @ own.T, context))
        return out

    def _judge(self, sentence: str, passage: str, spans: list[tuple[int, int]], cosines: np.ndarray,
               context: str) -> Verdict:
        best = int(np.argmax(cosines))
        start, end = spans[best]
        similarity = (float(cosines[best]) - self.floor) / (1.0 - self.floor)
        window = passage[spans[max(0, best - NEIGHBOURS)][0] : spans[min(len(spans) - 1, best + NEIGHBOURS)][1]]
        words = set(tokenize(sentence))
        coverage = len(words & set(tokenize(window))) / len(words) if words else 0.0
        verdict = Verdict(False, "", start, end, similarity, coverage)
        verdict.missing = missing_facts(sentence, f"{context}\n{passage}")
        if verdict.missing:
            verdict.reason = "the passage does not state " + ", ".join(verdict.missing)
        elif similarity < self.min_similarity:
            verdict.reason = "no sentence of the passage says this"
        elif coverage < self.min_coverage:
            verdict.reason = "the passage's closest sentence lacks most of its words"
        elif negations(sentence) != negations(passage[start:end]):
            verdict.reason = "the passage says the opposite"
        else:
            verdict.supported = True
        return verdict
