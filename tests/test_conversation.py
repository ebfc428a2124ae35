"""Follow-ups become standalone questions that retrieve what the user meant; self-contained ones pass unchanged."""

from __future__ import annotations

import pytest

from assistant.conversation import ask, standalone, subject_of
from assistant.library import Library

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
