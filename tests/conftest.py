"""Shared fixtures: real Chroma in temporary folders, the real bundled MiniLM, the real seed text."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from assistant.library import Library
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SEED_DOC = "developing-strategic-emerging-industries.txt"
ZH_POLICY_DOCS = ROOT / "evalsets" / "zh-policy" / "docs"
# Small documents that embed in a second: for tests that write an index and must not wait for the seed's ingest.
MEMOS = {f"memo{i}.txt": f"Memo {i}\n\nRule {i}: staff file form {i} within {i + 2} days. It is signed by the head.\n"
         for i in range(4)}


def make_settings(index_dir: Path, **overrides: object) -> Settings:
    return Settings(index_dir=index_dir, eval_dir=index_dir.parent / "eval-cache", **overrides)


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_index(source: Path, target: Path) -> Path:
    """A private copy of a built index folder: seconds of embedding saved for every test that changes an index.

    Safe while the source is open read-only: Chroma's files are complete once an ingest has returned (checked by
    opening a copy in a new process: same counts, same answers).
    """
    shutil.copytree(source, target)
    return target


@pytest.fixture(autouse=True, scope="session")
def _loopback_page() -> None:
    """The page's tests run as `make serve` does, on 127.0.0.1 (AppTest leaves server.address unset, which a real
    server takes as every interface, and the page refuses that without sign-in)."""
    from streamlit import config

    config.set_option("server.address", "127.0.0.1")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - yields a tests.llm_server.LLMServer
    """An OpenAI-compatible server (xllamacpp + SmolLM2) on loopback, one per test module that asks for it."""
    from tests.llm_server import HAS_SERVER, NO_SERVER, llm_server

    if not HAS_SERVER:
        pytest.skip(NO_SERVER)
    with llm_server(tmp_path_factory.mktemp("llm") / "server.log") as running:
        yield running


@pytest.fixture
def memos(tmp_path: Path) -> Path:
    """A folder of MEMOS."""
    folder = tmp_path / "memos"
    folder.mkdir()
    for name, text in MEMOS.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "index")


@pytest.fixture
def library(settings: Settings) -> Library:
    return Library(settings)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of seeds/ built once per session; tests that change it copy it first."""
    index_dir = tmp_path_factory.mktemp("seed") / "index"
    Library(make_settings(index_dir)).ingest([SEEDS])
    return index_dir


@pytest.fixture(scope="session")
def seed_library(seed_index: Path) -> Library:
    """Read-only: do not ingest into or remove from it."""
    return Library(make_settings(seed_index))


@pytest.fixture
def seed_copy(tmp_path: Path, seed_index: Path) -> Library:
    """A private index of seeds/, free to change: a copy of the session's seed index."""
    return Library(make_settings(copy_index(seed_index, tmp_path / "index")))


@pytest.fixture(scope="session")
def multilingual_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The multilingual setting (e5 with sentence vectors) over the English seed and the Chinese policy; read-only."""
    index_dir = tmp_path_factory.mktemp("multilingual") / "index"
    lib = Library(make_settings(index_dir, embedder="e5", sentence_vectors=True))
    lib.ingest([SEEDS, ZH_POLICY_DOCS])
    return lib


@pytest.fixture(scope="session")
def seed_eval(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """`assistant eval` of the seed question set, run once per session: (printed metrics, run file).

    The CLI test checks the metrics against score.py; the quality test holds them to floors.
    """
    import contextlib
    import io
    import json

    from assistant.cli import main

    questions = SHARED_EVAL / "seed" / "questions.jsonl"
    if not questions.exists():
        pytest.skip("shared eval sets are not beside the repo")
    root = tmp_path_factory.mktemp("seed-eval")
    run_file = root / "run.jsonl"
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out), \
            contextlib.redirect_stderr(io.StringIO()):
        patch.setenv("ASSISTANT_EVAL_DIR", str(root / "eval-cache"))  # a fresh index: nothing cached from old code
        code = main(["--index-dir", str(root / "index"), "eval", "--questions", str(questions), "--docs", str(SEEDS),
                     "--run-out", str(run_file)])
    assert code == 0
    return json.loads(out.getvalue().strip().splitlines()[-1]), run_file
