"""Shared fixtures: real Chroma in temporary folders, the real bundled MiniLM, the real seed text."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.library import Library
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
SEED_DOC = "developing-strategic-emerging-industries.txt"
ZH_POLICY_DOCS = ROOT / "evalsets" / "zh-policy" / "docs"


def make_settings(index_dir: Path, **overrides: object) -> Settings:
    return Settings(index_dir=index_dir, eval_dir=index_dir.parent / "eval-cache", **overrides)


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
def seed_copy(tmp_path: Path) -> Library:
    """A private index of seeds/, free to change (built afresh: copying an open Chroma folder is not safe)."""
    lib = Library(make_settings(tmp_path / "index"))
    lib.ingest([SEEDS])
    return lib


@pytest.fixture(scope="session")
def multilingual_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The multilingual setting (e5 with sentence vectors) over the English seed and the Chinese policy; read-only."""
    index_dir = tmp_path_factory.mktemp("multilingual") / "index"
    lib = Library(make_settings(index_dir, embedder="e5", sentence_vectors=True))
    lib.ingest([SEEDS, ZH_POLICY_DOCS])
    return lib
