"""Extractive answers: sentences of the top passages that answer the question, each cited; refusal by code.

The composer reads word statistics (IDF) from whatever it is given — the live store of a Library, or a baseline's
own index — through one method, ``idf``, so nothing has to be handed to it again after the index changes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from assistant.answer import Answer, AnswerSentence, Source
from assistant.answerability import (
    FEATURES,
    Mentions,
    Model,
    QuestionTerms,
    load_model,
    numbers_in,
    unmentioned,
)
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
    features: np.ndarray | None = None  # answerability.FEATURES, for the learned model
    probability: float | None = None  # the model's probability that its passage holds the answer

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
# The hand-set rule's refusal threshold, per embedder, for the question nothing in the library is about (a subject
# beside the library's is the subject rule's). With that rule refusing near-misses, MiniLM's came down from 0.6 to
# the top of the seed's off-topic questions (0.458; lowest answered 0.98): PolicyQA questions 301-1000, not looked
# at for the choice, falsely refused 0.086 instead of 0.229; exec-orders dev near-misses refused 19 of 25, not 20
# (docs/evaluation.md). e5 keeps 0.6: at 0.5 it refused none of the Chinese sets' unanswerable questions. Used by
# topic overviews, and by answers when no learned model is loaded.
HEURISTIC_THRESHOLD = {"minilm": 0.5, "e5": 0.6}
DEFAULT_THRESHOLD = 0.6  # an embedder not measured here
_SIMILARITY, _PASSAGE_SIMILARITY = FEATURES.index("similarity"), FEATURES.index("passage_similarity")
_SUBJECT_MISSING_DOCUMENT = FEATURES.index("subject_missing_document")
# The subject rule (Composer.off_subject): refuse when the document of the best sentence never mentions one of the
# names or numbers the question asks about ("Juneteenth", "Long Island Rail Road", "December 26", "$17.75"): a
# near-miss names its own subject beside words the library holds. The document, not the passage: a passage often
# leaves out names its document has already set (the regulator, the order's subject); on ObliQA the passage rule
# refused 0.047 of the answerable questions ("Could the ADGM elaborate ..."). Chosen by document-grouped
# cross-validation among eight name rules on the exec-orders dev set; numbers since 2026-11-29 (docs/evaluation.md).
SUBJECT_RULE = True
# An English-only embedder (MiniLM's vocabulary and training are English) places a question in another script
# near whatever passage it happens to sit next to, and BM25 finds nothing in English text: the "answer" was a
# sentence that merely sits near the question (issue 10: a Chinese seed question got "(Wang Zhijun) [1]"). On such
# an index a question mainly in another script gets LANGUAGE_NOTICE instead, decided here before any sentence is
# scored. Embedders not named here (e5) read the question and answer it as usual.
ENGLISH_ONLY_EMBEDDERS = frozenset({"minilm"})
# "Mainly": more than half of the question's letters are outside the Latin script, each Chinese character counting
# as one letter. Raw letters, not lexical.script's word-weighted third: script() calls "What does the plan say
# about 十四五?" Chinese (right for how BM25 weighs a passage), but here a false call would turn away an English
# question, so a question needs more non-Latin letters than Latin ones ("What is 共同富裕?" is 0.4: answered; "GDP
# 增长目标是多少？" 0.7: the notice). script() also knows only Chinese; MiniLM is as blind to Cyrillic or Arabic.
# Measured on the question sets: every question of seed-zh and zh-policy has share 1.0, every one of seed,
# exec-orders-dev, PolicyQA and ObliQA 0.0; the sets do not pin the threshold, "more than half" is what "mainly" means.
OTHER_SCRIPT_SHARE = 0.5
# What the reader is told instead of an answer; the setting and the command are the README's ("Chinese questions,
# Chinese documents").
LANGUAGE_NOTICE = (
    "This library was indexed for English questions only: its embedding model (all-MiniLM-L6-v2) reads English, "
    "so a question in another language cannot be matched to its passages. Ask in English, or have the index rebuilt "
    "with the multilingual model (multilingual-e5-small), which answers Chinese and English questions: "
    "ASSISTANT_EMBEDDER=e5 make clean-index run (this indexes seeds/ and the page's uploads again; ingest any other "
    "folder again with assistant ingest)."
)


def other_script_share(text: str) -> float:
    """Share of the text's letters that are not Latin (Chinese characters, Cyrillic, Arabic, ... one each); 0.0
    for a text with no letters. Latin letters with accents, and full-width ones, count as Latin."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    other = sum(1 for ch in letters if "LATIN" not in unicodedata.name(ch, ""))
    return other / len(letters)


