"""`assistant users`: the users file of password sign-in holds bcrypt hashes, never passwords."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.users import (
    EDITOR,
    MAX_FAILED_SIGN_INS,
    MAX_NAMES_TRACKED,
    READER,
    SIGN_IN_WINDOW_S,
    SignInLimit,
    UsersFile,
    oidc_user,
)


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


def test_repeated_failed_sign_ins_lock_the_name_for_a_while(tmp_path: Path) -> None:
    users = UsersFile(tmp_path / "users.json")
    users.add("ann", READER, "correct horse")
    now = [1000.0]
    limit = SignInLimit(clock=lambda: now[0])
    right = lambda: users.verify("ann", "correct horse")  # noqa: E731
    wrong = lambda: users.verify("ann", "guess")  # noqa: E731
    for _ in range(MAX_FAILED_SIGN_INS):
        assert limit.attempt("ann", wrong) == (None, "Unknown user name or wrong password.")
    user, message = limit.attempt("ann", right)  # the right password no longer helps
    assert user is None and message == "Too many failed sign-ins for this name: try again in 15 min."
    assert limit.attempt("bob", lambda: None)[1].startswith("Unknown")  # another name is not affected
    now[0] += SIGN_IN_WINDOW_S
    user, message = limit.attempt("ann", right)
    assert user is not None and user.name == "ann" and message == ""
    limit.attempt("ann", wrong)  # a success cleared the count: one failure is not a lock
    assert limit.attempt("ann", right)[0] is not None


def test_made_up_names_do_not_pile_up_in_memory() -> None:
    now = [0.0]
    limit = SignInLimit(clock=lambda: now[0])
    for i in range(MAX_NAMES_TRACKED + 1):
        limit.attempt(f"guess{i}", lambda: None)
    now[0] += SIGN_IN_WINDOW_S
    limit.attempt("someone", lambda: None)
    assert len(limit.failures) == 1  # only the failure just made is remembered
