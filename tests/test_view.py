"""What the page draws: escaped text, highlighted passages, cited answers, starter questions."""

from __future__ import annotations

import re

import pytest

from assistant.answer import Answer, AnswerSentence
from assistant.conversation import Turn, ask
from assistant.library import Library
from assistant.page.view import (
    BULLET,
    AnswerRow,
    answer_markdown,
    answer_rows,
    citation_label,
    md_escape,
    passage_markdown,
    searched_note,
    section_topic,
    short_title,
    starter_questions,
)
from tests.conftest import SEED_DOC

HOSTILE = "Note <script>alert(1)</script> and ![x](http://127.0.0.1:9/x.png) and [click](javascript:alert(1))"
UNESCAPED_TAG = re.compile(r"<(?!/?mark>)[a-zA-Z/!]")


def test_escaped_text_holds_no_html_and_no_markdown_syntax() -> None:
    out = md_escape(HOSTILE)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "![x](" not in out and "](" not in out  # neither an image nor a link survives
    assert "\\!\\[x\\]\\(http\u2060\\://" in out


@pytest.mark.parametrize("text", ["# heading", "1. list", "- bullet", "`code`", "$x$", ":red[x]", "a | b", "_it_"])
def test_markdown_specials_are_backslashed(text: str) -> None:
    out = md_escape(text)
    assert out != text and out.replace("\\", "") == text


def test_passage_marks_the_cited_sentence_in_its_surroundings() -> None:
    text = "Intro para.\n\nAlpha one. The cited sentence here. Omega two.\n\nTail para."
    start, end = text.index("Alpha"), text.index("two.") + 4
    cited = (text.index("The cited"), text.index("here.") + 5)
    out = passage_markdown(text, start, end, [cited], window=20)
    assert "<mark>The cited sentence here\\.</mark>" in out
    assert "Intro para" in out and "Tail para" in out  # the window shows the surroundings
    assert "\n\n" in out  # paragraphs kept


def test_passage_window_is_cut_at_word_boundaries_with_ellipses() -> None:
    text = " ".join(f"word{i}" for i in range(400))
    start = text.index("word200")
    out = passage_markdown(text, start, start + 7, [], window=50)
    assert out.startswith("… word") and out.endswith(" …")
    assert "<mark>" not in out


def test_hostile_document_text_stays_text_in_a_passage() -> None:
    text = f"Before.\n\n{HOSTILE}.\n\nAfter."
    start = text.index("Note")
    out = passage_markdown(text, start, start + len(HOSTILE), [(start, start + len(HOSTILE) + 1)])
    assert not UNESCAPED_TAG.search(out)
    assert out.count("<mark>") == 1 and "&lt;script&gt;" in out and "![x](" not in out


def test_answer_markdown_cites_every_sentence(seed_library: Library) -> None:
    turn = ask(seed_library, "Which industries should grow during the 14th Five-Year Plan?", [])
    out = answer_markdown(turn)
    assert len(re.findall(r"\*\*\\\[\d+\\\]\*\*", out)) == len(turn.answer.sentences) > 0
    assert all(md_escape(s.text) in out for s in turn.answer.sentences)
    assert searched_note(turn) is None


def test_overview_is_drawn_under_section_headings(seed_library: Library) -> None:
    turn = ask(seed_library, "Give me an overview of innovation", [])
    out = answer_markdown(turn)
    assert out.startswith("**Overview: innovation**")
    assert out.count("\n- ") == len(turn.answer.sentences)
    assert "*Third, promote the healthy development of platform economy and sharing economy*" in out


def test_answer_rows_put_each_sentence_before_its_marker(seed_library: Library) -> None:
    turn = ask(seed_library, "How should mergers and acquisitions be financed?", [])
    rows = answer_rows(turn)
    assert [r.sentence for r in rows] == turn.answer.sentences  # one row per sentence, every one cited
    assert [r.markdown for r in rows] == [md_escape(s.text) for s in turn.answer.sentences]
    for row in rows:
        source = turn.answer.source(row.sentence.n)
        assert source.n == row.sentence.n
        meta = source.hit.chunk.metadata  # the sentence lies in the passage its [n] opens
        assert meta["start"] <= row.sentence.start < row.sentence.end <= meta["end"]
    assert citation_label(2) == "\\[2\\]"


def test_overview_rows_are_headings_then_cited_points(seed_library: Library) -> None:
    turn = ask(seed_library, "Give me an overview of innovation", [])
    rows = answer_rows(turn)
    assert rows[0] == AnswerRow("**Overview: innovation**")
    assert AnswerRow("*Third, promote the healthy development of platform economy and sharing economy*") in rows
    points = [r for r in rows if r.sentence]
    assert [r.sentence for r in points] == [s for g in turn.answer.groups for s in g.sentences]
    assert all(r.markdown.startswith(f"{BULLET} ") for r in points)
    assert all(r.markdown.startswith("*") for r in rows if not r.sentence)


def test_answer_rows_keep_hostile_text_literal() -> None:
    sentence = AnswerSentence(HOSTILE, 1, 0, len(HOSTILE))
    turn = Turn("q", "q", Answer("q", [sentence]))
    [row] = answer_rows(turn)
    assert row.sentence is sentence and row.markdown == md_escape(HOSTILE)
    assert not UNESCAPED_TAG.search(row.markdown) and "](" not in row.markdown
    refused = Turn("q", "q", Answer("q", refused=True))
    assert answer_rows(refused) == [AnswerRow("The documents do not answer this question.")]


