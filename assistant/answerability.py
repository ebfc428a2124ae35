"""The learned pick and answerability: features of each candidate sentence, and a small logistic model over them.

A candidate is a sentence of one of the top passages. Its features say how much of what the question is
specifically about the sentence and its passage hold (the question's rarest terms, its numbers, its names), how
close it is in meaning, and how retrieval ranked its passage. The model, trained by scripts/train_answerability.py
on dev questions (docs/evaluation.md has its document-grouped cross-validated figures), gives each candidate the
probability that its passage holds the answer: the best candidate is the pick, and its probability is the
answerability the refusal is decided on.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.lexical import tokenize, words

MODEL_FILE = Path(__file__).with_name("answerability.json")

FEATURES = (
    "similarity",  # scaled cosine of the sentence to the question
    "coverage",  # IDF-weighted share of the question's terms in the sentence
    "passage_coverage",  # the same over the passage, its title and section
    "rare_sentence",  # share of the question's rarest terms in the sentence
    "rare_passage",  # ... in the passage (with title and section)
    "numbers_missing",  # share of the question's numbers and years absent from the passage
    "names_missing",  # share of the question's names (capitalised words) absent from the passage
    "title_match",  # IDF-weighted share of the question's terms in the title and section
    "rank",  # the passage's place among the top passages, 0 first
    "fused",  # the passage's fused retrieval score over the first passage's
    "bm25",  # its BM25 score over the best BM25 score among the top passages
    "byline",  # a name line answering a "who wrote" question
    "dense",  # the passage's own cosine to the question (scaled as similarity), 0 when dense did not rank it
    "passage_similarity",  # the best similarity among the passage's sentences
    "answer_type",  # +1 the sentence holds the kind of value asked for (a number, a date), -1 not, 0 none asked
    "subject_missing_document",  # share of the question's names and numbers absent from the passage's whole document
)
# The rarest terms of a question are what it is specifically about (a scheme, a place, a disease): the two of
# highest IDF, or one for a question of one or two terms. Two: questions here hold 4-8 content terms, and a
# near-miss usually differs from the library in one or two of them (evalsets/exec-orders-dev/README.md).
RARE_TERMS = 2
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Questions that ask for a quantity or a time, and what such an answer holds: "How many hours ...?" is answered by
# "at least 1,700 hours", "When did the board start?" by "July 18, 2022". The commonest wrong picks on the
# exec-orders dev set were sentences of the right topic without the value asked for.
_ASKS_NUMBER = re.compile(r"\bhow (many|much|long|often|old|large|big|fast|far|high|low)\b|"
                          r"\bwhat (share|percent(age)?|number|amount|size|rate|proportion)\b", re.IGNORECASE)
_ASKS_DATE = re.compile(r"^\s*when\b|\b(when|by when)\b|\bwhat (date|day|year|month)\b|\bwhich (date|day|year)\b",
                        re.IGNORECASE)
_HAS_NUMBER = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                         r"hundred|thousand|million|billion|half|percent|dozen)\b", re.IGNORECASE)
_HAS_DATE = re.compile(r"\b(1[89]|20)\d\d\b|\b(January|February|March|April|May|June|July|August|September|"
                       r"October|November|December)\b|\b\d+ (days?|weeks?|months?|years?)\b", re.IGNORECASE)
# Words written with a capital that are no names: a question's first word and the usual question openers.
_NOT_NAMES = frozenset({
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "is", "are", "was", "were", "do", "does",
    "did", "can", "could", "may", "might", "shall", "should", "will", "would", "has", "have", "had", "i", "the", "a",
    "an", "in", "on", "of", "for", "to", "under",
})


@dataclass
class QuestionTerms:
    """What the candidates of one question are checked against, computed once per question."""

    weights: dict[str, float]  # token -> IDF
    rare: set[str]
    numbers: set[str]
    names: set[str]
    asks: re.Pattern | None = None  # what an answering sentence holds (_HAS_NUMBER, _HAS_DATE), None: not typed
    short: set[str] = field(default_factory=set)  # names written in capitals ("NJ", "FSRA"): maybe initials

    @classmethod
    def of(cls, question: str, idf) -> QuestionTerms:
        weights = {t: idf(t) for t in set(tokenize(question))}
        by_rarity = sorted(weights, key=lambda t: weights[t], reverse=True)
        rare = set(by_rarity[: RARE_TERMS if len(by_rarity) > 2 else 1])
        numbers = {_plain_number(n) for n in _NUMBER.findall(question)}
        names = {tok for w in name_words(question) for tok in tokenize(w)}
        short = {w.lower() for w in name_words(question) if w.isupper() and 2 <= len(w) <= ACRONYM_WORDS} & names
        asks = _HAS_DATE if _ASKS_DATE.search(question) else _HAS_NUMBER if _ASKS_NUMBER.search(question) else None
        return cls(weights, rare, numbers, names - numbers, asks, short)

    def answer_type(self, sentence: str) -> float:
        if self.asks is None:
            return 0.0
        return 1.0 if self.asks.search(sentence) else -1.0

    def coverage(self, tokens: set[str]) -> float:
        total = sum(self.weights.values()) or 1.0
        return sum(w for t, w in self.weights.items() if t in tokens) / total

    def share(self, wanted: set[str], tokens: set[str]) -> float:
        return len(wanted & tokens) / len(wanted) if wanted else 1.0

    def names_missing(self, text: Mentions) -> float:
        """Share of the question's names the text does not mention (Mentions.holds)."""
        if not self.names:
            return 0.0
        return sum(not text.holds(t, t in self.short) for t in self.names) / len(self.names)

    def subject_missing(self, text: Mentions) -> float:
        """Share of the question's names and numbers the text does not mention; its numbers only where the text's
        are known (a document's, not a passage's tokens)."""
        numbers = self.numbers - text.numbers if text.numbers is not None else set()
        if not self.names and not self.numbers:
            return 0.0
        missing = sum(not text.holds(t, t in self.short) for t in self.names) + len(numbers)
        return missing / (len(self.names) + len(self.numbers))


