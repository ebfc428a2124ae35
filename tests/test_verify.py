"""The written-sentence verifier: facts, meaning, words and polarity checked against the cited passage."""

from __future__ import annotations

import pytest

from assistant.embeddings import get_embedder
from assistant.verify import Verifier, facts, missing_facts
from scripts.measure_verifier import measure

PASSAGE = (
    "The plan sets out the industrial strategy. By 2035, the Ministry of Industry shall raise the share of hydrogen "
    "vehicles to 45 percent of new sales. Local governments must not subsidise coal plants."
)


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(get_embedder("minilm"))


def test_numbers_years_percentages_and_names_must_be_in_the_passage() -> None:
    assert facts("By 2035 the Ministry of Industry wants 45% hydrogen cars.") == ["2035", "45%", "Ministry", "Industry"]
    assert missing_facts("By 2025 the Ministry of Finance wants 45% hydrogen cars.", PASSAGE) == ["2025", "Finance"]
    assert missing_facts("By 2035 the Ministry of Industry wants 45% hydrogen cars.", PASSAGE) == []


@pytest.mark.parametrize(("sentence", "supported"), [
    ("By 2035 the Ministry of Industry must raise hydrogen vehicles to 45% of new sales.", True),
    ("By 2025 the Ministry of Industry must raise hydrogen vehicles to 45% of new sales.", False),  # year changed
    ("By 2035 the Ministry of Finance must raise hydrogen vehicles to 45% of new sales.", False),  # name swapped
    ("Local governments must subsidise coal plants.", False),  # negation dropped
    ("Universities should open more laboratories for artificial intelligence research.", False),  # not in it
])
def test_a_written_sentence_passes_only_when_its_passage_supports_it(verifier: Verifier, sentence: str,
                                                                      supported: bool) -> None:
    verdict = verifier.check(sentence, PASSAGE)
    assert verdict.supported is supported, verdict.reason
    if supported:  # the supporting sentence is the one a reader is shown highlighted
        assert PASSAGE[verdict.start : verdict.end].startswith("By 2035, the Ministry")


@pytest.mark.slow  # embeds ~2,500 passage sentences (~1-2 min on 2 busy cores)
def test_on_the_held_out_labelled_pairs_the_verifier_meets_its_targets() -> None:
    figures = measure()["test"]  # thresholds were chosen on the dev split
    assert figures["unsupported_rejected"] >= 0.9
    assert figures["supported_passed"] >= 0.9
