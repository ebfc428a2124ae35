"""Topic overviews: what the documents say about a topic, one cited point per document section.

A plain answer takes the few best sentences wherever they are; an overview spreads over the document's structure,
so a reader sees each section's take on the topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer import Answer, AnswerSentence, Candidate, Source
from assistant.retrieval import Hit

_OVERVIEW = re.compile(
    r"^\s*(?:what\s+(?:does|do|did)\s+.{1,100}?\s+say\s+(?:about|on|regarding)\s+"
    r"|(?:please\s+)?(?:give\s+(?:me\s+)?)?(?:an?\s+)?overview\s+(?:of|on|about)\s+"
    r"|summari[sz]e\s+(?:what\s+.{1,100}?\s+says?\s+(?:about|on)\s+)?)"
    r"(?P<topic>.+?)[\s?.!]*$",
    re.IGNORECASE,
)
HITS = 15  # passages scanned: enough to reach several sections
MAX_POINTS = 8
PER_SECTION = 2
SECOND_MARGIN = 0.1  # a section's second sentence must be nearly as good as its first
# A section's point joins when it scores within this margin of the best point (and passes the refusal
# threshold): sections that merely share a word with the topic stay out.
POINT_MARGIN = 0.25
INTRODUCTION = "Introduction"  # the label of text before the first heading


@dataclass
class OverviewGroup:
    doc: str
    title: str
    section: str
    sentences: list[AnswerSentence] = field(default_factory=list)


@dataclass
class Overview:
    topic: str
    answer: Answer  # all points as one cited answer (sources, refusal, export and feedback reuse it)
    groups: list[OverviewGroup] = field(default_factory=list)


def overview_topic(question: str) -> str | None:
    """The topic of "what does the plan say about X" / "overview of X" / "summarize X"; None for other questions."""
    match = _OVERVIEW.match(question)
    return match["topic"].strip() if match else None


def _best_per_section(candidates: list[Candidate], hits: list[Hit]) -> dict[tuple[str, str], list[Candidate]]:
    """Each section's best sentence, plus a close second that does not repeat it."""
    grouped: dict[tuple[str, str], list[Candidate]] = {}
    for c in sorted(candidates, key=lambda c: c.score, reverse=True):
        meta = hits[c.rank].chunk.metadata
        picked = grouped.setdefault((meta["doc"], meta["section"]), [])
        if not picked or (len(picked) < PER_SECTION and c.score >= picked[0].score - SECOND_MARGIN
                          and c.text not in picked[0].text and picked[0].text not in c.text):
            picked.append(c)
    return grouped


def topic_overview(library, topic: str, docs: list[str] | None = None,  # noqa: ANN001 - Library
                   question: str | None = None) -> Overview:
    """An overview of ``topic`` grouped by (document, section), in document order, each point cited with [n]."""
    hits, query_vec = library.searcher.search(topic, HITS, docs)
    candidates = library.composer.candidates(topic, hits, query_vec)
    asked = question or topic
    nearest = hits[: library.settings.top_k]
    if not candidates:
        return Overview(topic, Answer(asked, refused=True, nearest=nearest))
    top = max(c.score for c in candidates)
    if top < library.settings.refusal_threshold:
        return Overview(topic, Answer(asked, refused=True, nearest=nearest))
    floor = max(library.settings.refusal_threshold, top - POINT_MARGIN)
    chosen = [c for group in _best_per_section(candidates, hits).values() for c in group if c.score >= floor]
    chosen = sorted(chosen, key=lambda c: c.score, reverse=True)[:MAX_POINTS]
    chosen.sort(key=lambda c: (hits[c.rank].doc, hits[c.rank].chunk.metadata["start"] + c.start))
    return _cite(topic, asked, hits, chosen)


def _cite(topic: str, asked: str, hits: list[Hit], chosen: list[Candidate]) -> Overview:
    numbers: dict[int, int] = {}
    groups: dict[tuple[str, str], OverviewGroup] = {}
    sentences: list[AnswerSentence] = []
    for c in chosen:
        meta = hits[c.rank].chunk.metadata
        n = numbers.setdefault(c.rank, len(numbers) + 1)
        sentence = AnswerSentence(c.text, n, meta["start"] + c.start, meta["start"] + c.end)
        sentences.append(sentence)
        key = (meta["doc"], meta["section"])
        group = groups.setdefault(key, OverviewGroup(meta["doc"], meta["title"], meta["section"] or INTRODUCTION))
        group.sentences.append(sentence)
    sources = [Source(n, hits[rank]) for rank, n in numbers.items()]
    answer = Answer(asked, sentences, sources, nearest=hits[:5])
    return Overview(topic, answer, list(groups.values()))


def document_sections(library) -> dict[str, list[str]]:  # noqa: ANN001 - Library
    """Each document's section headings in document order (from the chunk metadata of the index)."""
    ordered: dict[str, list[tuple[int, str]]] = {}
    for record in library.store.chunks.values():
        meta = record["metadata"]
        if meta.get("section"):
            ordered.setdefault(meta["doc"], []).append((meta["start"], meta["section"]))
    result: dict[str, list[str]] = {}
    for doc, pairs in ordered.items():
        seen: list[str] = []
        for _, section in sorted(pairs):
            if section not in seen:
                seen.append(section)
        result[doc] = seen
    return result
