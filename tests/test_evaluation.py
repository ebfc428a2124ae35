"""Evaluation: scores equal to the shared reference scorer, BEIR metrics by hand, run-file shape."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.documents import Document

from assistant.answer import Answer, AnswerSentence, Source
from assistant.evaluation import (
    covers,
    eval_index_dir,
    evaluate,
    evaluate_beir,
    first_hit,
    load_beir,
    load_jsonl,
    ndcg_at_k,
    normalize,
    published_baselines,
    recall_at_k,
    run_record,
    runs,
    score_run,
    write_jsonl,
)
from assistant.evaluation.beir import beir_corpus_to_files
from assistant.retrieval import Hit
from assistant.settings import Settings
from tests.llm_server import needs_server

# The repo sits beside shared/ in the workspace; the scorer is not part of the package.
SCORE_PY = Path(__file__).resolve().parents[1].parent / "shared/eval/score.py"
SCIFACT = SCORE_PY.parent / "scifact"

FILLER = "The committee meets every quarter to review the budget."
LONG_EVIDENCE = "the board shall publish an annual report on climate risk exposure and mitigation steps"


def _p(text: str, doc: str = "a.txt", score: float = 0.5) -> dict:
    return {"text": text, "doc": doc, "score": score}


def _questions() -> list[dict]:
    return [
        {"id": "rank1", "question": "q", "answerable": True, "evidence": ["Loans are capped at ten percent."]},
        {"id": "rank7", "question": "q", "answerable": True, "evidence": ["Fees are waived for students"]},
        {"id": "nohit", "question": "q", "answerable": True, "evidence": ["Nothing retrieved says this"]},
        {"id": "refused-ans", "question": "q", "answerable": True, "evidence": ["Loans are capped at ten percent."]},
        {"id": "refused-no", "question": "q", "answerable": False, "evidence": []},
        {"id": "answered-no", "question": "q", "answerable": False, "evidence": []},
        {"id": "missing", "question": "q", "answerable": True, "evidence": ["x y z"]},
        {"id": "trigram", "question": "q", "answerable": True, "evidence": [LONG_EVIDENCE]},
        {"id": "curly", "question": "q", "answerable": True, "evidence": ["the bank's \u201cfair value\u201d rule"]},
        {"id": "chinese", "question": "q", "answerable": True, "evidence": ["\u78b3\u8fbe\u5cf0 \u78b3\u4e2d\u548c"]},
        {"id": "two-evidence", "question": "q", "evidence": ["first fact here", "second fact there"]},
        {"id": "rank11", "question": "q", "answerable": True, "evidence": ["Deep in the ranking"]},
    ]


def _runs() -> list[dict]:
    fillers = [_p(f"{FILLER} {i}") for i in range(12)]
    # About half the 3-grams of LONG_EVIDENCE (the first 8 words, plus unrelated text).
    half = "Notice: the board shall publish an annual report on climate; other matters follow."
    return [
        {
            "id": "rank1",
            "retrieved": [_p("LOANS are capped at  ten percent, says the rule.")] + fillers,
            "answer": "Loans are capped. [1]",
            "citations": [{"n": 1, "text": "Loans are capped at ten percent.", "doc": "a.txt"}, {"n": 2, "text": "x"}],
            "refused": False,
        },
        {
            "id": "rank7",
            "retrieved": fillers[:6] + [_p("Fees are waived for students.")] + fillers[6:],
            "answer": "",
            "citations": [],
            "refused": False,
        },
        {"id": "nohit", "retrieved": fillers, "answer": "Wrong. [1]", "citations": [_p(FILLER)], "refused": False},
        {"id": "refused-ans", "retrieved": [_p("Loans are capped at ten percent.")], "answer": "", "refused": True},
        {"id": "refused-no", "retrieved": fillers, "answer": "No.", "citations": [], "refused": True},
        {"id": "answered-no", "retrieved": fillers, "answer": "Yes. [1]", "citations": [_p(FILLER)], "refused": False},
        {"id": "not-a-question", "retrieved": [], "answer": "", "citations": [], "refused": False},
        {
            "id": "trigram",
            "retrieved": [_p(half)],
            "answer": "A. [1]",
            "citations": [{"n": 1, "text": half}],
            "refused": False,
        },
        {
            "id": "curly",
            "retrieved": fillers[:2] + [_p("Under the bank\u2019s \u201cFAIR VALUE\u201d rule, assets...")],
            "answer": "B. [1]",
            "citations": [{"n": 1, "text": 'the bank\'s "fair value" rule'}],
            "refused": False,
        },
        {
            "id": "chinese",
            "retrieved": [_p("\u529b\u4e89\u78b3\u8fbe\u5cf0\u3001\u78b3\u4e2d\u548c")],
            "answer": "C. [1]",
            "citations": [{"n": 1, "text": "\u78b3\u8fbe\u5cf0 \u78b3\u4e2d\u548c"}],
            "refused": False,
        },
        {
            "id": "two-evidence",
            "retrieved": [_p("The first fact here.")] + fillers[:5] + [_p("And the second fact there.")],
            "answer": "D. [1] [2]",
            "citations": [{"n": 1, "text": "The first fact here."}, {"n": 2, "text": FILLER}, {"n": 3}],
            "refused": False,
        },
        {"id": "rank11", "retrieved": fillers[:10] + [_p("Deep in the ranking.")], "answer": "E.", "refused": False},
    ]


def _reference(tmp_path: Path, questions: list[dict], runs: list[dict], k: int) -> dict:
    if not SCORE_PY.exists():
        pytest.skip(f"reference scorer not found at {SCORE_PY} (the repo is not beside shared/)")
    qf, rf = tmp_path / "questions.jsonl", tmp_path / "run.jsonl"
    write_jsonl(qf, questions)
    write_jsonl(rf, runs)
    out = subprocess.run(
        [sys.executable, str(SCORE_PY), str(qf), str(rf), "--k", str(k)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("k", [5, 10, 3])
def test_score_run_matches_reference(tmp_path: Path, k: int) -> None:
    questions, runs = _questions(), _runs()
    expected = _reference(tmp_path, questions, runs, k)
    got = score_run(load_jsonl(tmp_path / "questions.jsonl"), load_jsonl(tmp_path / "run.jsonl"), k=k)
    assert got == expected
    assert list(got) == list(expected)  # same key order as the printed JSON
    assert got["missing_from_run"] == 1 and got["unanswerable"] == 2
    assert 0 < got[f"hit@{k}"] < 1 and 0 < got["citation_precision"] < 1


def test_score_run_matches_reference_without_unanswerable(tmp_path: Path) -> None:
    questions = [q for q in _questions() if q.get("answerable", True)]
    runs = [r for r in _runs() if r["id"] in {"rank1", "rank7", "curly"}]
    expected = _reference(tmp_path, questions, runs, 5)
    assert score_run(questions, runs) == expected
    assert expected["refusal_accuracy"] is None


def test_score_run_empty_run(tmp_path: Path) -> None:
    questions = _questions()[:3]
    assert score_run(questions, []) == _reference(tmp_path, questions, [], 5)


def test_covers_rules() -> None:
    assert normalize("The Bank\u2019s  \u201cRULE\u201d, 2021!") == "the bank s rule 2021"
    assert covers("capped at TEN percent", "Loans are capped at ten percent.")
    assert not covers("", "anything")
    assert not covers("short evidence not present", "something else")
    words = LONG_EVIDENCE.split()  # 14 words, 12 trigrams: half is 6, reached by the first 8 words
    assert covers(LONG_EVIDENCE, " ".join(words[:8]))
    assert not covers(LONG_EVIDENCE, " ".join(words[:7]))
    assert first_hit(["ten percent"], [{"text": "no"}, {"text": "ten percent"}]) == 2
    assert first_hit(["ten percent"], [{"text": "no"}, {}]) is None


# --- BEIR metrics -----------------------------------------------------------------------------------------------


def test_ndcg_by_hand() -> None:
    assert ndcg_at_k({"q": {"d1": 1}}, {"q": ["x", "d1"]}) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k({"q": {"d1": 1}}, {"q": ["d1"]}) == pytest.approx(1.0)
    # Two relevant, found at ranks 1 and 3: (1 + 1/2) / (1 + 1/log2 3).
    two = ndcg_at_k({"q": {"a": 1, "b": 1}}, {"q": ["a", "x", "b"]})
    assert two == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    # Graded: grade 2 at rank 2, grade 1 at rank 1; ideal puts grade 2 first.
    graded = ndcg_at_k({"q": {"a": 2, "b": 1}}, {"q": ["b", "a"]})
    assert graded == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))
    # Outside the cut-off, and a query with no results at all, both count 0 in the average.
    assert ndcg_at_k({"q": {"d": 1}}, {"q": [f"x{i}" for i in range(10)] + ["d"]}) == 0.0
    assert ndcg_at_k({"q": {"d": 1}, "r": {"e": 1}}, {"q": ["d"]}) == pytest.approx(0.5)
    assert ndcg_at_k({"q": {"d": 1}}, {"q": ["x", "d"]}, k=1) == 0.0


def test_recall_by_hand() -> None:
    qrels = {"q": {"a": 1, "b": 1, "c": 0}, "r": {"e": 1}}
    assert recall_at_k(qrels, {"q": ["a", "c", "x"], "r": ["e"]}) == pytest.approx((0.5 + 1) / 2)
    assert recall_at_k(qrels, {"q": ["a", "b"]}) == pytest.approx(0.5)
    assert recall_at_k(qrels, {"q": ["x", "a", "b"]}, k=2) == pytest.approx(0.25)


def _tiny_beir(folder: Path) -> Path:
    (folder / "qrels").mkdir(parents=True)
    corpus = [
        {"_id": "10", "title": "Aspirin\nand hearts", "text": "Aspirin lowers risk."},
        {"_id": "20", "title": "", "text": "Statins and cholesterol."},
        {"_id": "30", "title": "Sleep", "text": "Sleep matters."},
    ]
    write_jsonl(folder / "corpus.jsonl", corpus)
    write_jsonl(
        folder / "queries.jsonl",
        [{"_id": "1", "text": "aspirin"}, {"_id": "2", "text": "sleep"}, {"_id": "9", "text": "train"}],
    )
    (folder / "qrels/test.tsv").write_text("query-id\tcorpus-id\tscore\n1\t10\t1\n2\t30\t1\n2\t20\t1\n")
    (folder / "published_baselines.json").write_text(json.dumps({"dataset": "tiny", "ndcg_at_10": {"BM25": 0.5}}))
    return folder


def test_load_beir_and_files(tmp_path: Path) -> None:
    folder = _tiny_beir(tmp_path / "tiny")
    corpus, queries, qrels = load_beir(folder)
    assert [d["_id"] for d in corpus] == ["10", "20", "30"]
    assert queries == {"1": "aspirin", "2": "sleep"}  # the unjudged query 9 is left out
    assert qrels == {"1": {"10": 1}, "2": {"30": 1, "20": 1}}
    assert published_baselines(folder) == {"BM25": 0.5}

    out = beir_corpus_to_files(folder, tmp_path / "files")
    assert sorted(p.name for p in out.iterdir()) == ["10.txt", "20.txt", "30.txt"]
    assert (out / "10.txt").read_text() == "Aspirin and hearts\n\nAspirin lowers risk.\n"
    assert (out / "20.txt").read_text() == "Statins and cholesterol.\n"
    (out / "30.txt").write_text("kept")  # a complete folder is left alone
    beir_corpus_to_files(folder, out)
    assert (out / "30.txt").read_text() == "kept"


@pytest.mark.skipif(not SCIFACT.exists(), reason="shared SciFact data not present")
def test_load_real_scifact() -> None:
    corpus, queries, qrels = load_beir(SCIFACT)
    assert (len(corpus), len(queries), len(qrels)) == (5183, 300, 300)
    assert sum(len(v) for v in qrels.values()) == 339
    assert published_baselines(SCIFACT)


# --- run records and the evaluate loop --------------------------------------------------------------------------


def _hit(text: str, doc: str, score: float = 0.1, i: int = 0) -> Hit:
    meta = {
        "doc": doc,
        "title": doc,
        "section": "",
        "page": None,
        "start": 0,
        "end": len(text),
        "chunk_id": f"{doc}#{i}",
    }
    return Hit(chunk=Document(page_content=text, metadata=meta), score=score)


def _hits(n: int = 12) -> list[Hit]:
    return [
        _hit(f"Passage {i}. It says thing {i}. More text {i}.", f"d{i % 3}.txt", 1.0 - i / 100, i) for i in range(n)
    ]


def test_run_record_cites_only_cited_sources_with_full_text() -> None:
    hits = _hits()
    sources = [Source(1, hits[0]), Source(2, hits[1]), Source(3, hits[2])]
    sentences = [AnswerSentence("It says thing 0.", 1, 11, 27), AnswerSentence("It says thing 2.", 3, 11, 27)]
    answer = Answer(question="what?", sentences=sentences, sources=sources, hits=hits)
    rec = run_record({"id": "q1", "question": "what?"}, answer)

    assert {"id", "retrieved", "answer", "citations", "refused"} <= set(rec)
    assert rec["id"] == "q1" and rec["refused"] is False
    assert rec["answer"] == "It says thing 0. [1] It says thing 2. [3]"
    assert len(rec["retrieved"]) == 12
    assert rec["retrieved"][0]["text"] == hits[0].text and rec["retrieved"][0]["doc"] == "d0.txt"
    assert rec["retrieved"][0]["score"] == pytest.approx(1.0)
    assert [r["score"] for r in rec["retrieved"]] == sorted((r["score"] for r in rec["retrieved"]), reverse=True)
    assert [(c["n"], c["text"], c["doc"]) for c in rec["citations"]] == [
        (1, hits[0].text, "d0.txt"),
        (3, hits[2].text, "d2.txt"),
    ]
    json.dumps(rec)  # a run-file line must serialise


def test_run_record_refusal() -> None:
    hits = _hits()
    answer = Answer(question="?", refused=True, nearest=hits[:3], sources=[Source(1, hits[0])], hits=hits)
    rec = run_record({"id": "q2"}, answer)
    assert rec["refused"] is True and rec["citations"] == []
    assert rec["answer"] == "The documents do not answer this question."


def test_eval_index_dir_depends_on_corpus_content_settings_and_code(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "obliqa" / "docs"
    docs.mkdir(parents=True)
    (docs / "a.txt").write_text("Rule one.")
    base = Settings(eval_dir=tmp_path / "cache")
    d = eval_index_dir(base, docs)
    assert d.parent == tmp_path / "cache" and d.name.startswith("docs-")
    assert eval_index_dir(Settings(eval_dir=tmp_path / "cache"), tmp_path / "obliqa" / ".." / "obliqa" / "docs") == d
    assert eval_index_dir(Settings(eval_dir=tmp_path / "cache", top_k=9), docs) == d  # search-time only
    for change in ({"embedder": "e5"}, {"chunk_size": 500}, {"embed_context": False}, {"sentence_vectors": False}):
        assert eval_index_dir(Settings(eval_dir=tmp_path / "cache", **change), docs) != d
    copy = tmp_path / "clone" / "docs"  # the same corpus elsewhere (a fresh clone) finds the same index
    copy.mkdir(parents=True)
    (copy / "a.txt").write_text("Rule one.")
    assert eval_index_dir(base, copy) == d
    (copy / "a.txt").write_text("Rule two.")
    assert eval_index_dir(base, copy) != d
    # Code that shapes the index changed: the old index is not reused.
    monkeypatch.setattr(runs, "INDEX_CODE", (*runs.INDEX_CODE, "overview.py"))
    assert eval_index_dir(base, docs) != d


def test_evaluate_beir_with_the_real_library(tmp_path: Path, library) -> None:  # noqa: ANN001 - fixture
    folder = _tiny_beir(tmp_path / "tiny")
    library.ingest([beir_corpus_to_files(folder, tmp_path / "files")])
    got = evaluate_beir(library, folder)
    assert got["recall@100"] == 1.0 and got["published"] == {"BM25": 0.5}
    # "aspirin" names its one relevant abstract outright, so a working search ranks it first.
    assert evaluate_beir(library, folder, limit=1)["ndcg@10"] == 1.0


@pytest.mark.skipif(not SCORE_PY.exists(), reason="shared/eval/score.py is not beside the repo")
def test_evaluate_on_seed_set_agrees_with_score_py(tmp_path: Path, seed_library) -> None:  # noqa: ANN001
    questions = load_jsonl(SCORE_PY.parent / "seed" / "questions.jsonl")
    picked = questions[:4] + questions[-2:]
    run_out = tmp_path / "run.jsonl"
    got = evaluate(seed_library, picked, k=5, run_out=run_out)
    run = load_jsonl(run_out)
    assert [r["id"] for r in run] == [q["id"] for q in picked]
    assert all(len(r["retrieved"]) >= 10 for r in run)
    assert got == _reference(tmp_path, picked, run, 5)
    assert got["hit@5"] == 1.0  # these four are easy lookups; a broken retriever misses them


@needs_server
def test_eval_llm_writes_modes_counts_and_faithfulness_into_the_run(server, tmp_path: Path) -> None:  # noqa: ANN001
    """`assistant eval --llm` through the loopback server: one written answer (one sentence verified, one dropped)
    and one refused question, which never reaches the LLM."""
    from assistant.library import Library
    from tests.conftest import make_settings
    from tests.test_write import QUESTION, SUPPORTED, TEXTS, UNSUPPORTED, _writes

    library = Library(make_settings(tmp_path / "index", top_k=1), llm=_writes(server.url, f"{SUPPORTED} {UNSUPPORTED}"))
    library.add_texts(TEXTS, [{"doc": "hydrogen.txt"}, {"doc": "water.txt"}])
    questions = [
        {"id": "q1", "question": QUESTION, "answerable": True, "evidence": ["45 percent of new sales"],
         "answers": ["45 percent of new sales"]},
        {"id": "q2", "question": "Who won the 1998 football world cup?", "answerable": False},
    ]
    result = evaluate(library, questions, run_out=tmp_path / "run.jsonl", llm=True)
    assert result["citation_hit"] == 1.0 and result["refusal_accuracy"] == 1.0
    assert {k: result[k] for k in ("mode_written", "mode_quoted", "mode_fallback", "written_sentences",
                                   "verified_sentences", "dropped_sentences", "faithfulness", "unverified_shown")} \
        == {"mode_written": 1, "mode_quoted": 1, "mode_fallback": 0, "written_sentences": 2, "verified_sentences": 1,
            "dropped_sentences": 1, "faithfulness": 0.5, "unverified_shown": 0}
    assert 0 < result["f1_written"] <= 1 and 0 < result["f1_quoted"] <= 1
    written, refused = load_jsonl(tmp_path / "run.jsonl")
    assert written["mode"] == "written" and written["model"] == "smollm2" and written["kept"] == 1
    assert written["unsupported"][0]["reason"] == "the passage does not state 2050, Finance"
    assert "2050" not in written["answer"] and written["citations"][0]["doc"] == "hydrogen.txt"
    assert refused["refused"] and refused["mode"] == "quoted"
