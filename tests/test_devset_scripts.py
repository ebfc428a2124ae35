"""scripts/check_devset.py and scripts/holdout_unanswerable.py on tiny corpora (and the committed dev set when the
shared documents are on the machine)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXEC_ORDERS = ROOT.parent / "shared" / "eval" / "exec-orders" / "docs"


def _script(name: str):  # noqa: ANN202
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_devset = _script("check_devset")
holdout_unanswerable = _script("holdout_unanswerable")

DOCS = {
    "closing.txt": "All departments shall be closed on Tuesday, December 24, 2024, the day before Christmas Day.",
    "wage.txt": "Contractors shall pay workers an hourly minimum wage of at least $15.00 beginning January 30, 2022.",
    "board.txt": "The Board shall report to the President within 30 days of its creation. No member is interested.",
    "copy.txt": "Reprinted: the Board shall report to the President within 30 days of its creation.",
}


def _write(folder: Path, questions: list[dict]) -> Path:
    docs = folder / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    path = folder / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    return path


def test_check_fails_on_copied_evidence_that_is_not_in_the_order_and_on_a_near_miss_the_corpus_answers(tmp_path):
    path = _write(tmp_path, [
        {"id": "ok", "question": "Office open on Christmas Eve?", "answerable": True,
         "evidence": ["closed on Tuesday, December 24, 2024"], "doc_hint": "closing.txt"},
        {"id": "typo", "question": "Contractor wage?", "answerable": True,
         "evidence": ["an hourly minimum wage of at least $16.00"], "doc_hint": "wage.txt"},
        {"id": "twice", "question": "Board deadline?", "answerable": True,
         "evidence": ["report to the President within 30 days of its creation"], "doc_hint": "board.txt"},
        {"id": "leak", "question": "Closed on Christmas Day?", "answerable": False, "evidence": [],
         "absent_terms": ["christmas day"]},
        {"id": "mali", "question": "Sanctions on Mali?", "answerable": False, "evidence": [], "absent_terms": ["Mali"]},
    ])
    problems = check_devset.check(check_devset.load_jsonl(path), check_devset.Corpus(tmp_path / "docs"))
    assert any(p.startswith("typo: evidence not verbatim") for p in problems)
    assert any(p.startswith("twice: evidence also covered by copy.txt") for p in problems)
    assert any(p.startswith("leak: absent term 'christmas day' occurs in closing.txt") for p in problems)
    assert not any(p.startswith(("ok:", "mali:")) for p in problems)  # "Mali" is no word of "minimum"/"malicious"
    assert check_devset.main([str(path), "--docs", str(tmp_path / "docs"), "--min-answerable", "1",
                              "--min-docs", "1", "--min-unanswerable", "1"]) == 1


@pytest.mark.skipif(not EXEC_ORDERS.is_dir(), reason="shared executive orders not on this machine")
def test_committed_exec_orders_dev_set_passes_its_check():
    assert check_devset.main([]) == 0


def test_holdout_removes_gold_documents_and_keeps_only_questions_nothing_else_covers(tmp_path):
    path = _write(tmp_path, [
        {"id": "xmas", "question": "Christmas Eve?", "answerable": True,
         "evidence": ["closed on Tuesday, December 24, 2024"], "doc_hint": "closing.txt"},
        {"id": "wage", "question": "Wage?", "answerable": True,
         "evidence": ["minimum wage of at least $15.00"], "doc_hint": "wage.txt"},
        {"id": "board", "question": "Board?", "answerable": True,
         "evidence": ["report to the President within 30 days of its creation"], "doc_hint": "board.txt"},
        {"id": "nm", "question": "Juneteenth?", "answerable": False, "evidence": []},
    ])
    out = tmp_path / "out"
    # Every document may go (share 1.0) so all three are drawn; "board" is still covered by copy.txt.
    assert holdout_unanswerable.main([str(path), "--docs", str(tmp_path / "docs"), "--sample", "3",
                                      "--max-doc-share", "1.0", "--out", str(out)]) == 0
    written = {q["id"]: q for q in holdout_unanswerable.load_jsonl(out / "questions.jsonl")}
    report = json.loads((out / "heldout.json").read_text())
    assert written["xmas"]["answerable"] is False and written["xmas"]["evidence"] == []
    assert written["wage"]["heldout"] == "drawn"
    assert "board" not in written and report["dropped_still_covered"] == ["board"]
    assert written["nm"]["answerable"] is False
    assert sorted(p.name for p in (out / "docs").iterdir()) == ["copy.txt"]
    assert (tmp_path / "docs" / "closing.txt").exists()  # the source folder is left alone


def test_holdout_never_takes_more_than_its_share_of_the_library(tmp_path):
    path = _write(tmp_path, [
        {"id": q, "question": q, "answerable": True, "evidence": [ev], "doc_hint": doc}
        for q, ev, doc in [("a", "closed on Tuesday, December 24, 2024", "closing.txt"),
                           ("b", "minimum wage of at least $15.00", "wage.txt")]
    ])
    out = tmp_path / "out"
    holdout_unanswerable.main([str(path), "--docs", str(tmp_path / "docs"), "--sample", "2",
                               "--max-doc-share", "0.25", "--out", str(out)])
    report = json.loads((out / "heldout.json").read_text())
    assert len(report["removed_docs"]) == 1 and len(list((out / "docs").iterdir())) == 3
