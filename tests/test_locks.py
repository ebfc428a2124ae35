"""Readers and writers together: questions during writes, and a second process writing the same index."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from assistant.library import Library
from assistant.locks import ReadWriteLock
from tests.conftest import SEED_DOC, copy_index, make_settings

MEMO = "Parking\n\nThe staff car park opens at seven in the morning and closes at nine at night.\n"
QUESTION = "When does the staff car park open?"


def test_a_write_waits_for_readers_and_readers_wait_for_it() -> None:
    lock, order = ReadWriteLock(), []
    reading = threading.Event()

    def writer() -> None:
        reading.wait()
        with lock.write():
            order.append("write")

    thread = threading.Thread(target=writer)
    thread.start()
    with lock.read():
        reading.set()
        with lock.read():  # a question that searches: a read inside a read
            thread.join(timeout=0.5)
            order.append("read")
    thread.join(timeout=10)
    assert order == ["read", "write"]
    with lock.write(), lock.write(), lock.read():  # the writer may read and write again inside its write
        order.append("nested")
    assert order[-1] == "nested"


def test_questions_asked_while_documents_come_and_go_never_fail(seed_index: Path, tmp_path: Path) -> None:
    library = Library(make_settings(copy_index(seed_index, tmp_path / "index")))
    memo = tmp_path / "parking.txt"
    memo.write_text(MEMO)
    errors: list[BaseException] = []
    cited: set[str] = set()
    done = threading.Event()

    def ask() -> None:
        while not done.is_set():
            try:
                for question in (QUESTION, "What does the plan say about hydrogen fuel cell vehicles?"):
                    cited.update(library.ask(question).cited_docs)
            except BaseException as error:  # noqa: BLE001 - any failure is the finding
                errors.append(error)
                return

    askers = [threading.Thread(target=ask) for _ in range(2)]
    for thread in askers:
        thread.start()
    try:
        for _ in range(2):
            library.ingest([memo])
            library.remove("parking.txt")
    finally:
        done.set()
        for thread in askers:
            thread.join(timeout=60)
    assert not errors, errors
    assert cited <= {SEED_DOC, "parking.txt"} and SEED_DOC in cited


def test_the_page_picks_up_what_a_cli_ingest_wrote_without_a_restart(seed_index: Path, tmp_path: Path) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    page = Library(make_settings(index))  # as the page holds it, open for the whole session
    assert page.ask(QUESTION).refused
    memo = tmp_path / "parking.txt"
    memo.write_text(MEMO)

    def cli(*args: str) -> None:
        subprocess.run([sys.executable, "-m", "assistant.cli", "--index-dir", str(index), *args], check=True,
                       capture_output=True, timeout=600)

    cli("ingest", str(memo))
    answer = page.ask(QUESTION)
    assert "seven in the morning" in answer.text and answer.cited_docs == ["parking.txt"]
    cli("remove", "parking.txt")
    assert "parking.txt" not in page.documents()
    assert "parking.txt" not in page.ask(QUESTION).cited_docs
    # And a write from the page after the CLI's starts from the CLI's state, not from the page's old one.
    page.ingest([memo])
    assert sorted(Library(make_settings(index)).documents()) == sorted([SEED_DOC, "parking.txt"])
