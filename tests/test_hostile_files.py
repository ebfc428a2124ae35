"""The probe files of issue 11 through `assistant ingest`, in-process: each bad one gets one line naming it, the
exit is non-zero, and the rest of its batch is indexed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant import cli
from assistant.documents import load_document
from assistant.library import Library
from benchmarks.hostile import deep_html, docx_bomb
from tests.conftest import make_settings

GOOD = "leave.txt"
GOOD_TEXT = "Leave policy\n\nEmployees accrue two days of annual leave per month of service.\n"
MB = 1024 * 1024


def ingest(index: Path, paths: list[Path | str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Exit code and the error lines of one `assistant ingest` run."""
    code = cli.main(["--index-dir", str(index), "ingest", *map(str, paths)])
    err = capsys.readouterr().err
    return code, [line for line in err.replace("\r", "\n").splitlines() if line.startswith("error:")]


def only_line(lines: list[str], name: str) -> str:
    mine = [line for line in lines if name in line]
    assert len(mine) == 1, lines
    return mine[0]


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good" / GOOD
    path.parent.mkdir()
    path.write_text(GOOD_TEXT)
    return path


def test_each_probe_file_is_one_line_and_the_batch_goes_on(
    tmp_path: Path, good: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_MAX_EXPANDED_MB", "5")  # the test's bomb unpacks to 10 MB: cheap to make
    probes = tmp_path / "probes"
    probes.mkdir()
    (probes / "odd.txt").write_bytes(b"\xff\xfe" + "Leave policy".encode("utf-16-le") + b"x")
    (probes / "surrogate.txt").write_bytes(b"\xff\xfe" + "Leave".encode("utf-16-le") + b"\x00\xd8a\x00")
    deep_html(probes / "deep.html", 20_000)
    docx_bomb(probes / "bomb.docx", 10)
    os.mkfifo(probes / "pipe.txt")
    huge = probes / "huge.txt"
    with open(huge, "wb") as handle:
        handle.truncate(200 * MB)  # sparse: 200 MB long, nothing written, and it must not be read
    utf32 = probes / "utf32.txt"
    utf32.write_bytes(("\ufeff" + GOOD_TEXT.replace("Leave", "Parental leave")).encode("utf-32-le"))
    index = tmp_path / "index"

    code, lines = ingest(index, [*sorted(probes.iterdir()), "/dev/zero", good], capsys)

    assert code == 1
    assert "not valid UTF-16 text (an odd number of bytes" in only_line(lines, "odd.txt")
    assert "not valid UTF-16 text (illegal UTF-16 surrogate" in only_line(lines, "surrogate.txt")
    assert "more than 2,048 levels deep" in only_line(lines, "deep.html")
    assert "would unpack to 11 MB, more than the limit of 5 MB" in only_line(lines, "bomb.docx")
    assert "is not a regular file" in only_line(lines, "pipe.txt")
    assert "is not a regular file" in only_line(lines, "/dev/zero")
    assert "is 200 MB, more than the limit of 50 MB" in only_line(lines, "huge.txt")
    assert len(lines) == 7  # one each, nothing else, no traceback
    library = Library(make_settings(index))
    assert set(library.documents()) == {GOOD, "utf32.txt"}
    text = library.document_text("utf32.txt")
    assert text.startswith("Parental leave policy") and "\x00" not in text


def test_a_reader_past_the_time_limit_is_stopped_and_the_next_file_is_read(
    tmp_path: Path, good: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20 MB of DOCX XML took 44 s to read here; 1 s is far below that on any machine.
    monkeypatch.setenv("ASSISTANT_READ_TIMEOUT_S", "1")
    slow = docx_bomb(tmp_path / "slow.docx", 20)
    index = tmp_path / "index"
    code, lines = ingest(index, [slow, good], capsys)
    assert code == 1
    assert "took longer than 1 s to read and was stopped" in only_line(lines, "slow.docx")
    assert set(Library(make_settings(index)).documents()) == {GOOD}


def test_pdf_over_the_page_limit_is_refused(tmp_path: Path) -> None:
    from assistant.readers import Limits
    from tests.test_documents import make_pdf

    pdf = make_pdf(tmp_path / "long.pdf", [["Page one."], ["Page two."], ["Page three."]])
    with pytest.raises(Exception, match="has 3 pages, more than the limit of 2") as caught:
        load_document(pdf, limits=Limits(max_pdf_pages=2))
    assert "long.pdf" in str(caught.value)
    assert load_document(pdf, limits=Limits(max_pdf_pages=3)).page_content.startswith("Page one.")


def test_the_readers_default_limits_are_the_settings_defaults() -> None:
    from assistant.readers import Limits
    from assistant.settings import Settings

    assert Limits() == Limits.from_settings(Settings())
