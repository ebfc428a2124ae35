"""Thumbs up/down with an optional comment on each answer, kept in SQLite next to the index.

One row per answer: changing the rating or adding a comment updates it rather than piling up votes. With sign-in
on, a row also says who gave it (``given_by``; empty without sign-in and in files written before the column).
"""

from __future__ import annotations

import csv
import json
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.sqlite_files import connect

FILE_NAME = "feedback.sqlite3"
FIELDS = ["id", "timestamp", "question", "searched", "answer", "cited_docs", "rating", "comment", "given_by"]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    question TEXT NOT NULL,
    searched TEXT NOT NULL,
    answer TEXT NOT NULL,
    cited_docs TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT '',
    given_by TEXT NOT NULL DEFAULT ''
)
"""


@dataclass
class FeedbackRecord:
    question: str
    searched: str
    answer: str
    cited_docs: list[str]
    rating: str  # "up" or "down"
    comment: str = ""
    timestamp: str = ""
    id: int | None = None
    given_by: str = ""  # the signed-in user's name; empty without sign-in


def rating_name(thumbs: int) -> str:
    """st.feedback("thumbs") gives 1 for up, 0 for down."""
    return "up" if thumbs == 1 else "down"


def _create(connection: sqlite3.Connection) -> None:
    connection.execute(_SCHEMA)
    _add_given_by(connection)


class FeedbackStore:
    """A connection per call: Streamlit runs each session's script on its own thread."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / FILE_NAME

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect(self.path, _create)

    def save(self, record: FeedbackRecord) -> int:
        """Insert the record, or update it when it has an id; returns the id."""
        if record.rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {record.rating!r}")
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        values = (stamp, record.question, record.searched, record.answer, json.dumps(record.cited_docs),
                  record.rating, record.comment, record.given_by)
        with self._connect() as connection:
            if record.id is not None:
                connection.execute(
                    "UPDATE feedback SET timestamp=?, question=?, searched=?, answer=?, cited_docs=?, rating=?, "
                    "comment=?, given_by=? WHERE id=?", (*values, record.id))
                return record.id
            cursor = connection.execute(
                "INSERT INTO feedback (timestamp, question, searched, answer, cited_docs, rating, comment, given_by) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
            return int(cursor.lastrowid)

    def all(self) -> list[FeedbackRecord]:
        if not self.path.exists():
            return []
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT id, timestamp, question, searched, answer, cited_docs, rating, comment, given_by FROM feedback "
                "ORDER BY id").fetchall()
        return [FeedbackRecord(q, s, a, json.loads(d), r, c, t, i, g) for i, t, q, s, a, d, r, c, g in rows]


def _add_given_by(connection: sqlite3.Connection) -> None:
    """Feedback files from before sign-in lack the column: add it (empty for their rows) so they keep working."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(feedback)")}
    if "given_by" not in columns:
        connection.execute("ALTER TABLE feedback ADD COLUMN given_by TEXT NOT NULL DEFAULT ''")


def export(records: list[FeedbackRecord], path: Path) -> None:
    """Write the records as CSV (cited docs joined by "; ") or JSON Lines, chosen by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        with open(path, "w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps({k: asdict(record)[k] for k in FIELDS}, ensure_ascii=False) + "\n")
    elif suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=FIELDS)
            writer.writeheader()
            for record in records:
                row = {k: asdict(record)[k] for k in FIELDS}
                writer.writerow({**row, "cited_docs": "; ".join(record.cited_docs)})
    else:
        raise ValueError(f"{path}: export to .csv or .jsonl")
