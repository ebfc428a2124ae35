"""Nothing leaves the machine: ingest, ask and the page run with every non-loopback connection (and name lookup)
refused and recorded by an audit hook, so a dependency that starts phoning home fails here.

An audit hook cannot be removed once added: it is added once, and records only while ``watching`` is on. It
sees this process only (the reader worker process of assistant/isolation.py gets file bytes through a pipe and
opens nothing else).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.library import Library
from tests.conftest import make_settings
from tests.test_app import LEAVE, LEAVE_TEXT, ask, open_app

_state: dict = {"on": False, "seen": []}


def _is_local(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a name other than localhost would be looked up on the network


def _hook(event: str, args: tuple) -> None:
    if not _state["on"]:
        return
    if event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            _state["seen"].append((event, address))
            raise ConnectionRefusedError(f"test_no_network: outbound connection to {address} refused")
    elif event == "socket.getaddrinfo" and not _is_local(args[0]):
        _state["seen"].append((event, args[0]))
        raise socket.gaierror(f"test_no_network: lookup of {args[0]!r} refused")


sys.addaudithook(_hook)


@pytest.fixture
def offline() -> Iterator[list]:
    """The outbound attempts made while the test ran (each also refused)."""
    _state["seen"] = []
    _state["on"] = True
    try:
        yield _state["seen"]
    finally:
        _state["on"] = False


def test_the_guard_sees_an_outbound_connection(offline: list) -> None:
    with socket.socket() as sock, pytest.raises(OSError):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: never routed; refused by the hook before any packet
    with pytest.raises(OSError):
        socket.getaddrinfo("example.org", 443)
    assert [event for event, _ in offline] == ["socket.connect", "socket.getaddrinfo"]
    offline.clear()
    with socket.socket() as server:  # loopback stays allowed: the page's own server and tests use it
        server.bind(("127.0.0.1", 0))
        server.listen()
        socket.create_connection(server.getsockname(), timeout=1).close()
    assert offline == []


def test_ingest_ask_and_the_page_make_no_outbound_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: list
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / LEAVE).write_text(LEAVE_TEXT)
    index = tmp_path / "index"
    library = Library(make_settings(index))
    report = library.ingest([folder])
    assert report.added == [LEAVE]
    answer = library.ask("How much annual leave do employees accrue?")
    assert "two days of annual leave" in answer.text
    at = ask(open_app(index, monkeypatch), "How much annual leave do employees accrue?")
    assert "two days of annual leave" in "\n".join(m.value for m in at.chat_message[1].markdown)
    assert offline == []
