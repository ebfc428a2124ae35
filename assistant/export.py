"""The conversation as a Markdown file: each answer with its citations resolved to the source text they cite.

Quoted document text is escaped like on the page, so opening the file in a Markdown viewer shows a document's
``![x](http://...)`` as text instead of fetching it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.conversation import Turn
from assistant.view import NEAREST_LABEL, answer_markdown, location, md_escape, shorten, source_label


def _sources(turn: Turn) -> list[str]:
    lines = ["**Sources**", ""]
    for source in turn.answer.sources:
        meta = source.hit.chunk.metadata
        lines.append(f"\\[{source.n}\\] {source_label(meta)}")
        quoted = [s.text for s in turn.answer.sentences if s.n == source.n] or [shorten(source.hit.text, 300)]
        lines += [f"> {md_escape(' '.join(text.split()))}" for text in quoted]
        lines.append("")
    return lines


def _nearest(turn: Turn) -> list[str]:
    lines = [f"*{NEAREST_LABEL}:*", ""]
    for i, hit in enumerate(turn.answer.nearest[:3], 1):
        lines.append(f"{i}. {location(hit.chunk.metadata)}: {md_escape(shorten(hit.text, 300))}")
    return lines + [""]


def turn_markdown(number: int, turn: Turn) -> str:
    lines = [f"## {number}. {md_escape(turn.question)}", ""]
    if turn.searched.strip() != turn.question.strip():
        lines += [f"*Searched: {md_escape(turn.searched)}*", ""]
    if turn.docs:
        lines += [f"*Scope: {md_escape(', '.join(turn.docs))}*", ""]
    lines += [answer_markdown(turn), ""]
    lines += _nearest(turn) if turn.answer.refused else _sources(turn)
    return "\n".join(lines)


def conversation_markdown(turns: list[Turn], title: str = "Policy Q&A conversation") -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"# {title}", "", f"Exported {stamp}. Answers quote the documents; \\[n\\] marks the source.", ""]
    if not turns:
        head.append("*No questions yet.*")
    return "\n".join(head + [turn_markdown(i, t) for i, t in enumerate(turns, 1)]) + "\n"
