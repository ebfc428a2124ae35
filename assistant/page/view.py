"""Pure helpers that turn answers and documents into the strings the page draws, escaped on the way.

Document text is untrusted: everything here that ends up in ``st.markdown`` goes through
:func:`assistant.markdown.md_escape` (re-exported here for the page), so ``![x](url)`` and ``<script>`` stay text
even where the page allows the one tag it adds itself, ``<mark>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answer import NEAREST_LABEL, REFUSAL, AnswerSentence
from assistant.conversation import Turn
from assistant.markdown import citation_label, location, md_escape, shorten, source_label

__all__ = ["NEAREST_LABEL", "REFUSAL", "citation_label", "location", "md_escape", "shorten", "source_label"]

WINDOW = 400  # characters of context shown on each side of a cited passage
_ORDINAL = re.compile(
    r"^(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|one|two|three|four|five|six|seven|eight"
    r"|nine|ten|firstly|secondly|thirdly|\d+(\.\d+)*|[ivx]+)\s*[,.:)]\s*",
    re.IGNORECASE,
)
_LEAD_VERB = re.compile(
    r"^(accelerate|promote|encourage|strengthen|build|improve|develop|support|establish|implement|expand|enhance"
    r"|deepen|foster|advance|boost|ensure|optimi[sz]e|speed up)\s+",
    re.IGNORECASE,
)


def answer_markdown(turn: Turn) -> str:
    return turn.answer.body_markdown()


BULLET = "•"


@dataclass(frozen=True)
class AnswerRow:
    """One line of an answer as the page draws it once streamed: escaped Markdown, then the [n] of ``sentence``.

    ``sentence`` is None for a line with no citation (the refusal, an overview's headings); otherwise the page puts
    a button labelled [n] right after the text, which opens the passage with that sentence highlighted.
    """

    markdown: str
    sentence: AnswerSentence | None = None


def answer_rows(turn: Turn, show_dropped: bool = True) -> list[AnswerRow]:
    """The answer as rows, one per cited sentence (or overview point), in the order answer_markdown gives them.

    A written answer shows its sentences in the order written; one its cited passage does not support is struck
    through and marked as not found in its source, with no [n] (``show_dropped=False`` leaves it out)."""
    answer = turn.answer
    if answer.mode == "written":
        return [AnswerRow(md_escape(s.text), s) if s.verified else AnswerRow(dropped_markdown(s))
                for s in answer.written if s.verified or show_dropped]
    if answer.refused:
        return [AnswerRow(answer.body_markdown())]  # REFUSAL, or the notice that replaces it
    if answer.groups:
        rows = [AnswerRow(f"**Overview: {md_escape(answer.topic or answer.question)}**")]
        for group in answer.groups:
            rows.append(AnswerRow(f"*{md_escape(shorten(group.section, 100))}*"))
            rows += [AnswerRow(f"{BULLET} {md_escape(s.text)}", s) for s in group.sentences]
        return rows
    return [AnswerRow(md_escape(s.text), s) for s in answer.sentences]


def dropped_markdown(sentence: AnswerSentence) -> str:
    where = f"source {citation_label(sentence.n)}" if sentence.n else "any source"
    return f"~~{md_escape(sentence.text)}~~ *(not found in {where}: {md_escape(sentence.reason)})*"


VERIFIED_MARK = "✅"
UNSUPPORTED_MARK = "❌"


def live_checks_markdown(checked: list[AnswerSentence], show_dropped: bool = True) -> str:
    """While an answer is written: each sentence completed so far, marked as it was checked (verified with its [n],
    or struck through as not found in its source); ``show_dropped=False`` leaves the unsupported ones out."""
    lines = [f"{VERIFIED_MARK} {md_escape(s.text)} {citation_label(s.n)}" if s.verified
             else f"{UNSUPPORTED_MARK} {dropped_markdown(s)}" for s in checked if s.verified or show_dropped]
    return "  \n".join(lines)


def answer_label(turn: Turn) -> str | None:
    """How a non-quoted answer was made ("Written by ..." or "Quoted answer (...)"), escaped; None for quotes."""
    return md_escape(turn.answer.label) if turn.answer.label else None


def searched_note(turn: Turn) -> str | None:
    """ "Searched: ..." when the follow-up was rewritten; None when the question was searched as asked."""
    if turn.searched.strip() == turn.question.strip():
        return None
    return f"Searched: {md_escape(turn.searched)}"


# ---------------------------------------------------------------- passages


def _snap(text: str, at: int, forward: bool) -> int:
    """Move a window edge to the nearest whitespace so no word is cut."""
    if at <= 0 or at >= len(text):
        return max(0, min(at, len(text)))
    step = 1 if forward else -1
    while 0 < at < len(text) and not text[at].isspace():
        at += step
    return at


def passage_markdown(text: str, start: int, end: int, highlights: list[tuple[int, int]] | None = None,
                     window: int = WINDOW) -> str:
    """The passage text[start:end] with ``window`` characters around it, the cited sentences in <mark>.

    Returned as escaped Markdown paragraphs for st.markdown(..., unsafe_allow_html=True): the only HTML in it is
    the <mark> tags added here.
    """
    lo = _snap(text, start - window, forward=False)
    while lo < start and text[lo].isspace():
        lo += 1
    hi = _snap(text, end + window, forward=True)
    marks = sorted((max(s, lo), min(e, hi)) for s, e in (highlights or []) if e > lo and s < hi)
    pieces: list[str] = ["… " if lo > 0 else ""]
    at = lo
    for s, e in marks:
        if s < at:
            continue
        pieces.append(_paragraphs(text[at:s]))
        pieces.append(f"<mark>{_paragraphs(text[s:e])}</mark>")
        at = e
    pieces.append(_paragraphs(text[at:hi]))
    pieces.append(" …" if hi < len(text) else "")
    return "".join(pieces)


def _paragraphs(text: str) -> str:
    """Escaped text keeping paragraph breaks (blank lines) and line breaks."""
    paragraphs = re.split(r"\n\s*\n", text)
    return "\n\n".join("  \n".join(md_escape(line) for line in p.split("\n")) for p in paragraphs)


# ---------------------------------------------------------------- starter questions


def short_title(title: str) -> str:
    """A document title without its site suffix: "X-State-owned Assets ..." / "X | Site" → "X"."""
    head = re.split(r"\s*[|–—]\s*|\s+-\s+|(?<=[a-z])-(?=[A-Z])", title, maxsplit=1)[0]
    return shorten(head.strip() or title, 60)


def section_topic(section: str) -> str:
    """A heading as a topic: "First, accelerate the growth of X, Y" → "the growth of X"."""
    topic = _LEAD_VERB.sub("", _ORDINAL.sub("", section.strip().lstrip("#").strip()))
    topic = re.split(r"[,;:，；：]|\s+to\s+", topic, maxsplit=1)[0].strip().rstrip(".。")
    words = topic.split()
    topic = " ".join(words[:10])
    if len(topic) > 1 and topic[0].isupper() and not topic[1].isupper():
        topic = topic[0].lower() + topic[1:]
    return topic


def starter_questions(documents: dict[str, dict], sections: dict[str, list[str]], n: int = 4) -> list[str]:
    """Example questions drawn from the documents' sections, taking turns between documents."""
    per_doc: list[list[str]] = []
    for name in sorted(documents):
        title = short_title(documents[name].get("title") or name)
        topics = [section_topic(s) for s in sections.get(name, [])]
        per_doc.append([f"What does {title} say about {t}?" for t in topics if len(t.split()) >= 1 and len(t) > 2])
    questions: list[str] = []
    for round_ in range(max((len(q) for q in per_doc), default=0)):
        questions += [q[round_] for q in per_doc if round_ < len(q)]
    return questions[:n]
