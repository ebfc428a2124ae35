"""Quality floors through the real ``assistant eval`` path: the seed set, and a slice of ObliQA.

Floors sit a little under the measured values (docs/evaluation.md), so a change that costs answers fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from tests.conftest import SEEDS, SHARED_EVAL

SEED_QUESTIONS = SHARED_EVAL / "seed" / "questions.jsonl"
OBLIQA = SHARED_EVAL / "obliqa"
OBLIQA_SLICE = 200

SEED_HIT_FLOOR = 0.95  # measured 1.0 (18/18): one lost question fails
SEED_CITATION_HIT_FLOOR = 0.95  # measured 1.0
SEED_REFUSAL_FLOOR = 0.8  # measured 0.8 (4/5 unanswerable refused)
SEED_FALSE_REFUSAL_CEILING = 0.05  # measured 0.0
SEED_ZH_QUESTIONS = Path(__file__).resolve().parents[1] / "evalsets" / "seed-zh" / "questions.jsonl"
SEED_ZH_HIT_FLOOR = 0.9  # the bar; measured 1.0 (18/18) with the multilingual setting
OBLIQA_HIT_FLOOR = 0.82  # measured on the first 200 questions, see docs/evaluation.md (CI slice row)


def _eval(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> dict:
    """Run ``assistant eval`` as a user would and parse the metrics line it prints."""
    code = main(["--index-dir", str(tmp_path / "index"), "eval", *args])
    assert code == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture
def eval_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Eval indexes in the repo's cache folder (reused between runs) unless ASSISTANT_EVAL_DIR says otherwise."""
    monkeypatch.setenv("ASSISTANT_EVAL_DIR", str(Path(__file__).resolve().parents[1] / ".eval-cache"))
    return tmp_path


@pytest.mark.skipif(not SEED_QUESTIONS.exists(), reason="shared eval sets not present")
def test_seed_set_is_answered_cited_and_refused(capsys: pytest.CaptureFixture[str], eval_env: Path) -> None:
    m = _eval(capsys, eval_env, "--questions", str(SEED_QUESTIONS), "--docs", str(SEEDS))
    assert m["hit@5"] >= SEED_HIT_FLOOR
    assert m["citation_hit"] >= SEED_CITATION_HIT_FLOOR
    assert m["refusal_accuracy"] >= SEED_REFUSAL_FLOOR
    assert m["false_refusal_rate"] <= SEED_FALSE_REFUSAL_CEILING


def test_chinese_seed_questions_find_the_english_passages(
    capsys: pytest.CaptureFixture[str], eval_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_EMBEDDER", "e5")  # the multilingual setting
    monkeypatch.setenv("ASSISTANT_SENTENCE_VECTORS", "true")
    m = _eval(capsys, eval_env, "--questions", str(SEED_ZH_QUESTIONS), "--docs", str(SEEDS))
    assert m["hit@5"] >= SEED_ZH_HIT_FLOOR


@pytest.mark.slow
@pytest.mark.skipif(not OBLIQA.exists(), reason="shared eval sets not present")
def test_obliqa_slice_finds_the_regulation(capsys: pytest.CaptureFixture[str], eval_env: Path) -> None:
    # The index needs the whole corpus (any passage may be the answer): ~15-20 min to build here with sentence
    # vectors, then cached in .eval-cache/
    m = _eval(capsys, eval_env, "--questions", str(OBLIQA / "questions.jsonl"), "--limit", str(OBLIQA_SLICE))
    assert m["hit@5"] >= OBLIQA_HIT_FLOOR