# A title line (the document's title, or a header holding it: "Executive Order 14118: Termination of Emergency With
# Respect to the Situation in Zimbabwe") names what the document is about, not what it says on the question, yet it
# matched the question best in 6 of the 23 wrong citations on the exec-orders dev set: it repeats the very terms a
# question about that document uses. A sentence half or more of whose words are title words is a candidate only
# when no other sentence is (a one-line document is its own title), and the title's terms count towards every
# sentence's coverage (the title is each sentence's context), so no sentence wins just by repeating them.
# Measured in docs/evaluation.md ("Title lines and the subject rule").
TITLE_LINE_SHARE = 0.5


def title_line(words: list[str], title_tokens: set[str]) -> bool:
    """Whether a sentence (its tokens) is mostly its document's title: a title or header line."""
    return bool(words) and bool(title_tokens) and sum(w in title_tokens for w in words) >= TITLE_LINE_SHARE * len(words)


# Sentences this similar to one already picked repeat it.
NEAR_DUPLICATE = 0.9
MIN_WORDS = 3
# Sentences embedded per question (see Composer.candidates); bounds the query-time cost.
EMBEDDED_SENTENCES = 6
SENTENCE_CACHE = 50_000  # vectors kept across questions (~80 MB at 384 floats)
DOCUMENT_CACHE = 2_000  # documents' term sets kept across questions (a few thousand terms each)


