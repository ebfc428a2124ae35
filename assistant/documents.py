"""Read one file of a supported format into a LangChain ``Document`` of clean text plus metadata.

Which files are read (folders expanded, names made unique), and how: only regular files, at most ``max_file_mb``,
parsed by ``assistant.readers`` in the worker process of ``assistant.isolation`` under a time limit.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from langchain_core.documents import Document

from assistant.cleaning import clean_text  # noqa: F401 - part of this module's interface
from assistant.errors import BadDocument
from assistant.isolation import WORKER
from assistant.readers import MB, Limits

SUPPORTED_SUFFIXES: dict[str, str] = {
    ".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx",
}  # fmt: skip
_SUPPORTED_LIST = ".txt, .md, .html, .pdf, .docx"

# ---------------------------------------------------------------- files


def iter_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Files to ingest with the name each is known by: folders expanded recursively (supported, non-hidden files),
    explicit files kept as given (even unsupported or missing, so load_document can say what is wrong with them).

    A file's name is its path relative to the folder it was found in ("2024/plan.txt"), or its file name when given
    on its own; two files that would share a name (two folders each with a "plan.txt") are told apart with as much
    of their own path as it takes (see ``unique_names``).
    """
    found: dict[Path, str] = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            found.setdefault(path, path.name)
            continue
        for child in path.rglob("*"):
            parts = child.relative_to(path).parts
            # "~$x.docx" are Office lock files, not documents.
            if any(p.startswith((".", "~$")) for p in parts) or not child.is_file():
                continue
            if child.suffix.lower() in SUPPORTED_SUFFIXES:
                found.setdefault(child, "/".join(parts))
    return unique_names(sorted(found.items()))


def unique_names(files: list[tuple[Path, str]]) -> list[tuple[Path, str]]:
    """The same files, each name unique among them: a clash within one batch (two folders given, each with a
    "plan.txt") gets the file's parent folders put before it, one at a time, until it is unique ("b/plan.txt").

    Names are not made unique against the index: a file ingested again under the same name is the same document
    (changed: replaced; unchanged: skipped), also from a moved or copied folder. Made unique against the sources
    in the index, a corpus read from a new clone or a moved folder was indexed a second time beside the first.
    """
    taken: set[str] = set()
    out: list[tuple[Path, str]] = []
    for path, name in files:
        parents = path.resolve().parent.parts[::-1]
        depth = 0
        while name in taken and depth < len(parents):
            name = f"{parents[depth]}/{name}"
            depth += 1
        taken.add(name)
        out.append((path, name))
    return out


def read_file(path: Path, limits: Limits | None = None) -> bytes:
    """The bytes of a regular file of at most ``limits.max_file_mb``; anything else raises BadDocument unread.

    A FIFO or a device (/dev/zero) would block or never end: the type is checked with stat before opening, and
    again on the opened descriptor (opened non-blocking, so a FIFO swapped in between cannot hang the open).
    """
    limits = limits or Limits()
    limit = limits.max_file_mb * MB
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise BadDocument(path, "is not a regular file (a folder, pipe, device or socket); not read")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise BadDocument(path, f"does not exist or cannot be read ({exc.strerror or exc})") from exc
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise BadDocument(path, "is not a regular file (a folder, pipe, device or socket); not read")
        if info.st_size > limit:
            raise BadDocument(path, f"is {info.st_size / MB:,.0f} MB, more than the limit of "
                                    f"{limits.max_file_mb} MB (ASSISTANT_MAX_FILE_MB)")
        try:
            data = handle.read(limit + 1)  # bounded even if the file grows after the check
        except OSError as exc:
            raise BadDocument(path, f"cannot be read ({exc.strerror or exc})") from exc
    if len(data) > limit:
        raise BadDocument(path, f"grew past the limit of {limits.max_file_mb} MB while being read")
    return data


def file_hash(path: Path, limits: Limits | None = None) -> str:
    """sha256 of the raw bytes, so unchanged files can be skipped before any parsing.

    A missing, unreadable, over-limit or non-regular file raises BadDocument, so a batch that hashes first goes on.
    """
    return hashlib.sha256(read_file(path, limits)).hexdigest()


def load_document(
    path: Path, name: str | None = None, limits: Limits | None = None, data: bytes | None = None
) -> Document:
    """Read one file into a Document named ``name`` (default: its file name); any problem raises BadDocument with a
    plain-words reason. ``data``: the file's bytes when the caller has already read them with ``read_file``."""
    path = Path(path)
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        suffix = path.suffix or "(no suffix)"
        raise BadDocument(path, f"unsupported file type '{suffix}' (supported: {_SUPPORTED_LIST})")
    limits = limits or Limits()
    if data is None:
        data = read_file(path, limits)
    if not data.strip():
        raise BadDocument(path, "is empty")
    text, title, extra = WORKER.read(kind, path, data, limits)
    if not text.strip():
        raise BadDocument(path, "is empty")
    metadata = {
        "doc": name or path.name,
        "source": str(path.resolve()),
        "title": title or path.stem,
        "type": kind,
        "content_hash": hashlib.sha256(data).hexdigest(),  # as file_hash(path), from the bytes read
        "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }
    return Document(page_content=text, metadata=metadata)
