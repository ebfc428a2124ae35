"""The chat page driven through Streamlit's AppTest against a real index built from seeds/."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.library import Library
from assistant.page import view
from assistant.page.feedback import FeedbackStore
from tests.conftest import ROOT, SEED_DOC, SEEDS, copy_index, make_settings
from tests.test_uploads import BICYCLE, make_docx

LEAVE = "leave.md"
LEAVE_TEXT = "# Leave policy\n\n## Annual leave\n\nEmployees accrue two days of annual leave per month of service.\n"
HYDROGEN = "What does the plan say about hydrogen fuel cell vehicles?"
MERGERS = "How should mergers and acquisitions be financed?"


def build_index(folder: Path, seed_index: Path) -> Path:
    """The seed index (copied) plus a small leave policy: two documents for the library panel."""
    extra = folder / "extra"
    extra.mkdir(parents=True)
    (extra / LEAVE).write_text(LEAVE_TEXT)
    index = copy_index(seed_index, folder / "index")
    Library(make_settings(index)).ingest([SEEDS, extra])
    return index


@pytest.fixture(scope="module")
def app_index(tmp_path_factory: pytest.TempPathFactory, seed_index: Path) -> Path:
    """Shared by the tests that only ask questions (feedback rows are told apart by question)."""
    return build_index(tmp_path_factory.mktemp("app"), seed_index)


def open_app(index: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("ASSISTANT_INDEX_DIR", str(index))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def reply_text(at: AppTest, i: int) -> str:
    return "\n".join(m.value for m in at.chat_message[i].markdown)


def marked_passage(at: AppTest) -> tuple[str, str]:
    """The passage shown in the dialog and the text inside its first <mark>."""
    passage = next(m.value for m in at.markdown if "<mark>" in m.value)
    return passage, passage.split("<mark>")[1].split("</mark>")[0]


def click_marker_in_answer(at: AppTest, turn_index: int, phrase: str) -> view.AnswerRow:
    """Click the [n] right after the first answer sentence holding ``phrase``; returns that row."""
    turn = at.session_state.turns[turn_index]
    i, row = next((i, r) for i, r in enumerate(view.answer_rows(turn)) if r.sentence and phrase in r.sentence.text)
    button = at.button(key=f"mark-{turn.id}-{i}")
    assert button.label == f"\\[{row.sentence.n}\\]"
    assert row.markdown in reply_text(at, 2 * turn_index + 1)  # the sentence it follows is drawn
    button.click().run()
    assert not at.exception
    return row


def test_empty_chat_offers_starter_questions_that_answer(app_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(app_index, monkeypatch)
    starters = [b for b in at.button if (b.key or "").startswith("starter-")]
    assert len(starters) == 4 and all(b.label.startswith("What does ") for b in starters)
    starters[0].click().run()
    assert not at.exception
    assert not [b for b in at.button if (b.key or "").startswith("starter-")]  # the chat has begun
    assert [b for b in at.button if (b.key or "").startswith("cite-")]


def test_answer_is_cited_and_its_marker_opens_the_highlighted_passage(
    app_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = ask(open_app(app_index, monkeypatch), MERGERS)
    answer = reply_text(at, 1)
    assert "merger" in answer.lower()
    assert not [m for m in at.chat_message[1].markdown if "\\[1\\]" in m.value]  # [1] is a button, not text
    marker = [b for b in at.button if (b.key or "").startswith("mark-")][0]
    assert marker.label == "\\[1\\]" and marker.proto.type == "tertiary"
    row = click_marker_in_answer(at, 0, "")
    passage, marked = marked_passage(at)
    assert marked == view.md_escape(row.sentence.text)  # exactly the sentence the answer took
    assert len(passage) > len(marked) + 200  # shown in its surroundings
    assert any(m.value.startswith("**\\[1\\] ") for m in at.markdown)  # title, section, page


def test_overview_point_marker_and_sources_list_open_the_highlighted_passage(
    app_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = ask(open_app(app_index, monkeypatch), HYDROGEN)
    assert "hydrogen fuel cell vehicles" in reply_text(at, 1)
    row = click_marker_in_answer(at, 0, "hydrogen fuel cell vehicles")
    passage, marked = marked_passage(at)
    assert marked == view.md_escape(row.sentence.text) and "hydrogen fuel cell vehicles" in marked
    assert passage.index("<mark>") > 100  # the surrounding text of the document is shown too
    assert any("§ First, accelerate" in m.value for m in at.markdown)

    cite = [b for b in at.button if (b.key or "").startswith("cite-")]
    assert cite[0].label == "\\[1\\]"
    cite[0].click().run()
    passage, marked = marked_passage(at)
    assert "hydrogen fuel cell vehicles" in marked


def test_follow_up_searches_a_standalone_question(app_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = ask(open_app(app_index, monkeypatch), "What does the plan say about new energy vehicles?")
    ask(at, "And what about hydrogen?")
    assert "Searched: What does the plan say about hydrogen?" in [c.value for c in at.caption]
    assert "hydrogen fuel cell vehicles" in reply_text(at, 3)
    assert len(at.chat_message) == 4


def test_overview_toggle_groups_the_answer_by_section(app_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(app_index, monkeypatch)
    at.toggle(key="overview_mode").set_value(True).run()
    ask(at, "Which parts of the plan concern innovation?")
    lines = [m.value for m in at.chat_message[1].markdown]
    assert lines[0] == "**Overview: Which parts of the plan concern innovation?**"
    points = [line for line in lines if line.startswith(f"{view.BULLET} ")]
    section_heads = [line for line in lines if line.startswith("*") and not line.startswith("**")]
    # Innovation runs through the whole plan: the overview draws points from more than one section, each headed.
    assert len(points) >= 2 and len(section_heads) >= 2
    turn = at.session_state.turns[0]
    assert len([b for b in at.button if (b.key or "").startswith(f"mark-{turn.id}-")]) == len(points)


def test_off_topic_question_is_refused_with_labelled_nearest_passages(
    app_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = ask(open_app(app_index, monkeypatch), "What is the cafeteria menu on Fridays?")
    reply = at.chat_message[1]
    assert reply.markdown[0].value == (
        "The documents do not answer this question. "
        "The closest passage is from a document that does not mention “Fridays”\\."  # Markdown-escaped
    )
    assert reply.markdown[1].value == "**Not an answer — nearest passages**"
    assert not [b for b in at.button if (b.key or "").startswith("cite-")]
    assert [b for b in at.button if (b.key or "").startswith("near-")]


def test_a_chinese_question_on_the_english_index_is_told_how_to_switch(
    app_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = ask(open_app(app_index, monkeypatch), "规划提出“十四五”期间哪些产业要加快发展？")
    reply = [m.value for m in at.chat_message[1].markdown]
    assert "indexed for English questions" in reply[0] and "ASSISTANT\\_EMBEDDER\\=e5" in reply[0]
    assert "Not an answer" not in "\n".join(reply)  # no nearest passages: on this index none is near
    assert not [b for b in at.button if (b.key or "").startswith(("cite-", "near-", "mark-"))]


def test_scope_limits_the_documents_searched(app_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(app_index, monkeypatch)
    scope = at.sidebar.multiselect[0]
    assert sorted(scope.value) == sorted([LEAVE, SEED_DOC])  # all by default
    scope.set_value([SEED_DOC]).run()
    ask(at, "How many days of annual leave do employees accrue?")
    assert "two days of annual leave" not in texts(at)
    at.sidebar.multiselect[0].set_value([LEAVE]).run()
    ask(at, "How many days of annual leave do employees accrue?")
    assert "two days of annual leave" in reply_text(at, 3)
    assert any("(leave\\.md)" in m.value or "Leave policy" in m.value for m in at.chat_message[3].markdown)


def test_feedback_is_stored_with_the_answer(app_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    question = "Which industries should grow during the 14th Five-Year Plan?"
    at = ask(open_app(app_index, monkeypatch), question)
    at.feedback[0].set_value(0).run()
    at.text_input(key=at.text_input[0].key).input("The answer missed aerospace").run()
    assert not at.exception
    rows = [r for r in FeedbackStore(app_index).all() if r.question == question]
    assert len(rows) == 1
    assert rows[0].rating == "down" and rows[0].comment == "The answer missed aerospace"
    assert rows[0].cited_docs == [SEED_DOC] and "[1]" in rows[0].answer


def test_conversation_can_be_exported(app_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_app(app_index, monkeypatch)
    assert not at.sidebar.get("download_button")  # nothing to export yet
    ask(at, HYDROGEN)
    [button] = at.sidebar.get("download_button")
    assert button.proto.label == "Export conversation (Markdown)"


def test_upload_a_docx_ask_about_it_then_delete_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   seed_index: Path) -> None:
    index = build_index(tmp_path, seed_index)
    at = open_app(index, monkeypatch)
    uploader = at.sidebar.file_uploader[0]
    assert {".docx", ".pdf", ".txt", ".md", ".html"} <= set(uploader.allowed_type)
    assert "50 MB" in uploader.label
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    uploader.set_value(("commuting.docx", make_docx([BICYCLE]), mime)).run()
    assert not at.exception
    assert any("Indexed commuting\\.docx" in s.value for s in at.sidebar.success)
    assert (index / "uploads" / "commuting.docx").exists()
    ask(at, "How much is the bicycle allowance?")
    reply = "\n".join(m.value for m in at.chat_message[1].markdown)
    assert "forty euros" in reply and "(commuting\\.docx)" in reply
    # The same name again: nothing is replaced until the editor chooses; "Keep both" adds it under a new name.
    at.sidebar.file_uploader[0].set_value(("commuting.docx", make_docx(["Cyclists get sixty euros."]), mime)).run()
    [question] = at.sidebar.warning
    assert "already in the library" in question.value and "keep both" in question.value
    assert "Cyclists get sixty" not in Library(make_settings(index)).document_text("commuting.docx")
    at.sidebar.button(key="conflict-keep_both").click().run()
    assert any("Indexed commuting \\(2\\)\\.docx" in s.value for s in at.sidebar.success)
    at.sidebar.button(key="delete-commuting (2).docx").click().run()
    at.sidebar.button(key="delete-commuting.docx").click().run()
    assert any("Deleted commuting\\.docx" in s.value for s in at.sidebar.success)
    assert "commuting.docx" not in Library(make_settings(index)).documents()
    # Only the deleted document went: the seed is still indexed and still listed with its own Delete button.
    assert SEED_DOC in Library(make_settings(index)).documents()
    deletes = [b.key for b in at.sidebar.button if (b.key or "").startswith("delete-")]
    assert sorted(deletes) == sorted(["delete-" + LEAVE, "delete-" + SEED_DOC])


def test_bad_upload_shows_its_problem_and_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         seed_index: Path) -> None:
    index = build_index(tmp_path, seed_index)
    at = open_app(index, monkeypatch)
    at.sidebar.file_uploader[0].set_value(("broken.pdf", b"%PDF-1.4 not really", "application/pdf")).run()
    [error] = at.sidebar.error
    assert error.value.startswith("broken\\.pdf")
    assert sorted(Library(make_settings(index)).documents()) == sorted([LEAVE, SEED_DOC])