# Staff shorten names the documents spell out ("NJ Transit" for New Jersey Transit, "FSRA" for the Financial
# Services Regulatory Authority): a document holds a short name when its capitalised words spell it. Small words
# inside a name are skipped ("Department of Homeland Security": DHS). Up to six words: longer initialisms are rare.
_INSIDE_NAMES = ("of", "and", "the", "for", "on", "in", "to", "&")
# A run of capitalised words, small words allowed between them; punctuation, digits or a lower-case word end it.
_NAME_RUN = re.compile(r"[A-Z][A-Za-z'\-]*(?:(?:\s+(?:" + "|".join(_INSIDE_NAMES) + r"))*\s+[A-Z][A-Za-z'\-]*)+")
ACRONYM_WORDS = 6


def acronyms(text: str) -> set[str]:
    """Lower-cased initials of every run of 2 to ACRONYM_WORDS capitalised words in the text."""
    out: set[str] = set()
    for found in _NAME_RUN.finditer(text):
        run = [w[0].lower() for w in found.group().split() if w[0].isupper()]
        for i in range(len(run)):
            for j in range(i + 2, min(len(run), i + ACRONYM_WORDS) + 1):
                out.add("".join(run[i:j]))
    return out


def name_words(question: str) -> list[str]:
    """The question's words written with a capital, its first word and the usual openers (_NOT_NAMES) aside."""
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", question)
    return [w for w in words[1:] if w[0].isupper() and w.lower() not in _NOT_NAMES]


def unmentioned(question: str, text: Mentions) -> list[str]:
    """The question's names and numbers, as written and in order, that the text does not mention (its numbers only
    where the text's are known)."""
    out: list[str] = []
    for word in name_words(question):
        terms = [t for t in tokenize(word) if not t.isdigit()]
        short = word.isupper() and 2 <= len(word) <= ACRONYM_WORDS
        if terms and not any(text.holds(t, short) for t in terms) and word not in out:
            out.append(word)
    if text.numbers is not None:
        out += [n for n in dict.fromkeys(_NUMBER.findall(question)) if _plain_number(n) not in text.numbers]
    return out


# A name's other forms: staff write "Afghan" where the order says "Afghanistan", "Europe" for "European", "Americans"
# for "America". A term of at least this many letters counts as mentioned when a word of the text begins with it,
# or it begins with a word of the text of at least this many letters (shorter ones would let "Mau" stand for "Maui").
NAME_FORM_LETTERS = 5


