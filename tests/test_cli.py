"""The `assistant` command as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.store import chroma_client
from tests.conftest import SEED_DOC, SEEDS, SHARED_EVAL, make_settings


def run(index: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_EVAL_DIR": str(index.parent / "eval")}
    proc = subprocess.run([sys.executable, "-m", "assistant.cli", *args], capture_output=True, text=True, env=env)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def seed_cli_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("cli") / "index"
    run(index, "ingest", str(SEEDS))
    return index


def test_ask_prints_cited_answer_and_sources(seed_cli_index: Path) -> None:
    out = run(seed_cli_index, "ask", "What does the plan say about hydrogen fuel cell vehicles?").stdout
    answer = out.split("Sources:")[0]
    assert "hydrogen fuel cell vehicles" in answer and answer.rstrip().endswith("[1]")
    assert "Sources:" in out and "[1] Developing strategic emerging industries" in out


def test_search_prints_ranked_chunks_with_section_and_score(seed_cli_index: Path) -> None:
    out = run(seed_cli_index, "search", "mergers and acquisitions financing", "-k", "3", "--doc", SEED_DOC).stdout
    lines = [line for line in out.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert len(lines) == 3 and "§ Four, encourage mergers" in out and SEED_DOC in lines[0]


def test_ingest_bad_file_fails_with_its_name_and_keeps_the_rest(seed_cli_index: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.xyz"
    bad.write_text("some notes")
    proc = run(seed_cli_index, "ingest", str(bad), str(SEEDS), check=False)
    assert proc.returncode == 1
    assert "notes.xyz" in proc.stderr and "unsupported file type" in proc.stderr
    assert "1 unchanged" in proc.stdout
    assert SEED_DOC in run(seed_cli_index, "documents").stdout


def test_remove_unknown_document_is_a_clear_error(seed_cli_index: Path) -> None:
    proc = run(seed_cli_index, "remove", "missing.txt", check=False)
    assert proc.returncode == 2 and "missing.txt" in proc.stderr


@pytest.mark.skipif(not (SHARED_EVAL / "exec-orders").exists(), reason="shared eval sets are not beside the repo")
def test_exec_orders_ingest_is_incremental_and_remove_is_exact(tmp_path: Path) -> None:
    index = tmp_path / "index"
    docs = SHARED_EVAL / "exec-orders" / "docs"
    first = run(index, "ingest", str(docs))
    assert "Ingesting" in first.stderr and "162 document(s) indexed" in first.stdout
    assert "0 chunks added" in run(index, "ingest", str(docs)).stdout
    manifest = json.loads((index / "manifest.json").read_text())
    own = manifest["documents"]["EO_14008.txt"]["chunks"]
    total = sum(d["chunks"] for d in manifest["documents"].values())
    assert f"Removed EO_14008.txt: {own} chunks." in run(index, "remove", "EO_14008.txt").stdout
    chunks = json.loads((index / "chunks.json").read_text())
    bm25_ids = json.loads((index / "bm25_ids.json").read_text())["ids"]
    assert len(chunks) == len(bm25_ids) == total - own
    assert not any(c["metadata"]["doc"] == "EO_14008.txt" for c in chunks.values())
    assert chroma_client(make_settings(index)).get_collection("policies").count() == total - own


@pytest.mark.skipif(not (SHARED_EVAL / "score.py").exists(), reason="shared eval sets are not beside the repo")
def test_eval_prints_the_metrics_score_py_gives_on_its_run_file(tmp_path: Path) -> None:
    questions = SHARED_EVAL / "seed" / "questions.jsonl"
    run_file = tmp_path / "run.jsonl"
    proc = run(tmp_path / "index", "eval", "--questions", str(questions), "--docs", str(SEEDS), "--run-out",
               str(run_file))
    ours = json.loads(proc.stdout.strip().splitlines()[-1])
    reference = subprocess.run([sys.executable, str(SHARED_EVAL / "score.py"), str(questions), str(run_file)],
                               capture_output=True, text=True, check=True)
    assert ours == json.loads(reference.stdout)
    assert ours["scored"] == 23
