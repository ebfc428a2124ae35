"""The library panel's actions: upload (saved under uploads/, then indexed), re-index and delete."""

from __future__ import annotations

import io
from pathlib import Path

import docx

from assistant.library import Library
from assistant.page.uploads import delete, ingest_upload, reindex, safe_name, uploads_dir
from tests.conftest import SEED_DOC

BICYCLE = "Staff who cycle to work receive a monthly bicycle allowance of forty euros."


def make_docx(paragraphs: list[str], title: str = "Commuting policy") -> bytes:
    document = docx.Document()
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()  # in memory: a test must not write into the source tree
    document.save(buffer)
    return buffer.getvalue()


def test_uploaded_docx_is_saved_indexed_and_cited(seed_copy: Library) -> None:
    steps: list[float] = []
    result = ingest_upload(seed_copy, "commuting.docx", make_docx([BICYCLE]), lambda f, _: steps.append(f))
    assert result.ok and "Indexed commuting.docx" in result.message
    assert steps[-1] == 1.0
    assert (uploads_dir(seed_copy) / "commuting.docx").exists()
    answer = seed_copy.ask("How much is the bicycle allowance?")
    assert answer.sources[0].hit.doc == "commuting.docx" and "forty euros" in answer.text


def test_bad_upload_says_why_and_changes_nothing(seed_copy: Library) -> None:
    before = dict(seed_copy.documents())
    result = ingest_upload(seed_copy, "broken.pdf", b"%PDF-1.4 this is not really a pdf")
    assert not result.ok and result.message.startswith("broken.pdf")
    assert seed_copy.documents().keys() == before.keys()
    assert not (uploads_dir(seed_copy) / "broken.pdf").exists()


def test_bad_replacement_keeps_the_previous_file_and_index(seed_copy: Library) -> None:
    assert ingest_upload(seed_copy, "commuting.docx", make_docx([BICYCLE])).ok
    saved = (uploads_dir(seed_copy) / "commuting.docx").read_bytes()
    result = ingest_upload(seed_copy, "commuting.docx", b"not a docx at all")
    assert not result.ok
    assert (uploads_dir(seed_copy) / "commuting.docx").read_bytes() == saved
    assert "forty euros" in seed_copy.ask("How much is the bicycle allowance?").text


def test_oversized_and_unsupported_uploads_are_refused(seed_copy: Library) -> None:
    limit = seed_copy.settings.max_upload_mb
    big = ingest_upload(seed_copy, "big.txt", b"x" * (limit * 1024 * 1024 + 1))
    assert not big.ok and f"{limit} MB" in big.message
    exe = ingest_upload(seed_copy, "tool.exe", b"MZ")
    assert not exe.ok and "unsupported" in exe.message
    assert set(seed_copy.documents()) == {SEED_DOC}


def test_upload_names_cannot_leave_the_uploads_folder(seed_copy: Library) -> None:
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("..\\..\\evil.md") == "evil.md"
    assert safe_name(".hidden.txt") == "hidden.txt"
    result = ingest_upload(seed_copy, "../outside.txt", b"Outside\n\nThe outside file talks about gardens and trees.")
    assert result.ok and (uploads_dir(seed_copy) / "outside.txt").exists()
    assert not (Path(seed_copy.settings.index_dir) / "outside.txt").exists()


def test_reindex_and_delete(seed_copy: Library) -> None:
    assert ingest_upload(seed_copy, "commuting.docx", make_docx([BICYCLE])).ok
    same = reindex(seed_copy, "commuting.docx")
    assert same.ok and "up to date" in same.message
    (uploads_dir(seed_copy) / "commuting.docx").write_bytes(make_docx(["Cyclists receive sixty euros a month."]))
    changed = reindex(seed_copy, "commuting.docx")
    assert changed.ok and "Re-indexed" in changed.message
    assert "sixty euros" in seed_copy.ask("How much do cyclists receive?").text
    gone = delete(seed_copy, "commuting.docx")
    assert gone.ok and "commuting.docx" not in seed_copy.documents()
    assert not (uploads_dir(seed_copy) / "commuting.docx").exists()
    assert SEED_DOC in seed_copy.documents()
    assert not delete(seed_copy, "commuting.docx").ok
