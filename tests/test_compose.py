"""Extractive answers and refusals over the real seed index (the composer)."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document

from assistant.compose import (
    CROSS_SCRIPT_COVERAGE,
    HEURISTIC_THRESHOLD,
    LANGUAGE_NOTICE,
    OTHER_SCRIPT_SHARE,
    Composer,
    other_script_share,
)
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


CHINESE_SEED_QUESTION = "规划提出“十四五”期间哪些产业要加快发展？"  # seed-zh's first question


def test_a_chinese_question_on_an_english_only_index_gets_the_language_notice(seed_library: Library) -> None:
    """On the default (MiniLM) index a Chinese question used to get an English sentence that merely sat near it;
    now it is told the library reads English questions, and how to switch, with nothing cited or offered as near."""
    answer = seed_library.ask(CHINESE_SEED_QUESTION)
    assert answer.refused and answer.notice == LANGUAGE_NOTICE
    assert not answer.sentences and not answer.sources and not answer.nearest
    assert answer.text == LANGUAGE_NOTICE == answer.to_text()
    assert "indexed for English questions" in answer.text
    assert "ASSISTANT_EMBEDDER=e5 make clean-index run" in answer.text  # the README's switch
    record = answer.to_dict()
    assert record["refused"] and record["answer"] == LANGUAGE_NOTICE and record["citations"] == []
    markdown = answer.to_markdown()
    assert "indexed for English questions" in markdown and "ASSISTANT\\_EMBEDDER\\=e5" in markdown  # escaped
    assert "nearest" not in markdown and "[1]" not in markdown


def test_an_english_question_naming_a_chinese_term_is_answered(seed_library: Library) -> None:
    question = "Which industries grow in the 十四五 period?"
    assert script(question) == "zh"  # what search calls it; the composer's rule counts letters and answers it
    answer = seed_library.ask(question)
    assert not answer.refused and answer.notice is None
    assert any("information technology, biotechnology" in s.hit.text for s in answer.sources)


def test_on_the_multilingual_index_a_chinese_question_is_answered(multilingual_library: Library) -> None:
    answer = multilingual_library.ask("要发展哪些前沿新材料？")  # seed-zh: which cutting-edge materials?
    assert not answer.refused and answer.notice is None
    assert "new functional rare earth materials, information functional materials, nano-materials" in answer.text


@pytest.mark.parametrize(("question", "share"), [
    ("What is the plan's target for 2025?", 0.0),
    ("Qu'est-ce que le plan prévoit pour l'énergie ?", 0.0),  # Latin letters with accents
    ("What is 共同富裕?", 0.4),  # an English question about a Chinese term: answered
    ("GDP增长目标是多少？", 0.7),  # a Chinese question with an English abbreviation: the notice
    ("Что план говорит о водороде?", 1.0),  # Cyrillic: MiniLM is as blind to it as to Chinese
    ("2025?", 0.0),
])
def test_other_script_share_counts_letters(question: str, share: float) -> None:
    assert other_script_share(question) == pytest.approx(share)
    assert (other_script_share(question) > OTHER_SCRIPT_SHARE) == (share > 0.5)
