"""Sign-in and roles on the page (AppTest, a real users file made by the CLI), and the open-address refusal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from assistant import cli
from assistant.audit import AuditLog
from assistant.markdown import md_escape
from assistant.page.access import is_loopback
from assistant.page.feedback import FeedbackStore
from tests.conftest import ROOT, SEED_DOC, copy_index

PASSWORDS = {"rita": "reader-pass-1", "eve": "editor-pass-1"}


def add_user(index: Path, name: str, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`assistant users add NAME --role ROLE --password-stdin`, as a script would run it."""
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORDS[name] + "\n"))
    assert cli.main(["--index-dir", str(index), "users", "add", name, "--role", role, "--password-stdin"]) == 0


def run_page(monkeypatch: pytest.MonkeyPatch, **env: str) -> AppTest:
    for name, value in env.items():
        monkeypatch.setenv(f"ASSISTANT_{name.upper()}", value)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    return at


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception
    return at


def keyed(at: AppTest, prefix: str) -> list[str]:
    return [b.key for b in at.sidebar.button if (b.key or "").startswith(prefix)]


def test_loopback_addresses() -> None:
    assert all(is_loopback(a) for a in ("127.0.0.1", "127.0.1.1", "::1", "[::1]", "localhost", "unix:///run/qa.sock"))
    assert not any(is_loopback(a) for a in (None, "", "0.0.0.0", "::", "192.168.1.20", "office-server"))


def test_serving_beyond_loopback_without_sign_in_is_refused_unless_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config.set_option("server.address", "0.0.0.0")
    try:
        at = run_page(monkeypatch, index_dir=str(tmp_path / "index"))
        [error] = at.error
        assert "Refusing to serve" in error.value and "ASSISTANT_ALLOW_ANONYMOUS_NETWORK=true" in error.value
        assert not at.chat_input and not at.sidebar.file_uploader
        assert not (tmp_path / "index").exists()  # refused before the library was opened
        at = run_page(monkeypatch, auth="password")
        assert not at.error and [t.label for t in at.text_input] == ["User name", "Password"]
        assert "assistant users add" in at.info[0].value  # no users file yet: says how to make one
        broken = tmp_path / "users.json"
        broken.write_text("not a users file")
        at = sign_in(run_page(monkeypatch, users_file=str(broken)), "eve", "editor-pass-1")
        assert "reading the users file" in at.error[0].value and "reference" in at.error[0].value
        at = run_page(monkeypatch, auth="none", allow_anonymous_network="true")
        assert not at.error and at.chat_input
    finally:
        config.set_option("server.address", "127.0.0.1")


def test_password_sign_in_reader_and_editor(tmp_path: Path, seed_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    add_user(index, "rita", "reader", monkeypatch)
    add_user(index, "eve", "editor", monkeypatch)
    stored = (index / "users.json").read_text()
    assert "reader-pass-1" not in stored and "$2b$" in stored  # bcrypt hashes, never the password

    at = run_page(monkeypatch, index_dir=str(index), auth="password")
    # Signed out: the sign-in form and nothing else.
    assert not at.chat_input and not at.sidebar.button and not at.sidebar.file_uploader
    sign_in(at, "rita", "wrong password")
    assert at.error[0].value == "Unknown user name or wrong password." and not at.chat_input

    sign_in(at, "rita", PASSWORDS["rita"])
    assert any(c.value == "Signed in as **rita** · reader" for c in at.sidebar.caption)
    assert not at.sidebar.file_uploader and not keyed(at, "delete-") and not keyed(at, "reindex-")
    at.chat_input[0].set_value("What does the plan say about hydrogen fuel cell vehicles?").run()
    assert "hydrogen fuel cell vehicles" in "\n".join(m.value for m in at.chat_message[1].markdown)
    next(b for b in at.button if (b.key or "").startswith("cite-")).click().run()
    assert any("<mark>" in m.value for m in at.markdown)  # and reads the passage
    at.feedback[0].set_value(1).run()
    assert [r.given_by for r in FeedbackStore(index).all()] == ["rita"]

    add_user(index, "rita", "editor", monkeypatch)  # a new role applies on the next run, without signing in again
    at.run()
    assert any(c.value == "Signed in as **rita** · editor" for c in at.sidebar.caption) and at.sidebar.file_uploader
    assert cli.main(["--index-dir", str(index), "users", "remove", "rita"]) == 0
    at.run()
    assert not at.chat_input and [t.label for t in at.text_input] == ["User name", "Password"]  # removed: out
    sign_in(at, "eve", PASSWORDS["eve"])
    assert not at.chat_message  # rita's conversation is not shown to the next person
    assert any(c.value == "Signed in as **eve** · editor" for c in at.sidebar.caption)
    assert at.sidebar.file_uploader and keyed(at, "delete-") == [f"delete-{SEED_DOC}"]
    at.sidebar.button(key=f"delete-{SEED_DOC}").click().run()
    assert any(md_escape(f"Deleted {SEED_DOC}") in s.value for s in at.sidebar.success)
    [entry] = AuditLog(index).all()
    assert (entry.actor, entry.action, entry.document) == ("eve", "delete", SEED_DOC)
    at.sidebar.button(key="sign-out").click().run()
    assert not at.chat_input and not at.sidebar.button and [t.label for t in at.text_input] == ["User name", "Password"]