def test_refusal_and_searched_note(seed_library: Library) -> None:
    refused = ask(seed_library, "What is the cafeteria menu on Fridays?", [])
    # The page says which name of the question the closest document lacks.
    assert answer_markdown(refused) == (
        "The documents do not answer this question. "
        "The closest passage is from a document that does not mention “Fridays”\\."  # Markdown-escaped
    )
    follow = ask(seed_library, "And what about hydrogen?", ["What does the plan say about new energy vehicles?"])
    assert searched_note(follow) == "Searched: What does the plan say about hydrogen?"


def test_the_language_notice_is_one_escaped_row_without_a_marker(seed_library: Library) -> None:
    turn = ask(seed_library, "哪些新能源技术需要加大研发力度？", [])  # seed-zh, over the English-only index
    assert answer_rows(turn) == [AnswerRow(md_escape(turn.answer.notice))]
    assert answer_markdown(turn).startswith("This library was indexed for English questions only")


def test_cited_spans_point_at_the_answer_sentences(seed_library: Library) -> None:
    turn = ask(seed_library, "What does the plan say about hydrogen fuel cell vehicles?", [])
    text = seed_library.document_text(SEED_DOC)
    spans = turn.answer.cited_spans(1)
    assert spans and "hydrogen fuel cell vehicles" in " ".join(text[s:e] for s, e in spans)


def test_titles_and_section_topics() -> None:
    title = "Developing strategic emerging industries-State-owned Assets Supervision and Administration Commission"
    assert short_title(title) == "Developing strategic emerging industries"
    assert short_title("Leave policy | Intranet") == "Leave policy"
    heading = "Four, encourage mergers and acquisitions, to prevent redundancy."
    assert section_topic(heading) == "mergers and acquisitions"
    assert section_topic("## Travel") == "travel"


def test_starter_questions_come_from_the_sections_and_are_answered(seed_library: Library) -> None:
    documents = seed_library.documents()
    questions = starter_questions(documents, {name: seed_library.sections(name) for name in documents})
    assert len(questions) == 4
    assert questions[-1] == "What does Developing strategic emerging industries say about mergers and acquisitions?"
    turn = ask(seed_library, questions[2], [])
    assert not turn.answer.refused and turn.answer.sources


def test_starter_questions_alternate_between_documents() -> None:
    docs = {"a.md": {"title": "Travel rules"}, "b.md": {"title": "Leave rules"}}
    sections = {"a.md": ["Trains", "Flights"], "b.md": ["Annual leave"]}
    assert starter_questions(docs, sections, n=3) == [
        "What does Travel rules say about trains?",
        "What does Leave rules say about annual leave?",
        "What does Travel rules say about flights?",
    ]
    assert starter_questions({}, {}) == []


def test_escaped_text_has_nothing_markdown_would_turn_into_a_link() -> None:
    escaped = md_escape("See http://127.0.0.1:9/x.png, www.example.com and staff@example.com at 10:30.")
    assert not re.search(r"[a-z]\\?://|www\\?\.|\w@", escaped)
    assert escaped.replace("\u2060", "").replace("\\", "") == "See http://127.0.0.1:9/x.png, www.example.com and "\
        "staff@example.com at 10:30."


def test_a_written_answer_marks_unsupported_sentences_and_can_hide_them(seed_library: Library) -> None:
    from dataclasses import replace

    from assistant.answer import AnswerSentence
    from assistant.conversation import Turn
    from assistant.page.view import answer_label

    quoted = seed_library.ask("How should mergers and acquisitions be financed?")
    kept = quoted.sentences[0]
    bad = AnswerSentence("Banks <b>must</b> fund 90% of it.", 1, 0, 0, verified=False,
                         reason="the passage does not state 90%")
    turn = Turn("q", "q", replace(quoted, mode="written", model="m", written=[kept, bad], sentences=[kept]))
    rows = answer_rows(turn)
    assert rows[0] == AnswerRow(md_escape(kept.text), kept)  # verified: its [n] opens the supporting sentence
    assert rows[1].sentence is None and rows[1].markdown.startswith("~~Banks")  # no [n] to click
    assert "not found in source \\[1\\]" in rows[1].markdown and not UNESCAPED_TAG.search(rows[1].markdown)
    assert answer_rows(turn, show_dropped=False) == rows[:1]
    assert answer_label(turn).startswith("Written by m")


def test_sentences_are_marked_as_they_are_checked_while_an_answer_is_written() -> None:
    from assistant.answer import AnswerSentence
    from assistant.page.view import UNSUPPORTED_MARK, VERIFIED_MARK, live_checks_markdown

    good = AnswerSentence("Stations are built along *freight* corridors.", 1, 0, 10)
    bad = AnswerSentence("The <b>Ministry of Finance</b> bans cars.", 1, 0, 0, verified=False,
                         reason="the passage does not state Finance")
    shown = live_checks_markdown([good, bad])
    first, second = shown.split("  \n")
    assert first == f"{VERIFIED_MARK} {md_escape(good.text)} \\[1\\]"
    assert second.startswith(f"{UNSUPPORTED_MARK} ~~") and "not found in source \\[1\\]" in second
    assert not UNESCAPED_TAG.search(shown)  # the model's text stays text
    assert live_checks_markdown([good, bad], show_dropped=False) == first  # the toggle hides unsupported ones
    assert live_checks_markdown([bad], show_dropped=False) == ""
