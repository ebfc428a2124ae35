"""An action that fails for a reason nobody planned for shows a short message with a reference on the page; the
traceback goes to the server log under the same reference."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from assistant.library import Library
from tests.conftest import make_settings
from tests.test_app import LEAVE, LEAVE_TEXT, open_app


def page_text(at) -> str:  # noqa: ANN001 - AppTest
    kinds = ("markdown", "caption", "error", "warning", "success", "info", "exception", "code", "text")
    return "\n".join(str(getattr(element, "value", "")) for kind in kinds for element in at.get(kind))


def test_a_failing_delete_shows_a_reference_and_logs_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    uploads = index / "uploads"  # as if uploaded through the page: deleting it also deletes this copy
    uploads.mkdir(parents=True)
    (uploads / LEAVE).write_text(LEAVE_TEXT)
    Library(make_settings(index)).ingest([uploads / LEAVE])
    at = open_app(index, monkeypatch)
    # A real fault: a folder where the uploaded copy was, so deleting that copy raises IsADirectoryError.
    (uploads / LEAVE).unlink()
    (uploads / LEAVE).mkdir()
    (uploads / LEAVE / "kept").write_text("x")

    with caplog.at_level(logging.ERROR, logger="assistant.page"):
        at.sidebar.button(key=f"delete-{LEAVE}").click().run()

    assert not at.exception
    [error] = at.sidebar.error
    reference = re.search(r"reference ([0-9a-f]{8})", error.value).group(1)
    assert error.value.startswith("Something went wrong while deleting leave")
    shown = page_text(at)
    assert "Traceback" not in shown and str(tmp_path) not in shown and "IsADirectoryError" not in shown
    [record] = [r for r in caplog.records if reference in r.getMessage()]
    assert record.exc_info and isinstance(record.exc_info[1], IsADirectoryError)


def test_a_failing_upload_shows_a_reference_and_indexes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    index = tmp_path / "index"
    Library(make_settings(index)).add_texts([LEAVE_TEXT], [{"doc": LEAVE}])
    (index / "uploads").write_text("a file where the uploads folder should be")  # a real fault: mkdir fails
    at = open_app(index, monkeypatch)

    with caplog.at_level(logging.ERROR, logger="assistant.page"):
        at.sidebar.file_uploader[0].set_value(("rules.txt", b"Travel rules.\n\nBook economy.", "text/plain")).run()

    assert not at.exception
    [error] = at.sidebar.error
    assert error.value.startswith("Something went wrong while adding rules")
    reference = re.search(r"reference ([0-9a-f]{8})", error.value).group(1)
    assert "Traceback" not in page_text(at) and str(tmp_path) not in page_text(at)
    assert any(reference in r.getMessage() and r.exc_info for r in caplog.records)
    assert set(Library(make_settings(index)).documents()) == {LEAVE}
