"""The conversation as a Markdown file: each answer with its citations resolved to the source text they cite.

Each answer is written by ``Answer.to_markdown``, escaped like on the page, so opening the file in a Markdown
viewer shows a document's ``![x](http://...)`` as text instead of fetching it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.conversation import Turn
from assistant.markdown import md_escape


def turn_markdown(number: int, turn: Turn) -> str:
    lines = [f"## {number}. {md_escape(turn.question)}", ""]
    if turn.searched.strip() != turn.question.strip():
        lines += [f"*Searched: {md_escape(turn.searched)}*", ""]
    if turn.docs:
        lines += [f"*Scope: {md_escape(', '.join(turn.docs))}*", ""]
    lines.append(turn.answer.to_markdown())
    return "\n".join(lines)


def conversation_markdown(turns: list[Turn], title: str = "Policy Q&A conversation") -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [f"# {title}", "", f"Exported {stamp}. Answers quote the documents; \\[n\\] marks the source.", ""]
    if not turns:
        head.append("*No questions yet.*")
    return "\n".join(head + [turn_markdown(i, t) for i, t in enumerate(turns, 1)]) + "\n"
