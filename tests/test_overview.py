"""Topic overviews group cited points by document section, in document order."""

from __future__ import annotations

import pytest

from assistant.compose import LANGUAGE_NOTICE
from assistant.library import Library
from assistant.overview import overview_topic
from tests.conftest import SEED_DOC


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What does the plan say about hydrogen?", "hydrogen"),
        ("what do the documents say on platform economy", "platform economy"),
        ("Give me an overview of financing.", "financing"),
        ("Overview of mergers and acquisitions", "mergers and acquisitions"),
        ("Summarize what the plan says about innovation?", "innovation"),
        ("Which industries does the plan list?", None),
        ("What is the target for 2025?", None),
    ],
)
def test_overview_questions_are_recognised(question: str, topic: str | None) -> None:
    assert overview_topic(question) == topic


def test_each_point_is_a_cited_sentence_of_its_section(seed_library: Library) -> None:
    overview = seed_library.overview("platform economy")
    assert not overview.refused and overview.groups
    text = seed_library.document_text(SEED_DOC)
    sources = {s.n: s.hit for s in overview.sources}
    for group in overview.groups:
        for sentence in group.sentences:
            assert text[sentence.start : sentence.end] == sentence.text  # a quote, not a paraphrase
            assert sources[sentence.n].chunk.metadata["section"] == group.section
    assert any("Third" in g.section for g in overview.groups)


def test_broad_topic_spans_several_sections_in_document_order(seed_library: Library) -> None:
    overview = seed_library.overview("innovation")
    assert len(overview.groups) >= 3
    firsts = [g.sentences[0].start for g in overview.groups]
    assert firsts == sorted(firsts)
    assert len({g.section for g in overview.groups}) == len(overview.groups)


def test_narrow_topic_finds_its_passage(seed_library: Library) -> None:
    overview = seed_library.overview("hydrogen", question="What does the plan say about hydrogen?")
    assert overview.question == "What does the plan say about hydrogen?"
    assert "hydrogen fuel cell vehicles" in overview.text


def test_off_topic_overview_is_refused(seed_library: Library) -> None:
    overview = seed_library.overview("the cafeteria menu on Fridays")
    assert overview.refused and not overview.groups and overview.nearest


def test_scope_limits_the_overview(seed_library: Library) -> None:
    overview = seed_library.overview("innovation", docs=["no-such-document.txt"])
    assert overview.refused and not overview.sources


def test_document_sections_in_order(seed_library: Library) -> None:
    sections = seed_library.sections(SEED_DOC)
    assert [s.split(",")[0] for s in sections] == ["First", "Second", "Third", "Four"]


def test_an_overview_asked_in_chinese_on_the_english_index_gets_the_language_notice(seed_library: Library) -> None:
    """The page's overview switch sends the question as the topic: a Chinese one is told how to switch, as in ask."""
    answer = seed_library.overview("新材料", question="规划对新材料说了什么？")
    assert answer.refused and answer.notice == LANGUAGE_NOTICE and not answer.groups and not answer.nearest
    english = seed_library.overview("new materials", question="What does the plan say about new materials (新材料)?")
    assert not english.refused and english.notice is None and english.groups
