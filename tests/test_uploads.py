"""The library panel's actions: upload (saved under uploads/, then indexed), re-index and delete."""

from __future__ import annotations

import io
from pathlib import Path

import docx

from assistant.audit import AuditLog
from assistant.library import Library
from assistant.page.uploads import conflict_text, delete, ingest_upload, reindex, safe_name, uploads_dir
from assistant.users import EDITOR as EDITOR_ROLE
from assistant.users import READER, User
from tests.conftest import SEED_DOC

EDITOR = User("eve", EDITOR_ROLE)

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
    result = ingest_upload(seed_copy, EDITOR, "commuting.docx", make_docx([BICYCLE]), lambda f, _: steps.append(f))
    assert result.ok and "Indexed commuting.docx" in result.message
    assert steps[-1] == 1.0
    assert (uploads_dir(seed_copy) / "commuting.docx").exists()
    answer = seed_copy.ask("How much is the bicycle allowance?")
    assert answer.sources[0].hit.doc == "commuting.docx" and "forty euros" in answer.text


def test_bad_upload_says_why_and_changes_nothing(seed_copy: Library) -> None:
    before = dict(seed_copy.documents())
    result = ingest_upload(seed_copy, EDITOR, "broken.pdf", b"%PDF-1.4 this is not really a pdf")
    assert not result.ok and result.message.startswith("broken.pdf")
    assert seed_copy.documents().keys() == before.keys()
    assert not (uploads_dir(seed_copy) / "broken.pdf").exists()


def test_bad_replacement_keeps_the_previous_file_and_index(seed_copy: Library) -> None:
    assert ingest_upload(seed_copy, EDITOR, "commuting.docx", make_docx([BICYCLE])).ok
    saved = (uploads_dir(seed_copy) / "commuting.docx").read_bytes()
    result = ingest_upload(seed_copy, EDITOR, "commuting.docx", b"not a docx at all", on_existing="replace")
    assert not result.ok
    assert (uploads_dir(seed_copy) / "commuting.docx").read_bytes() == saved
    assert "forty euros" in seed_copy.ask("How much is the bicycle allowance?").text


def test_oversized_and_unsupported_uploads_are_refused(seed_copy: Library) -> None:
    limit = seed_copy.settings.max_upload_mb
    big = ingest_upload(seed_copy, EDITOR, "big.txt", b"x" * (limit * 1024 * 1024 + 1))
    assert not big.ok and f"{limit} MB" in big.message
    exe = ingest_upload(seed_copy, EDITOR, "tool.exe", b"MZ")
    assert not exe.ok and "unsupported" in exe.message
    assert set(seed_copy.documents()) == {SEED_DOC}


def test_upload_names_cannot_leave_the_uploads_folder(seed_copy: Library) -> None:
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("..\\..\\evil.md") == "evil.md"
    assert safe_name(".hidden.txt") == "hidden.txt"
    text = b"Outside\n\nThe outside file talks about gardens and trees."
    result = ingest_upload(seed_copy, EDITOR, "../outside.txt", text)
    assert result.ok and (uploads_dir(seed_copy) / "outside.txt").exists()
    assert not (Path(seed_copy.settings.index_dir) / "outside.txt").exists()


def test_reindex_and_delete(seed_copy: Library) -> None:
    assert ingest_upload(seed_copy, EDITOR, "commuting.docx", make_docx([BICYCLE])).ok
    same = reindex(seed_copy, EDITOR, "commuting.docx")
    assert same.ok and "up to date" in same.message
    (uploads_dir(seed_copy) / "commuting.docx").write_bytes(make_docx(["Cyclists receive sixty euros a month."]))
    changed = reindex(seed_copy, EDITOR, "commuting.docx")
    assert changed.ok and "Re-indexed" in changed.message
    assert "sixty euros" in seed_copy.ask("How much do cyclists receive?").text
    assert [e.action for e in AuditLog(seed_copy.settings.index_dir).all()] == ["upload", "reindex"]  # not "same"
    gone = delete(seed_copy, EDITOR, "commuting.docx")
    assert gone.ok and "commuting.docx" not in seed_copy.documents()
    assert not (uploads_dir(seed_copy) / "commuting.docx").exists()
    assert SEED_DOC in seed_copy.documents()
    assert not delete(seed_copy, EDITOR, "commuting.docx").ok


def test_a_reader_is_refused_every_action_by_the_action_itself(seed_copy: Library) -> None:
    reader = User("rita", READER)
    upload = ingest_upload(seed_copy, reader, "commuting.docx", make_docx([BICYCLE]))
    assert not upload.ok and "rita is a reader" in upload.message
    assert not reindex(seed_copy, reader, SEED_DOC).ok
    assert not delete(seed_copy, None, SEED_DOC).ok  # signed out
    assert not delete(seed_copy, reader, SEED_DOC).ok
    assert set(seed_copy.documents()) == {SEED_DOC}
    assert not (uploads_dir(seed_copy) / "commuting.docx").exists()
    assert AuditLog(seed_copy.settings.index_dir).all() == []


def test_same_name_upload_asks_then_keeps_both_or_replaces_and_is_audited(seed_copy: Library) -> None:
    first, second = make_docx([BICYCLE]), make_docx(["Cyclists receive sixty euros a month."])
    assert ingest_upload(seed_copy, EDITOR, "commuting.docx", first).ok
    asked = ingest_upload(seed_copy, EDITOR, "commuting.docx", second)
    assert not asked.ok and asked.conflict is not None
    assert (asked.conflict.existing_bytes, asked.conflict.new_bytes) == (len(first), len(second))
    text = conflict_text(asked.conflict)
    assert asked.conflict.existing_at[:16].replace("T", " ") in text and "commuting (2).docx" in text
    assert (uploads_dir(seed_copy) / "commuting.docx").read_bytes() == first  # nothing changed yet
    # The probe's case: a seed ingested from the command line is not silently replaced by an upload either.
    assert ingest_upload(seed_copy, EDITOR, SEED_DOC, b"The plan bans hydrogen fuel cell vehicles.").conflict

    assert ingest_upload(seed_copy, EDITOR, "commuting.docx", second, on_existing="keep_both").ok
    assert {"commuting.docx", "commuting (2).docx"} <= set(seed_copy.documents())
    assert ingest_upload(seed_copy, EDITOR, "commuting.docx", second, on_existing="replace").ok
    assert "sixty euros" in seed_copy.ask("How much do cyclists receive?").text
    assert delete(seed_copy, EDITOR, "commuting (2).docx").ok

    trail = AuditLog(seed_copy.settings.index_dir).all()
    assert [(e.actor, e.action, e.document) for e in trail] == [
        ("eve", "upload", "commuting.docx"), ("eve", "upload", "commuting (2).docx"),
        ("eve", "replace", "commuting.docx"), ("eve", "delete", "commuting (2).docx")]
    assert trail[0].content_hash != trail[2].content_hash and trail[1].content_hash == trail[2].content_hash
    assert all(len(e.content_hash) >= 32 for e in trail)
