"""BEIR retrieval benchmark (SciFact): loading, nDCG@10 and recall@100 as pytrec_eval computes them.

The corpus is indexed as ordinary files (``<_id>.txt``) through the same ingest path as policy documents, so the
number measures the real pipeline; hits are mapped back to BEIR doc ids by file stem.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from assistant.evaluation.files import load_jsonl
from assistant.retrieval import Hit, SearchResult

Qrels = dict[str, dict[str, int]]


class Searcher(Protocol):
    """The part of :class:`assistant.library.Library` that :func:`evaluate_beir` needs."""

    def search(self, query: str, k: int = 10, docs: list[str] | None = None) -> SearchResult: ...


def load_beir(folder: Path | str) -> tuple[list[dict], dict[str, str], Qrels]:
    """Corpus (dicts with _id, title, text), test queries (only those judged in qrels/test.tsv) and the qrels."""
    folder = Path(folder)
    qrels = _load_qrels(folder / "qrels" / "test.tsv")
    corpus = [
        {"_id": str(d["_id"]), "title": d.get("title", ""), "text": d.get("text", "")}
        for d in load_jsonl(folder / "corpus.jsonl")
    ]
    # queries.jsonl also holds train queries; only the judged test queries are scored.
    queries = {str(q["_id"]): q["text"] for q in load_jsonl(folder / "queries.jsonl") if str(q["_id"]) in qrels}
    return corpus, queries, qrels


def _load_qrels(path: Path) -> Qrels:
    qrels: Qrels = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.strip().split("\t")
            if len(parts) != 3 or parts[0] == "query-id":  # header and blank lines
                continue
            qid, docid, grade = parts
            qrels.setdefault(qid, {})[docid] = int(grade)
    return qrels


def published_baselines(folder: Path | str) -> dict[str, float]:
    """Published nDCG@10 numbers for this dataset, keyed by system description."""
    with open(Path(folder) / "published_baselines.json", encoding="utf-8") as f:
        return dict(json.load(f)["ndcg_at_10"])


def _dcg(gains: Iterable[int]) -> float:
    return sum(g / math.log2(rank + 1) for rank, g in enumerate(gains, 1))


def ndcg_at_k(qrels: Qrels, results: dict[str, list[str]], k: int = 10) -> float:
    """Mean nDCG@k over the queries in qrels: gain = relevance grade, log2(rank+1) discount, ideal from qrels.

    A query with no results (or nothing relevant in qrels) scores 0, as in trec_eval; ``results`` lists doc ids
    best first and should hold each doc once.
    """
    if not qrels:
        return 0.0
    total = 0.0
    for qid, judged in qrels.items():
        ideal = _dcg(sorted((g for g in judged.values() if g > 0), reverse=True)[:k])
        if ideal > 0:
            total += _dcg(max(judged.get(d, 0), 0) for d in results.get(qid, [])[:k]) / ideal
    return total / len(qrels)


def recall_at_k(qrels: Qrels, results: dict[str, list[str]], k: int = 100) -> float:
    """Mean share of each query's relevant docs (grade > 0) found in its top k, over the queries in qrels."""
    if not qrels:
        return 0.0
    total = 0.0
    for qid, judged in qrels.items():
        relevant = {d for d, g in judged.items() if g > 0}
        if relevant:
            total += len(relevant & set(results.get(qid, [])[:k])) / len(relevant)
    return total / len(qrels)


def beir_corpus_to_files(folder: Path | str, out_dir: Path | str) -> Path:
    """Write each corpus doc as ``<_id>.txt`` (title, blank line, text) for ingest; a no-op once out_dir is complete."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for doc in load_jsonl(Path(folder) / "corpus.jsonl"):
        doc_id = str(doc["_id"])
        if "/" in doc_id or "\\" in doc_id or doc_id.startswith("."):
            raise ValueError(f"BEIR doc id {doc_id!r} cannot be used as a file name")
        path = out_dir / f"{doc_id}.txt"
        if path.exists():  # complete files only ever appear through the rename below
            continue
        title = " ".join(doc.get("title", "").split())  # one line, so the title stays the first line
        body = f"{title}\n\n{doc.get('text', '')}\n" if title else f"{doc.get('text', '')}\n"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, path)  # atomic: an interrupted run never leaves a half-written doc that looks complete
    return out_dir


def doc_ids_from_hits(hits: list[Hit]) -> list[str]:
    """BEIR doc ids (file stems) in rank order, each once at its best rank (a doc can be split into chunks)."""
    seen: dict[str, None] = {}
    for h in hits:
        seen.setdefault(Path(h.doc).stem, None)
    return list(seen)


def evaluate_beir(
    library: Searcher, folder: Path | str, k: int = 10, limit: int | None = None, progress: bool = False
) -> dict:
    """nDCG@k and recall@100 of ``library.search`` over the test queries; the index must already hold the corpus.

    ``limit`` scores only the first queries (CI slices); metrics are then averaged over those queries only.
    """
    _, queries, qrels = load_beir(folder)
    qids = list(queries)[:limit] if limit is not None else list(queries)
    if progress:
        from tqdm import tqdm  # only needed for interactive CLI runs

        qids = tqdm(qids, unit="queries")
    # 100 hits: recall@100 needs them; chunks of one doc are merged so fewer doc ids may come back.
    results = {qid: doc_ids_from_hits(library.search(queries[qid], k=100).hits) for qid in qids}
    # A full run averages over every judged query (unanswered ones count 0); a limited run over its slice only.
    scored = qrels if limit is None else {qid: qrels[qid] for qid in results}
    return {
        f"ndcg@{k}": round(ndcg_at_k(scored, results, k=k), 4),
        "recall@100": round(recall_at_k(scored, results, k=100), 4),
        "published": published_baselines(folder),
    }
