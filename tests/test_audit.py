"""The audit trail: append-only, written by the command line as the OS user, printed by `assistant audit`."""

from __future__ import annotations

import getpass
import sqlite3
from pathlib import Path

import pytest

from assistant.audit import AuditLog
from assistant.cli import main
from tests.conftest import SEED_DOC, copy_index


def test_cli_ingest_and_remove_are_recorded_and_printed(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                        seed_index: Path) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    notice = tmp_path / "notice.txt"
    notice.write_text("Canteen notice\n\nThe canteen serves hot soup at noon every weekday.\n")
    assert main(["--index-dir", str(index), "ingest", str(notice)]) == 0
    assert main(["--index-dir", str(index), "remove", SEED_DOC]) == 0
    capsys.readouterr()
    assert main(["--index-dir", str(index), "audit"]) == 0
    printed = capsys.readouterr().out.splitlines()
    actor = f"{getpass.getuser()} (command line)"
    assert len(printed) == 2
    assert f"  {actor}  ingest  notice.txt  " in printed[0]
    assert f"  {actor}  remove  {SEED_DOC}  " in printed[1] and printed[1].endswith("chunks)")
    entries = AuditLog(index).all()
    assert entries[0].content_hash[:12] in printed[0] and entries[1].content_hash[:12] in printed[1]


def test_the_trail_refuses_changes(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.record("eve", "upload", "plan.txt", "ab" * 32)
    for statement in ("UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"):
        connection = sqlite3.connect(log.path)
        try:
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                connection.execute(statement)
        finally:
            connection.close()
    assert [e.actor for e in log.all()] == ["eve"]
    with pytest.raises(ValueError):
        log.record("eve", "rename", "plan.txt")
