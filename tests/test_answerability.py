"""The learned pick and answerability: the subject features a near-miss fails, and the committed model."""

from __future__ import annotations

import json

import numpy as np
from langchain_core.documents import Document

from assistant.answerability import (
    FEATURES,
    MODEL_FILE,
    Mentions,
    Model,
    QuestionTerms,
    acronyms,
    fit,
    load_model,
    numbers_in,
    spelled_numbers,
    unmentioned,
)
from assistant.compose import Composer
from assistant.embeddings import get_embedder
from assistant.lexical import LexicalIndex, tokenize
from assistant.library import Library
from assistant.retrieval import Hit
from assistant.settings import Settings

MEASLES = ("Measles is added to the list of quarantinable communicable diseases. The minimum wage for workers on "
           "federal contracts is $15.00 per hour beginning January 30, 2022.")
OTHER = ["Federal offices are closed on December 24, 2024.", "The council has not more than 32 members.", MEASLES]


def _candidates(question: str) -> list:
    stats = LexicalIndex.build([f"c{i}" for i in range(len(OTHER))], OTHER)
    chunk = Document(MEASLES, metadata={"doc": "eo.txt", "chunk_id": "c2", "start": 0, "end": len(MEASLES),
                                        "title": "Quarantine", "section": ""})
    embedder = get_embedder("minilm")
    composer = Composer(embedder, stats, Settings(), learned=False)
    return composer.candidates(question, [Hit(chunk, 1.0, 0.5, 3.0)], embedder.encode_query(question))


def _feature(candidate, name: str) -> float:  # noqa: ANN001
    return float(candidate.features[FEATURES.index(name)])


def test_a_subject_the_passage_lacks_shows_in_the_rare_term_features() -> None:
    held = _candidates("Was measles added to the list of quarantinable diseases?")[0]
    missing = _candidates("Was mpox added to the list of quarantinable diseases?")[0]
    # Same topic and wording; the near-miss's subject (mpox, a term the library never uses) is its rarest term.
    assert _feature(held, "rare_passage") == 1.0 and _feature(missing, "rare_passage") < 1.0
    assert _feature(missing, "rare_sentence") < _feature(held, "rare_sentence")


def test_numbers_and_names_of_the_question_are_looked_for_in_the_passage() -> None:
    wage = _candidates("Is the contractor minimum wage $17.75 an hour?")
    assert all(_feature(c, "numbers_missing") == 1.0 for c in wage)
    right = _candidates("Is the contractor minimum wage $15.00 an hour?")
    assert all(_feature(c, "numbers_missing") == 0.0 for c in right)
    terms = QuestionTerms.of("When does the Long Island Rail Road board report?", lambda t: 1.0)
    assert {"long", "island", "rail", "road"} <= terms.names


def test_a_short_name_counts_as_present_where_the_document_spells_it_out() -> None:
    text = "A dispute between New Jersey Transit Rail Operations and the Department of Homeland Security."
    assert {"nj", "njt", "dhs"} <= acronyms(text)
    assert "ot" not in acronyms("New Jersey Transit. Others agree.")  # a sentence's end ends a name
    terms = QuestionTerms.of("How long do NJ Transit and its engineers have?", lambda t: 1.0)
    assert terms.names_missing(Mentions.terms_only(set(tokenize(text)))) == 0.5  # "NJ" is not a word of the text
    assert terms.names_missing(Mentions.of(text)) == 0.0  # ... but its initials are
    # Only a name written in capitals is read as initials.
    assert QuestionTerms.of("Is the Nj board open?", lambda t: 1.0).names_missing(Mentions.of(text)) == 1.0


def test_a_name_counts_in_its_longer_or_shorter_form() -> None:
    order = Mentions.of("Assets of Da Afghanistan Bank held in the United States by American banks. Maui Road.")
    question = "Where do banks move the Afghan money, and do Americans or Koreans or the Mau people hold it?"
    assert unmentioned(question, order) == ["Koreans", "Mau"]


