"""Evaluation: run files and their scores, matching the shared reference scorer (``shared/eval/score.py``).

The scorer is re-implemented rather than imported so the package never depends on the eval data folder;
``tests/test_evaluation.py`` checks that both give the same numbers on the same run files.
BEIR (SciFact) retrieval metrics live in :mod:`assistant.beir` and are re-exported here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from assistant.answer import Answer
from assistant.beir import (
    beir_corpus_to_files,
    evaluate_beir,
    load_beir,
    ndcg_at_k,
    published_baselines,
    recall_at_k,
)
from assistant.errors import AssistantError
from assistant.retrieval import Hit

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = [
    "beir_corpus_to_files",
    "covers",
    "eval_index_dir",
    "evaluate",
    "evaluate_beir",
    "first_hit",
    "load_beir",
    "load_jsonl",
    "ndcg_at_k",
    "normalize",
    "published_baselines",
    "recall_at_k",
    "run_cli",
    "run_record",
    "score_run",
    "write_jsonl",
]

RETRIEVED_IN_RUN = 10  # the run-file format asks for at least 10 retrieved passages per question
MRR_DEPTH = 10  # score.py looks for the first covering passage in the top 10 only, whatever k is


class Asker(Protocol):
    """The part of :class:`assistant.library.Library` that :func:`evaluate` needs (keeps this module import-light)."""

    def ask(self, question: str, docs: list[str] | None = None) -> tuple[Answer, list[Hit]]: ...


# --- scoring, identical to score.py -------------------------------------------------------------------------------

_QUOTES = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}


def normalize(s: str) -> str:
    """Lower-case, keep only runs of ASCII letters, digits and CJK ideographs, joined by single spaces."""
    s = s.lower()
    for curly, straight in _QUOTES.items():
        s = s.replace(curly, straight)
    return " ".join(re.findall(r"[0-9a-z\u4e00-\u9fff]+", s))


def _trigrams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def covers(evidence: str, text: str) -> bool:
    """True where the passage holds the evidence: whole, or (evidence of 8+ words) at least half its word 3-grams."""
    e, t = normalize(evidence), normalize(text)
    if not e:
        return False
    if e in t:
        return True
    ew = e.split()
    if len(ew) < 8:
        return False
    eg = _trigrams(ew)
    return len(eg & _trigrams(t.split())) >= 0.5 * len(eg)


def _covers_any(evidence: list[str], passage: dict) -> bool:
    return any(covers(e, passage.get("text", "")) for e in evidence)


def first_hit(evidence: list[str], passages: list[dict]) -> int | None:
    """1-based rank of the first passage that covers any evidence string, or None."""
    for rank, p in enumerate(passages, 1):
        if _covers_any(evidence, p):
            return rank
    return None


def score_run(questions: list[dict], runs: list[dict], k: int = 5) -> dict:
    """The metrics dict that ``score.py QUESTIONS RUN --k K`` prints, with the same keys, order and rounding."""
    # Later lines win on duplicate ids, as in score.py's dict comprehensions.
    qs = {q["id"]: q for q in questions}
    by_id = {r["id"]: r for r in runs}
    missing = [i for i in qs if i not in by_id]
    ans = [q for q in qs.values() if q.get("answerable", True) and q["id"] in by_id]
    no = [q for q in qs.values() if not q.get("answerable", True) and q["id"] in by_id]
    hits, rr, ev_recall, cite_hit, false_refusals, has_answer = 0, 0.0, 0.0, 0, 0, 0
    cite_prec: list[float] = []
    for q in ans:
        r, evidence = by_id[q["id"]], q["evidence"]
        ret = r.get("retrieved", [])
        rank = first_hit(evidence, ret[:MRR_DEPTH])
        if rank and rank <= k:
            hits += 1
        if rank:
            rr += 1.0 / rank
        topk = ret[:k]
        ev_recall += sum(any(covers(e, p.get("text", "")) for p in topk) for e in evidence) / max(1, len(evidence))
        if r.get("refused"):
            # A refused answerable question counts against citations too: nothing below is credited.
            false_refusals += 1
            continue
        cites = r.get("citations", [])
        if r.get("answer"):
            has_answer += 1
        if any(_covers_any(evidence, c) for c in cites):
            cite_hit += 1
        if cites:
            cite_prec.append(sum(_covers_any(evidence, c) for c in cites) / len(cites))
    refused_ok = sum(1 for q in no if by_id[q["id"]].get("refused"))
    n = max(1, len(ans))
    return {
        "questions": len(qs),
        "scored": len(ans) + len(no),
        "missing_from_run": len(missing),
        f"hit@{k}": round(hits / n, 4),
        "mrr@10": round(rr / n, 4),
        f"evidence_recall@{k}": round(ev_recall / n, 4),
        "answered": has_answer,
        "citation_hit": round(cite_hit / n, 4),
        "citation_precision": round(sum(cite_prec) / max(1, len(cite_prec)), 4),
        "false_refusal_rate": round(false_refusals / n, 4),
        "unanswerable": len(no),
        "refusal_accuracy": round(refused_ok / max(1, len(no)), 4) if no else None,
    }


# --- files ------------------------------------------------------------------------------------------------------


def load_jsonl(path: Path | str) -> list[dict]:
    """One JSON object per non-blank line (blank lines skipped, as score.py does)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: Path | str, records: Iterable[dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        # ensure_ascii=False keeps Chinese evidence readable when someone opens the run file.
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


# --- run records ------------------------------------------------------------------------------------------------


def run_record(question: dict, hits: list[Hit], answer: Answer) -> dict:
    """One run-file line: ranked passages, the answer, the passages it cites (full text) and whether it refused."""
    cited = {s.n for s in answer.sentences}
    return {
        "id": question["id"],
        # All hits are kept (ask returns >= 10), best first, so mrr@10 can see the whole top 10.
        "retrieved": [{"text": h.text, "doc": h.doc, "score": float(h.score)} for h in hits],
        "answer": answer.text,
        # Only sources a sentence actually cites: listing uncited sources would inflate citation_hit.
        "citations": [{"n": s.n, "text": s.hit.text, "doc": s.hit.doc} for s in answer.sources if s.n in cited],
        "refused": answer.refused,
    }


def evaluate(
    library: Asker,
    questions: list[dict],
    k: int = 5,
    limit: int | None = None,
    run_out: Path | None = None,
    progress: bool = False,
) -> dict:
    """Ask every question (the first ``limit``), optionally write the run file, and score it like score.py."""
    questions = questions[:limit] if limit is not None else questions
    records = []
    for q in _progress(questions, progress, "questions"):
        # Questions tied to one document (PolicyQA) are asked within that document only.
        answer, hits = library.ask(q["question"], docs=[q["doc"]] if q.get("doc") else None)
        records.append(run_record(q, hits, answer))
    if run_out is not None:
        write_jsonl(run_out, records)
    # Scored against the same slice, so a --limit run does not report the rest as missing.
    return score_run(questions, records, k=k)


def _progress(items: list, enabled: bool, unit: str) -> Iterable:
    if not enabled:
        return items
    from tqdm import tqdm  # only needed for interactive CLI runs

    return tqdm(items, unit=unit)


def eval_index_dir(settings: Settings, docs_dir: Path) -> Path:
    """Where the eval index of one corpus lives: its folder name plus a hash of its path and index-shaping settings.

    Settings that change what is stored (embedder, chunk size, context prefix, sentence vectors) change the folder,
    so two runs with different settings never reuse each other's index. Search-time settings (fusion weights,
    top_k) do not.
    """
    resolved = Path(docs_dir).resolve()
    key = {
        "path": str(resolved),
        "embedder": settings.embedder,
        "chunk_size": settings.chunk_size,
        "embed_context": settings.embed_context,
    }
    if settings.sentence_vectors:  # only when on, so indexes built before the setting existed keep their folder
        key["sentence_vectors"] = True
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:10]
    return Path(settings.eval_dir) / f"{resolved.name}-{digest}"


