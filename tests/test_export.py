"""The conversation exported as Markdown, with every citation resolved to the text it quotes."""

from __future__ import annotations

import re

from assistant.conversation import ask
from assistant.library import Library
from assistant.page.export import conversation_markdown

NEV = "What does the plan say about new energy vehicles?"


def test_export_resolves_citations_to_quoted_source_text(seed_library: Library) -> None:
    turns = [ask(seed_library, NEV, [])]
    turns.append(ask(seed_library, "And what about hydrogen?", [t.searched for t in turns]))
    out = conversation_markdown(turns)
    assert out.startswith("# Policy Q&A conversation")
    assert "## 1. What does the plan say about new energy vehicles?" in out
    assert "## 2. And what about hydrogen?" in out
    assert "*Searched: What does the plan say about hydrogen?*" in out
    # The [1] of the second answer is followed, under Sources, by the title and the quoted sentence.
    second = out.split("## 2. ")[1]
    sources = second.split("**Sources**")[1]
    assert re.search(r"\\\[1\\\] Developing strategic emerging industries", sources)
    assert "> Accelerate the process of electrification" in sources and "hydrogen fuel cell vehicles" in sources


def test_export_labels_a_refusal_and_the_scope(seed_library: Library) -> None:
    turn = ask(seed_library, "What is the cafeteria menu on Fridays?", [],
               docs=["developing-strategic-emerging-industries.txt"])
    out = conversation_markdown([turn])
    assert "The documents do not answer this question." in out
    assert "*Not an answer — nearest passages:*" in out and "**Sources**" not in out
    assert "*Scope: developing\\-strategic\\-emerging\\-industries\\.txt*" in out


def test_export_escapes_questions(seed_library: Library) -> None:
    turn = ask(seed_library, "What about ![x](http://127.0.0.1:9/x.png) <script>alert(1)</script>?", [])
    out = conversation_markdown([turn])
    assert "<script>" not in out and "![x](" not in out


def test_empty_conversation() -> None:
    assert "*No questions yet.*" in conversation_markdown([])
