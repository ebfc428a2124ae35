"""Baselines in the eval harness: each answers through the same composer and writes a scoreable run."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import AssistantError
from assistant.evaluation import evaluate, load_jsonl
from assistant.evaluation.baselines import METHODS, open_method
from tests.conftest import SEEDS, SHARED_EVAL, copy_index, make_settings

SEED_QUESTIONS = SHARED_EVAL / "seed" / "questions.jsonl"


@pytest.fixture(scope="module")
def seed_questions() -> list[dict]:
    if not SEED_QUESTIONS.exists():
        pytest.skip("shared eval sets not present")
    return load_jsonl(SEED_QUESTIONS)


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory, seed_questions: list[dict], seed_index: Path) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("methods")
    # The product's methods open a copy of the session's seed index (its ingest then finds nothing to do).
    settings = make_settings(copy_index(seed_index, root / "index"))
    out = {}
    for name in METHODS:
        method = open_method(name, settings, SEEDS, root / "index")
        out[name] = evaluate(method, seed_questions, run_out=root / f"{name}.jsonl")
        out[name]["run"] = load_jsonl(root / f"{name}.jsonl")
    return out


def test_every_method_writes_a_full_run(scores: dict[str, dict]) -> None:
    for name, result in scores.items():
        assert result["missing_from_run"] == 0, name
        for record in result["run"]:
            # The run format asks for 10 passages; BM25 alone has nothing more to give once no term matches.
            assert len(record["retrieved"]) >= 10 or name == "bm25", name
            assert all(c["text"] for c in record["citations"]), name


def test_ours_finds_at_least_what_each_baseline_finds(scores: dict[str, dict]) -> None:
    for name in ("bm25", "dense", "langchain-default"):
        assert scores["ours"]["hit@5"] >= scores[name]["hit@5"], name
    assert scores["ours"]["citation_hit"] >= scores["langchain-default"]["citation_hit"]


def test_unknown_method_is_named_in_the_error(tmp_path: Path) -> None:
    with pytest.raises(AssistantError, match="langchain-default"):
        open_method("bm26", make_settings(tmp_path / "index"), SEEDS, tmp_path / "index")