@dataclass(frozen=True)
class Mentions:
    """What a text (a document) mentions, to look a question's names up in: its terms, the same sorted (for the
    other forms of a name), and the initials its capitalised words spell (acronyms)."""

    terms: frozenset[str]
    ordered: tuple[str, ...]
    initials: frozenset[str]
    numbers: frozenset[str] | None = None  # numbers_in(text); None: not known (a passage's tokens stand in)

    @classmethod
    def of(cls, text: str) -> Mentions:
        # Each distinct word once: stemming every word of a 900 KB regulation took 173 ms, its distinct words 53 ms.
        distinct = set(words(text))
        terms = frozenset(tokenize(" ".join(distinct)))
        numbers = frozenset(numbers_in(text) | spelled_numbers(text, distinct))
        return cls(terms, tuple(sorted(terms)), frozenset(acronyms(text)), numbers)

    @classmethod
    def terms_only(cls, terms: set[str]) -> Mentions:
        return cls(frozenset(terms), tuple(sorted(terms)), frozenset())

    def holds(self, term: str, short: bool = False) -> bool:
        """Whether the text mentions the term: as it is, in a longer or shorter form of it, or (``short``: the
        question wrote it in capitals) as the initials of a name."""
        if term in self.terms or (short and term in self.initials):
            return True
        if len(term) < NAME_FORM_LETTERS:
            return False
        at = bisect.bisect_left(self.ordered, term)
        if at < len(self.ordered) and self.ordered[at].startswith(term):
            return True
        return any(term[:k] in self.terms for k in range(NAME_FORM_LETTERS, len(term)))


def _plain_number(text: str) -> str:
    """"3,000" and "3000" are one number; "1.5" keeps its point."""
    return text.replace(",", "").rstrip(".")


def numbers_in(text: str) -> set[str]:
    return {_plain_number(n) for n in _NUMBER.findall(text)}


# A document spells the numbers a question writes in digits: "Thirteenth Five-Year Plan" for "13th", "thirty days"
# for "30 days", "January 9" for the 1 of a Chinese question's "1月9日". Ordinals and cardinals to ninety-nine, and
# months (May counts as 5 wherever "may" is written: that only makes the check for 5 lenient).
_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]  # fmt: skip
_ORDINALS = [
    "zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
    "nineteenth",
]  # fmt: skip
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december",
]  # fmt: skip
_SPELLED = {
    **{w: n for n, w in enumerate(_UNITS)}, **{w: n for n, w in enumerate(_ORDINALS)},
    **{w: 20 + 10 * n for n, w in enumerate(_TENS)}, **{w[:-1] + "ieth": 20 + 10 * n for n, w in enumerate(_TENS)},
    **{w: n + 1 for n, w in enumerate(_MONTHS)},
}  # fmt: skip
_COMPOUND = re.compile(rf"\b({'|'.join(_TENS)})[\s-]+({'|'.join(_UNITS[1:10] + _ORDINALS[1:10])})\b")


def spelled_numbers(text: str, distinct: set[str] | None = None) -> set[str]:
    """The numbers the text writes in words, as digits; ``distinct``: its words (lexical.words), when known."""
    distinct = set(words(text)) if distinct is None else distinct
    found = {str(_SPELLED[w]) for w in distinct if w in _SPELLED}
    if distinct.isdisjoint(_TENS):  # no "thirty-five" to look for: skip the scan of the whole text
        return found
    return found | {str(_SPELLED[tens] + _SPELLED[unit]) for tens, unit in _COMPOUND.findall(text.lower())}


@dataclass
class Model:
    """Standardised logistic regression: p = sigmoid(w . (x - mean) / scale + bias)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float  # refuse below this probability (chosen on the training folds, see the script)

    def logit(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights + self.bias

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(x)))

    def to_json(self, **extra) -> dict:
        return {"features": list(FEATURES), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "weights": self.weights.tolist(), "bias": self.bias, "threshold": self.threshold, **extra}

    @classmethod
    def from_json(cls, data: dict) -> Model:
        if list(data["features"]) != list(FEATURES):
            raise ValueError(f"{MODEL_FILE.name} was trained on other features; run scripts/train_answerability.py")
        return cls(np.array(data["mean"]), np.array(data["scale"]), np.array(data["weights"]),
                   float(data["bias"]), float(data["threshold"]))


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_FILE) -> Model | None:
    """The committed model, or None when the file is absent (the composer then keeps its hand-set rule)."""
    if not path.exists():
        return None
    return Model.from_json(json.loads(path.read_text()))


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50) -> Model:
    """L2-regularised logistic regression by Newton's method on standardised features (numpy only)."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return Model(mean, scale, w[:-1], float(w[-1]), 0.5)


def sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v))
