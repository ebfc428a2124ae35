"""`assistant users`: the users file of password sign-in holds bcrypt hashes, never passwords."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.users import EDITOR, READER, UsersFile, oidc_user


def users(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, index: Path, *args: str,
          stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["--index-dir", str(index), "users", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_verify_remove(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                tmp_path: Path) -> None:
    index = tmp_path / "index"
    code, out, _ = users(capsys, monkeypatch, index, "add", "eve", "--role", "editor", "--password-stdin",
                         stdin="correct horse\n")
    assert code == 0 and out.startswith("Added eve (editor)") and "correct horse" not in out
    users(capsys, monkeypatch, index, "add", "rita", "--password-stdin", stdin="battery staple\n")
    path = index / "users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "correct horse" not in path.read_text() and "battery staple" not in path.read_text()
    assert users(capsys, monkeypatch, index, "list")[1] == "eve  editor\nrita  reader\n"

    file = UsersFile(path)
    assert file.verify("eve", "correct horse").role == EDITOR
    assert file.verify("eve", "battery staple") is None and file.verify("nobody", "correct horse") is None

    code, _, err = users(capsys, monkeypatch, index, "add", "bad name", "--password-stdin", stdin="long enough\n")
    assert code == 2 and "a user name is" in err
    code, _, err = users(capsys, monkeypatch, index, "add", "tom", "--password-stdin", stdin="short\n")
    assert code == 2 and "shorter than 8" in err
    assert users(capsys, monkeypatch, index, "remove", "rita")[0] == 0
    assert file.verify("rita", "battery staple") is None
    code, _, err = users(capsys, monkeypatch, index, "remove", "rita")
    assert code == 2 and "'rita' is not in" in err


def test_oidc_role_comes_from_the_editors_setting() -> None:
    assert oidc_user("Eve@Office.example", "Eve", "eve@office.example, ann@office.example").role == EDITOR
    assert oidc_user("rita@office.example", "Rita", "eve@office.example").role == READER
    assert oidc_user(None, "Rita", "").name == "Rita"
