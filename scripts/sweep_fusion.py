"""Fusion-weight sweep over an eval index: retrieval metrics for several dense weights in one pass.

    .venv/bin/python scripts/sweep_fusion.py obliqa|policyqa|scifact [--weights 0.15 0.25 0.35 0.5]

Reads the index that `assistant eval` built for the set under the current settings (run that first), scores every
chunk exactly with numpy — chunk cosine, chunk cosine + best sentence cosine, BM25 — and fuses them as
`retrieval.convex` does (50 candidates per side, cosine min-max scaled, BM25 divided by its maximum). Metrics use
score.py's own `first_hit` (hit@5, mrr@10) or `assistant.evaluation` (nDCG@10), so rows compare with the CLI's; the CLI
searches Chroma's approximate index, so its figures can differ in the third decimal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(EVAL))

from score import first_hit  # noqa: E402

from assistant.embeddings import get_embedder  # noqa: E402
from assistant.evaluation import eval_index_dir, load_beir, load_jsonl, ndcg_at_k  # noqa: E402
from assistant.evaluation.runs import _beir_files_dir  # noqa: E402
from assistant.lexical import tokenize  # noqa: E402
from assistant.retrieval import scaled as scaled_scores  # noqa: E402
from assistant.settings import get_settings  # noqa: E402
from assistant.store import Store  # noqa: E402

CANDIDATES = 50
PAGE = 5000


def vectors(collection) -> tuple[list[str], np.ndarray, list[dict]]:  # noqa: ANN001
    """Every id, vector and metadata of a collection, read in pages (SQLite caps the variables of one query)."""
    ids: list[str] = []
    vecs: list[np.ndarray] = []
    metas: list[dict] = []
    for offset in range(0, collection.count(), PAGE):
        got = collection.get(include=["embeddings", "metadatas"], limit=PAGE, offset=offset)
        ids += got["ids"]
        vecs.append(np.asarray(got["embeddings"], dtype=np.float32))
        metas += got["metadatas"]
    return ids, np.concatenate(vecs), metas


def scaled(scores: np.ndarray, floor: float | None) -> np.ndarray:
    """Top CANDIDATES of one side scaled to [0, 1] by retrieval's own scaling; the rest 0."""
    top = np.argpartition(-scores, CANDIDATES)[:CANDIDATES]
    top = top[scores[top] > (0 if floor is not None else -np.inf)]
    out = np.zeros_like(scores)
    for i, value in scaled_scores({int(i): float(scores[i]) for i in top}, floor).items():
        out[i] = value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", choices=["obliqa", "policyqa", "scifact"])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.15, 0.25, 0.35, 0.5])
    args = parser.parse_args()
    settings = get_settings(eval_dir=ROOT / ".eval-cache")
    beir = args.set == "scifact"
    docs_dir = _beir_files_dir(settings, EVAL / "scifact") if beir else EVAL / args.set / "docs"
    embedder = get_embedder(settings.embedder)
    store = Store(get_settings(eval_dir=ROOT / ".eval-cache", index_dir=eval_index_dir(settings, docs_dir)), embedder)
    ids = list(store.lexical_ids())
    texts = [store.text(c) for c in ids]
    docs = np.array([store.doc_of(c) for c in ids])
    got_ids, got_vecs, _ = vectors(store.collection)
    row = {c: i for i, c in enumerate(ids)}
    chunk_vecs = np.empty_like(got_vecs)
    chunk_vecs[[row[c] for c in got_ids]] = got_vecs  # Chroma returns its own order, not the order asked
    _, sent_vecs, sent_meta = vectors(store.sentences)
    owner = np.array([row[m["chunk_id"]] for m in sent_meta])

    if args.set == "scifact":
        _, queries, qrels = load_beir(EVAL / "scifact")
        questions = [{"id": q, "question": t} for q, t in queries.items()]
    else:
        questions = [q for q in load_jsonl(EVAL / args.set / "questions.jsonl") if q.get("answerable", True)]
    query_vecs = embedder.encode([q["question"] for q in questions])
    configs = [(side, w) for side in ("chunk", "chunk+sentence") for w in args.weights]
    ranked: dict[tuple[str, float], dict[str, list[int]]] = {c: {} for c in configs}
    for q, qv in zip(questions, query_vecs):
        mine = docs == q["doc"] if "doc" in q else np.ones(len(ids), dtype=bool)  # PolicyQA: within its document
        chunk = chunk_vecs @ qv
        best = np.full(len(ids), -1.0, dtype=np.float32)
        np.maximum.at(best, owner, sent_vecs @ qv)
        bm25 = np.where(mine, store.lexical_scores(tokenize(q["question"])), 0.0)
        lexical = scaled(bm25, 0.0)
        for side, w in configs:
            dense = np.where(mine, chunk if side == "chunk" else chunk + best, -np.inf)
            fused = np.where(mine, w * scaled(dense, None) + (1 - w) * lexical, -np.inf)
            ranked[(side, w)][q["id"]] = list(np.argsort(-fused)[:100])

    for (side, w), runs in ranked.items():
        if args.set == "scifact":
            results = {qid: list(dict.fromkeys(Path(docs[i]).stem for i in top)) for qid, top in runs.items()}
            print(f"{side:15} dense {w:.2f}  nDCG@10 {ndcg_at_k(qrels, results, 10):.4f}")
            continue
        ranks = [first_hit(q["evidence"], [{"text": texts[i]} for i in runs[q["id"]][:10]]) for q in questions]
        hit = sum(1 for r in ranks if r and r <= 5) / len(ranks)
        mrr = sum(1 / r for r in ranks if r) / len(ranks)
        print(f"{side:15} dense {w:.2f}  hit@5 {hit:.4f}  mrr@10 {mrr:.4f}")


if __name__ == "__main__":
    main()
