"""The audit trail: who uploaded, replaced, re-indexed, ingested or deleted which document, when, with which content.

An append-only SQLite table beside the index: triggers refuse UPDATE and DELETE, so a row once written stays as it
was (someone with the file itself can still delete it; this keeps the program from doing so by mistake).
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.sqlite_files import connect

FILE_NAME = "audit.sqlite3"
ACTIONS = ("upload", "replace", "reindex", "delete", "ingest", "remove")
_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        timestamp TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        document TEXT NOT NULL,
        content_hash TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END""",
]


def _create(connection: sqlite3.Connection) -> None:
    for statement in _SCHEMA:
        connection.execute(statement)


@dataclass
class AuditEntry:
    timestamp: str
    actor: str
    action: str
    document: str
    content_hash: str = ""
    detail: str = ""
    id: int | None = None


class AuditLog:
    """A connection per call: Streamlit runs each session's script on its own thread."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / FILE_NAME

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect(self.path, _create)

    def record(self, actor: str, action: str, document: str, content_hash: str = "", detail: str = "") -> None:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, not {action!r}")
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as connection:
            connection.execute(
                "INSERT INTO audit (timestamp, actor, action, document, content_hash, detail) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (stamp, actor, action, document, content_hash, detail))

    def all(self) -> list[AuditEntry]:
        if not self.path.exists():
            return []
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT timestamp, actor, action, document, content_hash, detail, id FROM audit ORDER BY id").fetchall()
        return [AuditEntry(*row) for row in rows]


def line(entry: AuditEntry) -> str:
    """One entry as a line of `assistant audit`; the hash shortened to 12 hex digits, enough to tell versions apart."""
    digest = entry.content_hash[:12] or "-"
    detail = f"  ({entry.detail})" if entry.detail else ""
    return f"{entry.timestamp}  {entry.actor}  {entry.action}  {entry.document}  {digest}{detail}"
