"""The local copy of the chunk records: opening reads it instead of Chroma, and never serves what Chroma no longer
holds (a copy older than the index, or a damaged file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from chromadb.api.models.Collection import Collection

from assistant.library import Library
from assistant.records import FILE
from tests.conftest import MEMOS, make_settings


@pytest.fixture
def memo_library(tmp_path: Path, memos: Path) -> Library:
    library = Library(make_settings(tmp_path / "index"))
    library.ingest([memos])
    return library


def passages(library: Library) -> dict[str, list[str]]:
    return {name: [c.page_content for c in library.chunks(name)] for name in library.documents()}


@pytest.fixture
def full_reads(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Every Chroma ``get`` that reads chunk texts, as its arguments."""
    seen: list[dict] = []
    original = Collection.get

    def get(self, *args, **kwargs):  # noqa: ANN001, ANN202
        if "documents" in (kwargs.get("include") or []) and not self.name.endswith("-documents"):
            seen.append(kwargs)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "get", get)
    return seen


def test_opening_reads_the_copy_not_every_chunk_from_chroma(seed_copy: Library, full_reads: list[dict]) -> None:
    index = seed_copy.settings.index_dir
    before = passages(seed_copy)
    reopened = Library(make_settings(index))
    assert full_reads == []
    assert passages(reopened) == before
    answer = reopened.ask("What does the plan say about hydrogen fuel cell vehicles?")
    assert not answer.refused and "hydrogen" in answer.text.lower()


def test_a_copy_older_than_the_index_is_not_served(memo_library: Library, tmp_path: Path,
                                                   full_reads: list[dict]) -> None:
    index = memo_library.settings.index_dir
    old_copy = tmp_path / "old.sqlite"
    shutil.copy(index / FILE, old_copy)
    (tmp_path / "memos" / "memo0.txt").write_text(MEMOS["memo0.txt"] + "\nThe canteen closes at 15:00 on Fridays.\n")
    memo_library.ingest([tmp_path / "memos"])
    memo_library.remove("memo1.txt")
    expected = passages(memo_library)
    removed = "memo1.txt"
    shutil.copy(old_copy, index / FILE)  # as left by a process that saw the index before these changes
    for suffix in ("-wal", "-shm"):
        (index / f"{FILE}{suffix}").unlink(missing_ok=True)

    reopened = Library(make_settings(index))
    assert passages(reopened) == expected
    assert removed not in reopened.documents()
    assert any("canteen closes at 15:00" in text for texts in expected.values() for text in texts)
    # only the changed documents were read from Chroma, and the copy now has them: the next opening reads none
    assert full_reads and all(kwargs.get("where") for kwargs in full_reads)
    full_reads.clear()
    assert passages(Library(make_settings(index))) == expected
    assert full_reads == []


def test_a_damaged_copy_is_read_again_from_chroma(memo_library: Library, full_reads: list[dict]) -> None:
    index = memo_library.settings.index_dir
    expected = passages(memo_library)
    for suffix in ("-wal", "-shm"):
        (index / f"{FILE}{suffix}").unlink(missing_ok=True)
    (index / FILE).write_bytes(b"not a database" * 100)

    reopened = Library(make_settings(index))
    assert passages(reopened) == expected
    assert reopened.check() == []
    full_reads.clear()
    assert passages(Library(make_settings(index))) == expected
    assert full_reads == []
