"""Feedback is kept in SQLite next to the index and printed or exported by `assistant feedback`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.page.feedback import FeedbackRecord, FeedbackStore, rating_name
from assistant.settings import Settings
from tests.conftest import make_settings


def record(**changes: object) -> FeedbackRecord:
    base = {"question": "And what about hydrogen?", "searched": "What does the plan say about hydrogen?",
            "answer": "Promote hydrogen fuel cell vehicles. [1]", "cited_docs": ["plan.txt"], "rating": "up"}
    return FeedbackRecord(**{**base, **changes})


def run_cli(settings: Settings, *argv: str) -> int:
    return main(["--index-dir", str(settings.index_dir), "feedback", *argv])


def test_feedback_is_stored_beside_the_index(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "index")
    row = store.save(record(comment="right passage"))
    assert (tmp_path / "index" / "feedback.sqlite3").exists()
    [saved] = FeedbackStore(tmp_path / "index").all()  # a fresh store reads what the page wrote
    assert saved.id == row and saved.rating == "up" and saved.comment == "right passage"
    assert saved.searched == "What does the plan say about hydrogen?" and saved.cited_docs == ["plan.txt"]
    assert saved.timestamp.startswith("20")


def test_changing_a_rating_updates_the_same_row(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    row = store.save(record())
    store.save(record(rating="down", comment="wrong section", id=row))
    assert [(r.id, r.rating, r.comment) for r in store.all()] == [(row, "down", "wrong section")]


def test_thumbs_map_to_ratings_and_bad_ratings_are_refused(tmp_path: Path) -> None:
    assert (rating_name(1), rating_name(0)) == ("up", "down")
    with pytest.raises(ValueError):
        FeedbackStore(tmp_path).save(record(rating="meh"))


def test_cli_prints_feedback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = make_settings(tmp_path / "index")
    assert run_cli(settings) == 0
    assert "No feedback yet." in capsys.readouterr().out
    FeedbackStore(settings.index_dir).save(record(rating="down", comment="missed the target"))
    assert run_cli(settings) == 0
    out = capsys.readouterr().out
    assert "[down] And what about hydrogen?" in out and "searched: What does the plan say about hydrogen?" in out
    assert "comment: missed the target" in out


def test_cli_exports_csv_and_jsonl(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "index")
    store = FeedbackStore(settings.index_dir)
    store.save(record(cited_docs=["a.txt", "b.pdf"], comment='says "hi", twice'))
    store.save(record(rating="down"))
    assert run_cli(settings, "--export", str(tmp_path / "fb.csv")) == 0
    rows = list(csv.DictReader((tmp_path / "fb.csv").read_text(encoding="utf-8").splitlines()))
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert rows[0]["cited_docs"] == "a.txt; b.pdf" and rows[0]["comment"] == 'says "hi", twice'
    assert run_cli(settings, "--export", str(tmp_path / "fb.jsonl")) == 0
    lines = [json.loads(line) for line in (tmp_path / "fb.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0]["cited_docs"] == ["a.txt", "b.pdf"] and lines[1]["rating"] == "down"


def test_cli_rejects_an_unknown_export_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(make_settings(tmp_path / "index"), "--export", str(tmp_path / "fb.xlsx")) == 2
    assert ".csv or .jsonl" in capsys.readouterr().err


def test_a_feedback_file_from_before_sign_in_keeps_working(tmp_path: Path) -> None:
    """The old schema had no given_by column: its rows are read (empty given_by) and new rows carry the name."""
    import sqlite3

    path = tmp_path / "feedback.sqlite3"
    connection = sqlite3.connect(path)
    with connection:
        connection.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp TEXT NOT NULL, "
                           "question TEXT NOT NULL, searched TEXT NOT NULL, answer TEXT NOT NULL, cited_docs TEXT "
                           "NOT NULL, rating TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '')")
        connection.execute("INSERT INTO feedback (timestamp, question, searched, answer, cited_docs, rating) "
                           "VALUES ('2026-01-01T00:00:00+00:00', 'old?', 'old?', 'old. [1]', '[]', 'up')")
    connection.close()
    store = FeedbackStore(tmp_path)
    store.save(record(given_by="rita"))
    assert [(r.question, r.given_by) for r in store.all()] == [("old?", ""), ("And what about hydrogen?", "rita")]