def test_logistic_fit_ranks_the_positive_side_higher() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] - x[:, 2] + 0.3 * rng.normal(size=400) > 0).astype(float)
    model = fit(x, y)
    assert model.weights[0] > 0 > model.weights[2]
    p = model.probability(x)
    assert ((p > 0.5) == (y == 1)).mean() > 0.9


def test_the_committed_model_matches_the_features_and_says_how_it_was_measured() -> None:
    data = json.loads(MODEL_FILE.read_text())
    model = load_model()
    assert isinstance(model, Model) and len(model.weights) == len(FEATURES)
    assert 0.0 < model.threshold < 1.0
    assert {"citation_hit", "false_refusal", "refusal_near-miss"} <= set(data["grouped_cv"])


def test_learned_answerability_is_the_pick_probability(seed_copy: Library) -> None:
    library = Library(seed_copy.settings.model_copy(update={"learned_answerability": True}))
    answer = library.ask("What does the plan say about hydrogen fuel cell vehicles?")
    assert not answer.refused and 0.0 < answer.answerability <= 1.0
    picked = max(answer.candidates, key=lambda c: c.probability)
    assert answer.answerability == picked.probability
    assert answer.sentences[0].text in {c.text for c in answer.candidates if c.rank == picked.rank}
    # The byline rule is kept beside the model (no training question asks who wrote a text).
    assert "Wang Zhijun" in library.ask("Who wrote the article?").text


def test_a_question_about_a_name_the_library_lacks_is_refused(seed_library: Library) -> None:
    # Same topic as the plan (new materials), but about a company the plan never names: the
    # subject rule refuses it although its sentences share the topic's words.
    answer = seed_library.ask("What role does Samsung play in developing new materials?")
    assert answer.refused
    # The reader is told which name the closest document lacks, so a name spelt otherwise can be asked again.
    assert answer.unmentioned == ["Samsung"] and "does not mention “Samsung”" in answer.text
    assert "“Samsung”" in answer.to_text() and "“Samsung”" in answer.body_markdown()
    assert answer.to_dict()["unmentioned"] == ["Samsung"]
    assert not seed_library.ask("What new materials does the plan want developed?").refused


def test_a_question_about_a_number_the_document_lacks_is_refused(seed_library: Library) -> None:
    # The plan speaks of the Thirteenth Five-Year Plan, never the twelfth: the question about the 12th would
    # otherwise get the 13th's sentence (it scored 1.47, far above the threshold). "13th" counts as "Thirteenth".
    question = "Which strategic emerging industries developed rapidly during the {}th Five-Year Plan?"
    answer = seed_library.ask(question.format(12))
    assert answer.refused and answer.unmentioned == ["12"] and "does not mention “12”" in answer.text
    assert not seed_library.ask(question.format(13)).refused


def test_a_document_spells_numbers_and_months() -> None:
    text = "During the Thirteenth Five-Year Plan, within thirty-five days, closed on Tuesday, December 24, 2024."
    assert {"13", "35", "12", "24", "2024"} <= spelled_numbers(text) | numbers_in(text)
    document = Mentions.of(text)
    assert QuestionTerms.of("Are offices closed on December 26, 2024?", lambda t: 1.0).subject_missing(document) > 0
    assert unmentioned("Must contractors pay $17.75 an hour from 2024?", document) == ["17.75"]
    assert unmentioned("2024年12月24日联邦政府机关关闭吗？", document) == []  # the 12 of 12月 is December
    # A passage's tokens stand in where the document is not known: numbers are then not checked.
    passage = Mentions.terms_only({"clos"})
    assert QuestionTerms.of("Is it closed on the 26th?", lambda t: 1.0).subject_missing(passage) == 0


def test_the_refusal_threshold_setting_still_governs_the_hand_set_rule(seed_copy: Library) -> None:
    question = "What is said about satellites?"
    assert not seed_copy.ask(question).refused
    strict = Library(seed_copy.settings.model_copy(update={"refusal_threshold": 3.0}))
    assert strict.ask(question).refused