# --- CLI entry ---------------------------------------------------------------------------------------------------


def run_cli(args: argparse.Namespace, settings: Settings) -> dict:
    """``assistant eval``: index the corpus in its own eval index (cheap when unchanged), then score it.

    ``--beir FOLDER`` gives nDCG@10/recall@100; otherwise ``--questions`` (with ``--docs``, default ``docs/`` beside
    the questions file) gives the score.py metrics.
    """
    from assistant.methods import open_method  # heavy (models, Chroma): imported only when an eval really runs

    if args.beir:
        docs_dir = beir_corpus_to_files(args.beir, _beir_files_dir(settings, args.beir))
    elif args.questions:
        docs_dir = args.docs or Path(args.questions).parent / "docs"
        if not Path(docs_dir).is_dir():
            raise AssistantError(f"no documents folder {docs_dir}: name the folder the questions are about with --docs")
    else:
        raise AssistantError("assistant eval needs --questions FILE (with --docs FOLDER) or --beir FOLDER")
    # In-process Chroma under the eval folder: a shared server collection would mix corpora and settings.
    index = eval_index_dir(settings, Path(docs_dir))
    method = open_method(getattr(args, "method", "ours"), settings, Path(docs_dir), index, progress=True)
    if args.beir:
        return evaluate_beir(method, args.beir, limit=args.limit, progress=True)
    questions = load_jsonl(args.questions)
    return evaluate(method, questions, k=args.k, limit=args.limit, run_out=args.run_out, progress=True)


def _beir_files_dir(settings: Settings, folder: Path) -> Path:
    """Where a BEIR corpus is written out as one file per doc, keyed by the corpus path (not by index settings)."""
    resolved = Path(folder).resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:10]
    return Path(settings.eval_dir) / "beir-files" / f"{resolved.name}-{digest}"
