"""Quality floors through the real ``assistant eval`` path: the seed set, and a slice of ObliQA.

Floors sit a little under the measured values (docs/evaluation.md), so a change that costs answers fails here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.evaluation import evaluate, load_jsonl
from assistant.library import Library
from tests.conftest import SEED_DOC, SHARED_EVAL

SEED_QUESTIONS = SHARED_EVAL / "seed" / "questions.jsonl"
OBLIQA = SHARED_EVAL / "obliqa"
OBLIQA_SLICE = 200
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

SEED_HIT_FLOOR = 0.95  # measured 1.0 (18/18): one lost question fails
SEED_CITATION_HIT_FLOOR = 0.95  # measured 1.0
SEED_REFUSAL_FLOOR = 0.8  # measured 0.8 (4/5 unanswerable refused)
SEED_FALSE_REFUSAL_CEILING = 0.05  # measured 0.0
SEED_ZH_QUESTIONS = Path(__file__).resolve().parents[1] / "evalsets" / "seed-zh" / "questions.jsonl"
SEED_ZH_HIT_FLOOR = 0.9  # the bar; measured 0.944 (17/18) with the multilingual setting (docs/evaluation.md)
OBLIQA_HIT_FLOOR = 0.82  # measured on the first 200 questions, see docs/evaluation.md (CI slice row)


def _eval(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> dict:
    """Run ``assistant eval`` as a user would and parse the metrics line it prints."""
    code = main(["--index-dir", str(tmp_path / "index"), "eval", *args])
    assert code == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture
def eval_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Eval indexes in ASSISTANT_EVAL_DIR when it is set, else in the user's cache folder, outside any one clone.

    The ObliQA index takes ~5 minutes to build on 2 cores (292 s in a clean-clone run). Its folder is keyed on the
    corpus's content, the index-shaping settings and the code that builds indexes (evaluation.runs.eval_index_dir),
    so a fresh clone reuses it while nothing that shapes it has changed, and rebuilds it as soon as anything has.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "policy-assistant" / "eval"
    monkeypatch.setenv("ASSISTANT_EVAL_DIR", os.environ.get("ASSISTANT_EVAL_DIR") or str(cache))
    return tmp_path


def test_seed_set_is_answered_cited_and_refused(seed_eval: tuple[dict, Path]) -> None:
    m, _ = seed_eval
    assert m["hit@5"] >= SEED_HIT_FLOOR
    assert m["citation_hit"] >= SEED_CITATION_HIT_FLOOR
    assert m["refusal_accuracy"] >= SEED_REFUSAL_FLOOR
    assert m["false_refusal_rate"] <= SEED_FALSE_REFUSAL_CEILING


def test_chinese_seed_questions_find_the_english_passages(multilingual_library: Library) -> None:
    # The session's multilingual library (e5 over the seed and a Chinese policy), searched within the seed as the
    # questions are about it (over the whole library the Chinese policy is a same-script distractor: 0.889 there).
    questions = [{**q, "doc": SEED_DOC} for q in load_jsonl(SEED_ZH_QUESTIONS)]
    m = evaluate(multilingual_library, questions)
    assert m["hit@5"] >= SEED_ZH_HIT_FLOOR


@pytest.mark.slow
@pytest.mark.skipif(not OBLIQA.exists(), reason="shared eval sets not present")
def test_obliqa_slice_finds_the_regulation(capsys: pytest.CaptureFixture[str], eval_env: Path) -> None:
    # The index needs the whole corpus (any passage may be the answer): ~15-20 min to build here with sentence
    # vectors, then cached (see eval_env)
    m = _eval(capsys, eval_env, "--questions", str(OBLIQA / "questions.jsonl"), "--limit", str(OBLIQA_SLICE))
    # Kept for docs/evaluation.md's CI-slice row: every CI run re-measures it.
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "obliqa-slice.json").write_text(json.dumps(m, indent=2) + "\n")
    assert m["hit@5"] >= OBLIQA_HIT_FLOOR
