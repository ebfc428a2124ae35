"""The document library's page actions: upload (save under <index_dir>/uploads/, then ingest), re-index, delete.

A bad upload changes nothing: the file it would have replaced is put back and the index is untouched.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.documents import SUPPORTED_SUFFIXES
from assistant.errors import AssistantError

UPLOAD_TYPES = sorted({suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES})
Progress = Callable[[float, str], None]


@dataclass
class ActionResult:
    ok: bool
    message: str


def uploads_dir(library) -> Path:  # noqa: ANN001 - Library
    return Path(library.settings.index_dir) / "uploads"


def safe_name(name: str) -> str:
    """The file name alone (no folders, no leading dots), so an upload cannot write outside uploads/."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f/]", "", base).lstrip(". ")
    return base or "upload"


def _no_progress(fraction: float, text: str) -> None:
    pass


def ingest_upload(library, name: str, data: bytes, progress: Progress = _no_progress) -> ActionResult:  # noqa: ANN001
    """Save an uploaded file and index it; on a bad file restore what was there and say what is wrong."""
    name = safe_name(name)
    limit = min(library.settings.max_upload_mb, library.settings.max_file_mb)  # ingest refuses past max_file_mb
    if len(data) > limit * 1024 * 1024:
        return ActionResult(False, f"{name}: larger than the {limit} MB upload limit")
    if Path(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        return ActionResult(False, f"{name}: unsupported file type (use {', '.join(UPLOAD_TYPES)})")
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
    return ActionResult(True, f"Indexed {name}: {report.summary()}")


def _restore(target: Path, backup: Path) -> None:
    if backup.exists():
        backup.replace(target)
    else:
        target.unlink(missing_ok=True)


def reindex(library, name: str) -> ActionResult:  # noqa: ANN001 - Library
    """Ingest the document's source file again: changed content is re-chunked, unchanged content is skipped."""
    info = library.documents().get(name)
    if info is None:
        return ActionResult(False, f"{name} is not in the library")
    source = Path(info["source"])
    if not source.is_file():  # the page names documents, never server paths
        return ActionResult(False, f"{name}: its source file is gone; upload it again")
    report = library.ingest([source])
    if report.failed:
        return ActionResult(False, "; ".join(f"{name}: {e.problem}" for e in report.failed))
    if report.skipped:
        return ActionResult(True, f"{name} is up to date (its file has not changed).")
    return ActionResult(True, f"Re-indexed {name}: {report.summary()}")


def delete(library, name: str) -> ActionResult:  # noqa: ANN001 - Library
    """Remove the document from the index, and its uploaded copy (files elsewhere are the user's own)."""
    info = library.documents().get(name)
    if info is None:
        return ActionResult(False, f"{name} is not in the library")
    removed = library.remove(name)
    source = Path(info["source"])
    if source.parent.resolve() == uploads_dir(library).resolve():
        source.unlink(missing_ok=True)
    return ActionResult(True, f"Deleted {name} ({removed} passages).")
