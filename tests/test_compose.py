"""Extractive answers and refusals over the real seed index (the composer)."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.compose import CROSS_SCRIPT_COVERAGE, HEURISTIC_THRESHOLD, Composer
from assistant.embeddings import get_embedder
from assistant.lexical import LexicalIndex, script, tokenize
from assistant.library import Library
from assistant.retrieval import Hit
from assistant.settings import Settings
from tests.conftest import SEED_DOC


def test_answer_cites_the_passage_holding_the_evidence(seed_library: Library) -> None:
    answer = seed_library.ask("What does the plan say about hydrogen fuel cell vehicles?")
    assert not answer.refused
    assert "[1]" in answer.text and "hydrogen fuel cell vehicles" in answer.text
    cited = {s.n: s for s in answer.sources}
    assert any("promote the industrialization of hydrogen fuel cell vehicles" in cited[s.n].hit.text
               for s in answer.sentences)
    assert len(answer.hits) >= 10 or len(answer.hits) == seed_library.counts()["records"]
    assert answer.answerability is not None and answer.answerability >= HEURISTIC_THRESHOLD


def test_answer_sentences_point_into_the_document(seed_library: Library) -> None:
    answer = seed_library.ask("What is said about satellites?")
    full_text = seed_library.document_text(SEED_DOC)
    for sentence in answer.sentences:
        assert full_text[sentence.start : sentence.end] == sentence.text
        assert sentence.n in {s.n for s in answer.sources}


def test_answer_numbers_its_sources_from_one(seed_library: Library) -> None:
    answer = seed_library.ask("How should mergers and acquisitions be financed?")
    assert [s.n for s in answer.sources] == list(range(1, len(answer.sources) + 1))
    assert "trust plans, entrusted loans and direct financing" in answer.text


def test_off_topic_question_is_refused_with_nearest_passages(seed_library: Library) -> None:
    answer = seed_library.ask("What is the cafeteria menu on Fridays?")
    assert answer.refused and not answer.sentences
    assert "do not answer" in answer.text
    assert answer.nearest  # shown to the user, labelled as not an answer
    assert answer.answerability < HEURISTIC_THRESHOLD


def test_who_wrote_is_answered_from_the_byline(seed_library: Library) -> None:
    answer = seed_library.ask("Who wrote the article?")
    assert not answer.refused
    assert "Wang Zhijun" in answer.text
    assert any("(Wang Zhijun)" in s.hit.text for s in answer.sources)


def test_answer_cites_only_the_passage_it_quotes(seed_library: Library) -> None:
    answer = seed_library.ask("What is said about satellites?")
    assert len(answer.sources) == 1
    assert all(s.text in answer.sources[0].hit.text for s in answer.sentences)


def test_a_mixed_sentence_is_judged_in_the_script_search_gives_it() -> None:
    """English with a Chinese gloss is English to search (lexical.script) and so to the composer: an English
    question's terms count in it, rather than the flat coverage given to a sentence in another script."""
    text = "Charging facilities (充电设施) shall be inspected every quarter by the property company."
    chunk = Document(text, metadata={"doc": "rules.txt", "chunk_id": "c1", "start": 0, "end": len(text),
                                     "title": "Rules", "section": ""})
    stats = LexicalIndex.build(["c0", "c1"], ["Parking opens at seven.", text])
    embedder = get_embedder("minilm")
    composer = Composer(embedder, stats, Settings())
    question = "Who inspects the charging facilities?"
    [candidate] = composer.candidates(question, [Hit(chunk, 1.0)], embedder.encode_query(question))
    assert script(text) == script(question) == "latin"
    terms = set(tokenize(question))
    expected = sum(stats.idf(t) for t in terms & set(tokenize(text))) / sum(stats.idf(t) for t in terms)
    assert candidate.coverage == pytest.approx(expected) and expected != CROSS_SCRIPT_COVERAGE
