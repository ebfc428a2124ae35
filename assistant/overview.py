"""Topic overviews: what the documents say about a topic, one cited point per document section.

A plain answer takes the few best sentences wherever they are; an overview spreads over the document's structure,
so a reader sees each section's take on the topic. It scores, refuses and cites through the same composer as an
answer; only the choice of sentences differs.
"""

from __future__ import annotations

import re

from assistant.answer import Answer, AnswerGroup
from assistant.compose import LANGUAGE_NOTICE, Candidate, Composer
from assistant.retrieval import Hit, SearchResult

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


def compose_overview(composer: Composer, topic: str, found: SearchResult, question: str | None = None) -> Answer:
    """An overview of ``topic`` grouped by (document, section), in document order, each point cited with [n]."""
    hits, asked = found.hits, question or topic
    if composer.unreadable(asked):  # the question as asked: "What does the plan say about 十四五?" is English
        return Answer(asked, refused=True, hits=hits, topic=topic, notice=LANGUAGE_NOTICE)
    top_k = composer.settings.top_k
    candidates = composer.candidates(topic, hits, found.query_vector)
    best = composer.answerability(candidates)
    if composer.refuses(best):
        return Answer(asked, refused=True, nearest=hits[:top_k], hits=hits, answerability=best, topic=topic)
    floor = max(composer.rule_threshold, best - POINT_MARGIN)
    chosen = [c for group in _best_per_section(candidates, hits).values() for c in group if c.score >= floor]
    chosen = sorted(chosen, key=lambda c: c.score, reverse=True)[:MAX_POINTS]
    chosen.sort(key=lambda c: (hits[c.rank].doc, hits[c.rank].chunk.metadata["start"] + c.start))
    answer = composer.cite(asked, hits, chosen)
    answer.nearest, answer.hits, answer.answerability, answer.topic = hits[:top_k], hits, best, topic
    groups: dict[tuple[str, str], AnswerGroup] = {}
    for c, sentence in zip(chosen, answer.sentences):
        meta = hits[c.rank].chunk.metadata
        key = (meta["doc"], meta["section"])
        group = groups.setdefault(key, AnswerGroup(meta["doc"], meta["title"], meta["section"] or INTRODUCTION))
        group.sentences.append(sentence)
    answer.groups = list(groups.values())
    return answer
