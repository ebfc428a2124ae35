"""Thumbs up/down with an optional comment on each answer, kept in SQLite next to the index.

One row per answer: changing the rating or adding a comment updates it rather than piling up votes.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.settings import Settings

FILE_NAME = "feedback.sqlite3"
FIELDS = ["id", "timestamp", "question", "searched", "answer", "cited_docs", "rating", "comment"]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp TEXT NOT NULL,
    question TEXT NOT NULL,
    searched TEXT NOT NULL,
    answer TEXT NOT NULL,
    cited_docs TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT NOT NULL DEFAULT ''
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


def rating_name(thumbs: int) -> str:
    """st.feedback("thumbs") gives 1 for up, 0 for down."""
    return "up" if thumbs == 1 else "down"


class FeedbackStore:
    """A connection per call: Streamlit runs each session's script on its own thread."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / FILE_NAME

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path)
        connection.execute(_SCHEMA)
        return connection

    def save(self, record: FeedbackRecord) -> int:
        """Insert the record, or update it when it has an id; returns the id."""
        if record.rating not in ("up", "down"):
            raise ValueError(f"rating must be 'up' or 'down', not {record.rating!r}")
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        values = (stamp, record.question, record.searched, record.answer, json.dumps(record.cited_docs),
                  record.rating, record.comment)
        with self._connect() as connection:
            if record.id is not None:
                connection.execute(
                    "UPDATE feedback SET timestamp=?, question=?, searched=?, answer=?, cited_docs=?, rating=?, "
                    "comment=? WHERE id=?", (*values, record.id))
                return record.id
            cursor = connection.execute(
                "INSERT INTO feedback (timestamp, question, searched, answer, cited_docs, rating, comment) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", values)
            return int(cursor.lastrowid)

    def all(self) -> list[FeedbackRecord]:
        if not self.path.exists():
            return []
        with self._connect() as connection:
            rows = connection.execute(
                "SELECT id, timestamp, question, searched, answer, cited_docs, rating, comment FROM feedback "
                "ORDER BY id").fetchall()
        return [FeedbackRecord(q, s, a, json.loads(d), r, c, t, i) for i, t, q, s, a, d, r, c in rows]


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


def print_records(records: list[FeedbackRecord]) -> None:
    if not records:
        print("No feedback yet.")
    for r in records:
        print(f"#{r.id} {r.timestamp} [{r.rating}] {r.question}")
        if r.searched != r.question:
            print(f"    searched: {r.searched}")
        print(f"    answer: {' '.join(r.answer.split())[:200]}")
        print(f"    cited: {', '.join(r.cited_docs) or '-'}")
        if r.comment:
            print(f"    comment: {r.comment}")


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    records = FeedbackStore(settings.index_dir).all()
    if not args.export:
        print_records(records)
        return 0
    try:
        export(records, args.export)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Exported {len(records)} feedback record(s) to {args.export}")
    return 0


def add_feedback_parser(sub: argparse._SubParsersAction) -> None:
    """Register `assistant feedback [--export FILE.csv|.jsonl]` on the CLI's subparsers."""
    p = sub.add_parser("feedback", help="print the answers' feedback, or export it to CSV / JSON Lines")
    p.add_argument("--export", type=Path, metavar="FILE", help="write to FILE.csv or FILE.jsonl instead of printing")
    p.set_defaults(func=cmd_feedback)
