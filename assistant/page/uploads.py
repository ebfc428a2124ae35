"""The document library's page actions: upload (save under <index_dir>/uploads/, then ingest), re-index, delete.

Each action checks the user's role itself (the page also hides the controls from readers, but a hidden button is
not a permission) and writes what it changed to the audit trail. A bad upload changes nothing: the file it would
have replaced is put back and the index is untouched. An upload under an existing document's name replaces it only
when the editor said so; otherwise it is refused with what both are, or kept under a distinct name.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from assistant.audit import AuditLog
from assistant.documents import SUPPORTED_SUFFIXES
from assistant.errors import AssistantError
from assistant.page.access import editor_refusal
from assistant.users import User

UPLOAD_TYPES = sorted({suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES})
Progress = Callable[[float, str], None]


@dataclass
class Conflict:
    """An upload under the name of a document already in the library: what the editor is asked to choose between."""

    name: str
    existing_at: str  # when the existing document was indexed (UTC, ISO)
    existing_bytes: int | None  # its file's size; None when its source file is gone
    new_at: str
    new_bytes: int
    distinct_name: str  # the name "keep both" gives the new file


@dataclass
class ActionResult:
    ok: bool
    message: str
    conflict: Conflict | None = None


OnExisting = Literal["ask", "replace", "keep_both"]


def uploads_dir(library) -> Path:  # noqa: ANN001 - Library
    return Path(library.settings.index_dir) / "uploads"


def safe_name(name: str) -> str:
    """The file name alone (no folders, no leading dots), so an upload cannot write outside uploads/."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f/]", "", base).lstrip(". ")
    return base or "upload"


def _no_progress(fraction: float, text: str) -> None:
    pass


def distinct_name(library, name: str) -> str:  # noqa: ANN001 - Library
    """``name`` with " (2)", " (3)"… before its suffix: the first that no document and no uploaded file has."""
    path = Path(name)
    taken = set(library.documents())
    n = 2
    while (candidate := f"{path.stem} ({n}){path.suffix}") in taken or (uploads_dir(library) / candidate).exists():
        n += 1
    return candidate


def _conflict(library, name: str, size: int) -> Conflict | None:  # noqa: ANN001 - Library
    info = library.documents().get(name)
    if info is None:
        return None
    source = Path(info["source"])
    return Conflict(name, info["ingested_at"], source.stat().st_size if source.is_file() else None,
                    datetime.now(UTC).isoformat(timespec="seconds"), size, distinct_name(library, name))


def _size(n: int | None) -> str:
    if n is None:
        return "its file is gone"
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def conflict_text(conflict: Conflict) -> str:
    """What the editor is asked, with both dates and sizes (plain text: the page escapes it)."""
    def when(stamp: str) -> str:
        return stamp[:16].replace("T", " ") + " UTC"

    return (f"{conflict.name} is already in the library (indexed {when(conflict.existing_at)}, "
            f"{_size(conflict.existing_bytes)}). The new file was uploaded {when(conflict.new_at)}, "
            f"{_size(conflict.new_bytes)}. Replace the document with it, or keep both (the new one as "
            f"{conflict.distinct_name})?")


def ingest_upload(library, user: User | None, name: str, data: bytes, progress: Progress = _no_progress,  # noqa: ANN001
                  on_existing: OnExisting = "ask") -> ActionResult:
    """Save an uploaded file and index it; on a bad file restore what was there and say what is wrong.

    Under an existing document's name: ``ask`` returns a result with a Conflict and changes nothing; ``replace``
    replaces that document; ``keep_both`` indexes the new file under a distinct name.
    """
    refusal = editor_refusal(user, "upload documents")
    if refusal:
        return ActionResult(False, refusal)
    name = safe_name(name)
    limit = min(library.settings.max_upload_mb, library.settings.max_file_mb)  # ingest refuses past max_file_mb
    if len(data) > limit * 1024 * 1024:
        return ActionResult(False, f"{name}: larger than the {limit} MB upload limit")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        return ActionResult(False, f"{name}: unsupported file type (use {', '.join(UPLOAD_TYPES)})")
    conflict = _conflict(library, name, len(data))
    if conflict and on_existing == "ask":
        return ActionResult(False, f"{name} is already in the library: replace it or keep both.", conflict)
    if conflict and on_existing == "keep_both":
        name, conflict = conflict.distinct_name, None
    folder = uploads_dir(library)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    backup = target.with_name(f".{name}.previous")
    if target.exists():
        shutil.copy2(target, backup)
    progress(0.2, f"Saved {name}; reading and indexing…")
    target.write_bytes(data)
    try:
        report = library.ingest([target])
    except AssistantError as error:  # e.g. the embedder does not match the index
        report = None
        failure = str(error)
    else:
        failure = "; ".join(str(e) for e in report.failed)
    if report is None or report.failed:
        _restore(target, backup)
        return ActionResult(False, failure.replace(str(folder) + "/", ""))
    backup.unlink(missing_ok=True)
    progress(1.0, f"Indexed {name}")
    if report.skipped:
        return ActionResult(True, f"{name} is already indexed with the same content.")
    _audit(library, user, "replace" if conflict else "upload", name)
    return ActionResult(True, f"{'Replaced' if conflict else 'Indexed'} {name}: {report.summary()}")


def _audit(library, user: User, action: str, name: str, content_hash: str | None = None,  # noqa: ANN001
           detail: str = "") -> None:
    if content_hash is None:
        content_hash = library.documents().get(name, {}).get("content_hash", "")
    AuditLog(library.settings.index_dir).record(user.name, action, name, content_hash, detail)


def _restore(target: Path, backup: Path) -> None:
    if backup.exists():
        backup.replace(target)
    else:
        target.unlink(missing_ok=True)


def _listed(library, user: User | None, name: str, action: str) -> dict | ActionResult:  # noqa: ANN001 - Library
    """The document's record when this user may ``action`` and it is in the library, else the refusal."""
    refusal = editor_refusal(user, action)
    if refusal:
        return ActionResult(False, refusal)
    info = library.documents().get(name)
    return ActionResult(False, f"{name} is not in the library") if info is None else info


def reindex(library, user: User | None, name: str) -> ActionResult:  # noqa: ANN001 - Library
    """Ingest the document's source file again: changed content is re-chunked, unchanged content is skipped."""
    info = _listed(library, user, name, "re-index documents")
    if isinstance(info, ActionResult):
        return info
    source = Path(info["source"])
    if not source.is_file():  # the page names documents, never server paths
        return ActionResult(False, f"{name}: its source file is gone; upload it again")
    report = library.ingest([source])
    if report.failed:
        return ActionResult(False, "; ".join(f"{name}: {e.problem}" for e in report.failed))
    if report.skipped:
        return ActionResult(True, f"{name} is up to date (its file has not changed).")
    _audit(library, user, "reindex", name)
    return ActionResult(True, f"Re-indexed {name}: {report.summary()}")


def delete(library, user: User | None, name: str) -> ActionResult:  # noqa: ANN001 - Library
    """Remove the document from the index, and its uploaded copy (files elsewhere are the user's own)."""
    info = _listed(library, user, name, "delete documents")
    if isinstance(info, ActionResult):
        return info
    removed = library.remove(name)
    source = Path(info["source"])
    if source.parent.resolve() == uploads_dir(library).resolve():
        source.unlink(missing_ok=True)
    _audit(library, user, "delete", name, info.get("content_hash", ""), f"{removed} passages")
    return ActionResult(True, f"Deleted {name} ({removed} passages).")
