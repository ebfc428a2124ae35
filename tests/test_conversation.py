"""Follow-ups become standalone questions that retrieve what the user meant; self-contained ones pass unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.conversation import Turn, ask, standalone, subject_of, write, written_standalone
from assistant.library import Library
from assistant.markdown import md_escape
from assistant.page.view import searched_note
from tests.conftest import free_port, make_settings
from tests.llm_server import LLMServer, needs_server

NEV = "What does the plan say about new energy vehicles?"


@pytest.mark.parametrize(
    "question",
    [
        "What does the plan say about hydrogen fuel cell vehicles?",
        "How does this plan support platform enterprises?",
        "Which industries does the plan list as strategic?",
        "Does the plan say that mergers should be encouraged?",
    ],
)
def test_self_contained_question_passes_unchanged(question: str) -> None:
    assert standalone(question, [NEV]) == question


def test_no_history_leaves_even_a_follow_up_as_asked() -> None:
    assert standalone("And what about hydrogen?", []) == "And what about hydrogen?"


def test_what_about_takes_the_frame_of_the_previous_question() -> None:
    assert standalone("And what about hydrogen?", [NEV]) == "What does the plan say about hydrogen?"
    assert standalone("what about financing", [NEV]) == "What does the plan say about financing?"


def test_what_about_without_a_frame_still_carries_the_earlier_subject() -> None:
    rewritten = standalone("How about mergers?", ["Why promote platform economy?"])
    assert "mergers" in rewritten and "platform economy" in rewritten


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What does it say about that?", "What does it say about new energy vehicles?"),
        ("Is it funded?", "Is new energy vehicles funded?"),
        ("What are its goals?", "What are new energy vehicles's goals?"),
        ("How are they promoted?", "How are new energy vehicles promoted?"),
        ("Tell me more", "Tell me more about new energy vehicles?"),
        ("What else does the plan say?", "What else does the plan say about new energy vehicles?"),
    ],
)
def test_pronouns_and_missing_subjects_get_the_earlier_subject(question: str, expected: str) -> None:
    assert standalone(question, [NEV]) == expected


def test_subject_carries_along_a_chain_of_follow_ups() -> None:
    history = [NEV, standalone("And what about hydrogen?", [NEV])]
    assert standalone("Is it a priority?", history) == "Is hydrogen a priority?"


def test_subject_of_a_question() -> None:
    assert subject_of(NEV) == "new energy vehicles"
    assert subject_of("How does the plan promote platform economy?") == "platform economy"
    assert subject_of("What does it say?") == ""


def test_standalone_follow_up_retrieves_the_hydrogen_passage(seed_library: Library) -> None:
    searched = standalone("And what about hydrogen?", [NEV])
    answer = seed_library.ask(searched)
    assert not answer.refused
    assert any("hydrogen fuel cell vehicles" in s.hit.text for s in answer.sources)
    assert "hydrogen fuel cell vehicles" in answer.text


def test_ask_records_the_searched_question_and_cites(seed_library: Library) -> None:
    first = ask(seed_library, "Which industries should grow during the 14th Five-Year Plan?", [])
    assert first.searched == first.question and not first.answer.groups and first.answer.sources
    follow = ask(seed_library, "And what about hydrogen?", [NEV])
    assert follow.searched == "What does the plan say about hydrogen?"
    assert follow.answer.topic is not None  # "what does the plan say about X" reads as an overview request
    assert "hydrogen fuel cell vehicles" in follow.answer.text
    assert follow.answer.cited_docs == ["developing-strategic-emerging-industries.txt"]


def test_off_topic_question_is_refused_with_nearest_passages(seed_library: Library) -> None:
    turn = ask(seed_library, "What is the cafeteria menu on Fridays?", [])
    assert turn.answer.refused and turn.answer.nearest and not turn.answer.sources


# ---------------------------------------------------------------- with an LLM (a real server on loopback)


def _forced(url: str, reply: str):  # noqa: ANN202 - a ChatOpenAI that can only write ``reply``
    """llama.cpp's server takes a grammar in the request: the real server then writes exactly this."""
    import json

    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    from tests.llm_server import API_KEY

    return ChatOpenAI(base_url=url, model="smollm2", api_key=SecretStr(API_KEY), max_tokens=60, temperature=0,
                      max_retries=0, timeout=120, extra_body={"grammar": "root ::= " + json.dumps(reply)})


HYDROGEN = "What does the plan say about hydrogen fuel cell vehicles?"


@needs_server
def test_with_an_llm_the_follow_up_is_searched_as_the_llm_wrote_it(server: LLMServer, seed_index: Path) -> None:
    library = Library(make_settings(seed_index), llm=_forced(server.url, HYDROGEN))
    searched, writing = write(library, "And what about hydrogen?", [NEV])
    assert searched == HYDROGEN  # the rules would have searched "What does the plan say about hydrogen?"
    assert writing.quoted.question == HYDROGEN and "hydrogen" in writing.quoted.text.lower()
    turn = Turn("And what about hydrogen?", searched, writing.quoted)
    assert searched_note(turn) == f"Searched: {md_escape(HYDROGEN)}"


@needs_server
def test_a_reply_that_is_not_one_question_leaves_the_rules_to_rewrite(server: LLMServer, seed_index: Path) -> None:
    # The reply opens with a line break: the request stops there (stop="\n") and nothing usable came back.
    model = _forced(server.url, "\nSure! Hydrogen is covered.")
    assert written_standalone(model, "And what about hydrogen?", [NEV]) is None
    searched, _ = write(Library(make_settings(seed_index), llm=model), "And what about hydrogen?", [NEV])
    assert searched == "What does the plan say about hydrogen?"


def test_an_unreachable_llm_leaves_the_rules_to_rewrite(seed_index: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    library = Library(make_settings(seed_index, llm_url=url, llm_model="m"))
    assert write(library, "And what about hydrogen?", [NEV])[0] == "What does the plan say about hydrogen?"
    assert write(library, "Who supervises mergers?", [])[0] == "Who supervises mergers?"  # first: nothing sent