class Composer:
    """Builds an extractive, cited answer from ranked hits, or refuses when they do not cover the question."""

    def __init__(
        self,
        embedder: Embedder,
        stats: WordStats,
        settings: Settings,
        stored: Callable[[list[tuple[str, int]]], dict[tuple[str, int], np.ndarray]] | None = None,
        learned: bool | None = None,
        document_text: Callable[[str], str | None] | None = None,
    ) -> None:
        self.embedder = embedder
        self.stats = stats
        self.settings = settings
        self.stored = stored  # sentence vectors kept in the index (sentence_vectors): no embedding at question time
        # The learned pick and answerability (assistant/answerability.py); None: the hand-set rule below decides.
        # Off by default (settings.learned_answerability): its grouped-CV figures do not beat the rule's on every
        # set, and it fails the seed floors (docs/evaluation.md, "Learned pick and answerability").
        use_model = settings.learned_answerability if learned is None else learned
        self.model: Model | None = load_model() if use_model else None
        self._sentence_cache: dict[tuple[str, int], np.ndarray] = {}
        self._span_cache: dict[str, list[tuple[int, int]]] = {}
        # A document's text, to check which of a question's names it holds (the subject rule); None: the passage
        # stands for its document.
        self.document_text = document_text
        self._document_mentions: dict[tuple[str, str | None], Mentions] = {}

    def compose(self, question: str, found: SearchResult) -> Answer:
        """The cited answer to ``question`` from the passages found for it, or a refusal."""
        if self.unreadable(question):
            # No nearest passages: on this index they are no nearer to the question than any other.
            return Answer(question, refused=True, hits=found.hits, notice=LANGUAGE_NOTICE)
        top = found.hits[: self.settings.top_k]
        candidates = self.candidates(question, top, found.query_vector)
        if self.model is not None and candidates:
            probabilities = self.model.probability(np.array([c.features for c in candidates]))
            for c, p in zip(candidates, probabilities):
                # No training set holds a "who wrote" question, so the model cannot learn the byline rule: kept.
                c.probability = 1.0 if c.byline else float(p)
            score: float | None = max(c.probability or 0.0 for c in candidates)
        else:
            score = self.answerability(candidates)
        off = self.off_subject(candidates)
        if self.refuses(score, learned=self.model is not None) or off is not None:
            answer = Answer(question, refused=True, nearest=top, hits=found.hits, answerability=score)
            if off is not None:
                answer.unmentioned = self._unmentioned(question, top[off.rank])
        else:
            answer = self.cite(question, top, self._pick(candidates))
            answer.hits, answer.answerability = found.hits, score
        answer.candidates = candidates
        return answer

    def unreadable(self, question: str) -> bool:
        """Whether this index's embedder cannot read the question: an English-only one, a question mainly in
        another script (OTHER_SCRIPT_SHARE)."""
        return self.embedder.name in ENGLISH_ONLY_EMBEDDERS and other_script_share(question) > OTHER_SCRIPT_SHARE

    def off_subject(self, candidates: list[Candidate]) -> Candidate | None:
        """Subject rule (issue 10, point 3): the best sentence's document never mentions one of the names the
        question asks about ("Long Island Rail Road", "Juneteenth", "Venezuela"), not even by its initials: the
        answer would be about something else. Returns that best candidate, or None when the rule does not refuse."""
        if not SUBJECT_RULE or not candidates:
            return None
        if self.model is not None:
            best = max(candidates, key=lambda c: c.probability or 0.0)
        else:
            best = max(candidates, key=lambda c: c.score)
        if best.byline or best.features is None or best.features[_SUBJECT_MISSING_DOCUMENT] == 0.0:
            return None
        return best

    def _unmentioned(self, question: str, hit: Hit) -> list[str]:
        """The question's names, as written, that the hit's document does not mention: what the refusal tells."""
        return unmentioned(question, self._mentions(hit) or Mentions.terms_only(set(tokenize(hit.text))))

    @property
    def threshold(self) -> float:
        """The refusal threshold: the setting when given, else the model's own (chosen by its training script)."""
        if self.settings.refusal_threshold is not None:
            return self.settings.refusal_threshold
        return self.model.threshold if self.model is not None else self.rule_threshold

    @staticmethod
    def answerability(candidates: list[Candidate]) -> float | None:
        """The hand-set rule's answerability: the best sentence's score (topic overviews, and no model loaded)."""
        return max((c.score for c in candidates), default=None)

    def refuses(self, answerability: float | None, learned: bool = False) -> bool:
        """The refusal rule, in one place: nothing to score, or the score under its threshold (the learned
        probability against ``threshold``; the hand-set score against ``rule_threshold``)."""
        if answerability is None:
            return True
        return answerability < (self.threshold if learned else self.rule_threshold)

    @property
    def rule_threshold(self) -> float:
        """The hand-set score's refusal threshold: the setting when given, else the embedder's HEURISTIC_THRESHOLD."""
        given = self.settings.refusal_threshold
        return HEURISTIC_THRESHOLD.get(self.embedder.name, DEFAULT_THRESHOLD) if given is None else given

    def candidates(self, question: str, hits: list[Hit], query_vec: np.ndarray) -> list[Candidate]:
        """Sentences of the passages scored against the question; only the lexically most promising are embedded."""
        q_tokens = set(tokenize(question))
        q_weight = sum(self.stats.idf(t) for t in q_tokens) or 1.0
        terms = QuestionTerms.of(question, self.stats.idf)
        wants_author = bool(AUTHOR_QUESTION.search(question))
        floor = COSINE_FLOOR.get(self.embedder.name, 0.0)
        q_script = script(question)
        out: list[Candidate] = []
        title_lines: list[Candidate] = []  # candidates only when nothing else is (a one-line document is its title)
        best_bm25 = max((h.bm25 or 0.0 for h in hits), default=0.0) or 1.0
        first_score = (hits[0].score if hits else 0.0) or 1.0
        for rank, hit in enumerate(hits):
            meta = hit.chunk.metadata
            heading = f"{meta.get('title', '')} {meta.get('section', '')}"
            title_tokens = set(tokenize(meta.get("title", "")))
            heading_tokens = set(tokenize(heading))
            passage_tokens = set(tokenize(hit.text)) | heading_tokens
            passage_numbers = numbers_in(f"{hit.text} {heading}")
            subject_missing_document = terms.subject_missing(self._mentions(hit) or Mentions.terms_only(passage_tokens))
            passage = [
                terms.coverage(passage_tokens), terms.share(terms.rare, passage_tokens),
                1.0 - terms.share(terms.numbers, passage_numbers), 1.0 - terms.share(terms.names, passage_tokens),
                terms.coverage(heading_tokens), rank / max(1, len(hits) - 1), hit.score / first_score,
                (hit.bm25 or 0.0) / best_bm25,
            ]
            for start, end in self._spans(hit):
                text = hit.text[start:end]
                words = tokenize(text)
                byline = wants_author and bool(BYLINE.match(text))
                is_title = not byline and title_line(words, title_tokens)
                sentence_tokens = set(words)
                # The title is every sentence's context: its terms count for each sentence of the document.
                coverage = sum(self.stats.idf(t) for t in q_tokens & (sentence_tokens | title_tokens)) / q_weight
                rare = terms.share(terms.rare, sentence_tokens)
                if script(text) != q_script:
                    coverage = rare = CROSS_SCRIPT_COVERAGE
                c = Candidate(rank, start, end, text, 0.0, coverage, byline)
                dense = (hit.dense - floor) / (1.0 - floor) if hit.dense is not None else 0.0
                c.features = np.array([0.0, coverage, passage[0], rare, *passage[1:], float(byline), dense, 0.0,
                                       terms.answer_type(text), subject_missing_document])
                (title_lines if is_title else out).append(c)
        out = out or title_lines
        # Embedding every sentence of five long passages costs most of a second on 2 cores; the sentences that hold
        # few of the question's terms rarely win, so only the best EMBEDDED_SENTENCES by coverage are embedded.
        # Sentence vectors kept in the index cost nothing here, so then every sentence is scored: a question in
        # another script has the same coverage for all, and a cap would keep the first passage's sentences only.
        if not self.stored:
            out.sort(key=lambda c: c.coverage - RANK_PENALTY * c.rank, reverse=True)
            out = out[:EMBEDDED_SENTENCES]
        best_in_passage: dict[int, float] = {}
        for c, vec in zip(out, self._vectors(hits, out)):
            c.similarity = (float(vec @ query_vec) - floor) / (1.0 - floor)
            best_in_passage[c.rank] = max(best_in_passage.get(c.rank, -1.0), c.similarity)
        for c in out:
            c.features[_SIMILARITY] = c.similarity
            c.features[_PASSAGE_SIMILARITY] = best_in_passage[c.rank]
        return out

    def _mentions(self, hit: Hit) -> Mentions | None:
        """What the hit's whole document and its title mention (terms, and the initials of its names), cached by
        name and content hash (a re-ingested document with new text is read again); None when the composer has no
        document texts, or not this one's (removed meanwhile): the passage then stands for its document."""
        key = (hit.doc, hit.chunk.metadata.get("content_hash"))
        if key not in self._document_mentions:
            text = self.document_text(hit.doc) if self.document_text is not None else None
            if text is None:
                return None
            if len(self._document_mentions) > DOCUMENT_CACHE:
                self._document_mentions.clear()
            self._document_mentions[key] = Mentions.of(f"{hit.chunk.metadata.get('title', '')}\n{text}")
        return self._document_mentions[key]

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
        if self.model is not None:
            # The learned pick decides the passage and its first sentence; close seconds of that passage join by
            # the hand-set score, as before.
            first = max(candidates, key=lambda c: c.probability or 0.0)
            ranked = [first] + [c for c in ranked if c is not first]
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
