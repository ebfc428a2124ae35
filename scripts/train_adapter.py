"""Measure a learned linear adapter on the question embedding (issue 10, point 2): dense hit@5 / mrr@10 with and
without it, document-grouped cross-validated, and optionally save the matrix.

    /work/main/.venv/bin/python scripts/train_adapter.py [--set eo|obliqa|transfer|all] [--seeds 0,1,2] [--sentences]
        [--l2 1.0] [--nested 1,0.1,0.01,0] [--in-sample] [--check N]
        [--save adapter.npy]

The adapted question vector is normalise(W q) with q the bundled MiniLM's ``encode_query`` vector and W a 384 x 384
matrix that starts at the identity. Passages are the product's chunks (``split_document`` at the settings'
chunk_size, embedded as ``embedding_text`` with title and section, as an ingest embeds them), encoded once and kept
in ``.eval-cache/adapter/`` (keyed on the corpus and the settings that shape the chunks). A chunk is a positive for
a question when it covers one of its evidence strings by the scorer's ``covers``; hit@5 / mrr@10 are the scorer's,
over every answerable question (one whose evidence no chunk covers counts as a miss on both sides).

Loss: for each question of a batch, the log-probability of its positive chunks among the candidates of the batch:
its own positives and hard negatives (the top HARD_NEGATIVES chunks of the plain dense ranking that are not gold),
plus every other question's positives and hard negatives (in-batch negatives); a chunk gold for the question is
never its negative. Plus L2 * ||W - I||^2, the pull towards the identity.

Cross-validation: the documents are dealt into folds; a question is tested in the fold of its gold document (the one
holding most of its positive chunks) and a model is trained only on questions none of whose gold documents is in
that fold. Sets: ``eo`` exec-orders-dev (77 answerable; gold document = ``doc_hint``), ``obliqa`` the shared ObliQA
questions (the dev split, the only one on this machine; gold documents = those of the covering chunks),
``transfer`` trained on all of ObliQA, tested on exec-orders-dev (a user with no dev set of their own).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.chunking import sentence_spans, split_document  # noqa: E402
from assistant.documents import iter_files, load_document  # noqa: E402
from assistant.embeddings import get_embedder  # noqa: E402
from assistant.evaluation import covers, load_jsonl, normalize  # noqa: E402
from assistant.library import embedding_text  # noqa: E402
from assistant.settings import Settings  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"
SETS = {
    "eo": (ROOT / "evalsets" / "exec-orders-dev" / "questions.jsonl", SHARED / "exec-orders" / "docs"),
    "obliqa": (SHARED / "obliqa" / "questions.jsonl", SHARED / "obliqa" / "docs"),
}
# Chosen before any run, from the usual settings of contrastive fine-tuning of sentence embedders (none was tuned on
# these questions): cosine logits at temperature 0.05, 20 hard negatives, batches of 32, Adam at 1e-3.
TEMPERATURE = 0.05
HARD_NEGATIVES = 20
BATCH = 32
LEARNING_RATE = 1e-3
EPOCHS = 30
L2 = 1.0  # on ||W - I||^2 (squared Frobenius): about the size of the loss per question at the start


@dataclass
class Corpus:
    texts: list[str]  # chunk text (what the scorer sees)
    docs: list[str]  # document name per chunk
    vectors: np.ndarray  # chunk vectors, as an ingest stores them
    sent_vectors: np.ndarray | None = None  # sentence vectors (the product's dense side adds the best one's cosine)
    sent_chunk: np.ndarray | None = None  # chunk index per sentence


@dataclass
class Questions:
    ids: list[str]
    vectors: np.ndarray  # encode_query vectors, one row per answerable question
    gold: list[set[int]]  # positive chunk indices
    gold_docs: list[list[str]]  # gold documents, the test one first
    hard: list[list[int]] = field(default_factory=list)


def cache_dir() -> Path:
    path = ROOT / ".eval-cache" / "adapter"
    path.mkdir(parents=True, exist_ok=True)
    return path


def corpus_key(docs_dir: Path, settings: Settings, extra: str = "") -> str:
    shape = [settings.embedder, settings.chunk_size, settings.embed_context, extra]
    digest = hashlib.sha256(json.dumps(shape).encode())
    for path in sorted(p for p in docs_dir.rglob("*") if p.is_file()):
        digest.update(path.relative_to(docs_dir).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{docs_dir.parent.name}-{digest.hexdigest()[:10]}"


def load_corpus(docs_dir: Path, settings: Settings, sentences: bool) -> Corpus:
    chunks = [c for path, name in iter_files([docs_dir])
              for c in split_document(load_document(path, name), settings.chunk_size)]
    texts = [c.page_content for c in chunks]
    docs = [c.metadata["doc"] for c in chunks]
    embedder = get_embedder(settings.embedder)
    cached = cache_dir() / f"{corpus_key(docs_dir, settings)}.npy"
    if not cached.exists():
        t0 = time.time()
        np.save(cached, embedder.encode([embedding_text(c, settings.embed_context) for c in chunks]))
        print(f"  embedded {len(chunks)} chunks of {docs_dir} in {time.time() - t0:.0f} s", file=sys.stderr)
    corpus = Corpus(texts, docs, np.load(cached))
    if sentences:
        spans = [(i, t[a:b]) for i, t in enumerate(texts) for a, b in sentence_spans(t)]
        cached = cache_dir() / f"{corpus_key(docs_dir, settings, 'sentences')}.npy"
        if not cached.exists():
            t0 = time.time()
            np.save(cached, embedder.encode([s for _, s in spans]))
            print(f"  embedded {len(spans)} sentences in {time.time() - t0:.0f} s", file=sys.stderr)
        corpus.sent_vectors, corpus.sent_chunk = np.load(cached), np.array([i for i, _ in spans])
    return corpus


class Coverage:
    """The scorer's ``covers`` of every chunk at once: normalised texts, a word index and a word-3-gram index, so an
    evidence string is checked only against chunks that can cover it (a chunk holding it whole holds its inner
    words whole; one holding half its 3-grams is counted from the 3-gram index). ``--check`` compares with
    ``covers`` itself."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.norm = [normalize(t) for t in texts]
        self.words: dict[str, set[int]] = defaultdict(set)
        self.grams: dict[tuple[str, ...], set[int]] = defaultdict(set)
        for i, t in enumerate(self.norm):
            w = t.split()
            for word in set(w):
                self.words[word].add(i)
            for gram in {tuple(w[j : j + 3]) for j in range(len(w) - 2)}:
                self.grams[gram].add(i)

    def covering(self, evidence: list[str]) -> set[int]:
        out: set[int] = set()
        for e in evidence:
            ne = normalize(e)
            ew = ne.split()
            if not ew:
                continue
            inner = ew[1:-1]
            cands = set.intersection(*(self.words.get(w, set()) for w in inner)) if inner else range(len(self.norm))
            out |= {i for i in cands if ne in self.norm[i]}
            if len(ew) >= 8:
                eg = {tuple(ew[j : j + 3]) for j in range(len(ew) - 2)}
                counts: dict[int, int] = defaultdict(int)
                for gram in eg:
                    for i in self.grams.get(gram, ()):
                        counts[i] += 1
                out |= {i for i, n in counts.items() if n >= 0.5 * len(eg)}
        return out


def load_questions(path: Path, corpus: Corpus, settings: Settings, check: int = 0) -> Questions:
    qs = [q for q in load_jsonl(path) if q.get("answerable", True)]
    coverage = Coverage(corpus.texts)
    cached = cache_dir() / f"questions-{settings.embedder}-{hashlib.sha256(path.read_bytes()).hexdigest()[:10]}.npy"
    if not cached.exists():
        embedder = get_embedder(settings.embedder)
        np.save(cached, np.array([embedder.encode_query(q["question"]) for q in qs]))
    gold = [coverage.covering(q["evidence"]) for q in qs]
    if check:  # the fast path against the scorer's own rule, on a sample of questions and every chunk
        for q, g in random.Random(0).sample(list(zip(qs, gold)), min(check, len(qs))):
            slow = {i for i, t in enumerate(corpus.texts) if any(covers(e, t) for e in q["evidence"])}
            assert slow == g, (q["id"], sorted(slow ^ g)[:5])
        print(f"  coverage checked against covers() on {min(check, len(qs))} questions", file=sys.stderr)
    gold_docs = []
    for q, g in zip(qs, gold):
        counts: dict[str, int] = defaultdict(int)
        for i in g:
            counts[corpus.docs[i]] += 1
        ranked = sorted(counts, key=lambda d: (-counts[d], d))
        hint = q.get("doc_hint")
        gold_docs.append([hint, *[d for d in ranked if d != hint]] if hint else ranked)
    out = Questions([q["id"] for q in qs], np.load(cached), gold, gold_docs)
    base = out.vectors @ corpus.vectors.T
    for row, g in zip(base, gold):
        order = np.argsort(-row)
        out.hard.append([int(i) for i in order[: HARD_NEGATIVES + len(g)] if i not in g][:HARD_NEGATIVES])
    return out


def train(qs: Questions, idx: list[int], corpus: Corpus, seed: int, l2: float | None = None) -> np.ndarray:
    import torch

    l2 = L2 if l2 is None else l2

    torch.manual_seed(seed)
    idx = [i for i in idx if qs.gold[i]]  # a question with no covering chunk has nothing to learn from
    dim = corpus.vectors.shape[1]
    w = torch.nn.Parameter(torch.eye(dim))
    opt = torch.optim.Adam([w], lr=LEARNING_RATE)
    q_all = torch.from_numpy(qs.vectors)
    c_all = torch.from_numpy(corpus.vectors)
    rng = random.Random(seed)
    for _ in range(EPOCHS):
        rng.shuffle(idx)
        for at in range(0, len(idx), BATCH):
            batch = idx[at : at + BATCH]
            cands = sorted({c for i in batch for c in (*qs.gold[i], *qs.hard[i])})
            pos = torch.tensor([[c in qs.gold[i] for c in cands] for i in batch])
            q = torch.nn.functional.normalize(q_all[batch] @ w.T, dim=1)
            logits = q @ c_all[cands].T / TEMPERATURE
            loss = (torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~pos, -1e9), 1)).mean()
            loss = loss + l2 * ((w - torch.eye(dim)) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
    return w.detach().numpy().astype(np.float32)


def scores(qs: Questions, idx: list[int], corpus: Corpus, w: np.ndarray | None) -> np.ndarray:
    """Dense scores of every chunk: cosine to the (adapted) question, plus with sentence vectors the best sentence's
    cosine (the product's dense side; it takes the best sentences among the nearest, here among all: an upper bound
    of the same shape)."""
    q = qs.vectors[idx]
    if w is not None:
        q = q @ w.T
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    s = q @ corpus.vectors.T
    if corpus.sent_vectors is not None:
        best = np.full_like(s, -1.0)
        sent = q @ corpus.sent_vectors.T
        for row in range(len(idx)):
            np.maximum.at(best[row], corpus.sent_chunk, sent[row])
        s = s + best
    return s


def metrics(qs: Questions, idx: list[int], corpus: Corpus, w: np.ndarray | None) -> tuple[float, float]:
    s = scores(qs, idx, corpus, w)
    hit = mrr = 0.0
    for row, i in zip(s, idx):
        top = np.argsort(-row)[:10]
        first = next((r for r, c in enumerate(top, 1) if c in qs.gold[i]), None)
        hit += first is not None and first <= 5
        mrr += 1 / first if first else 0.0
    return hit / len(idx), mrr / len(idx)


def grouped_cv(qs: Questions, corpus: Corpus, k: int, seed: int, l2: float, choices: list[float] | None = None,
               subset: list[int] | None = None) -> list[dict]:
    """Per fold: W trained on questions whose gold documents are all outside it, tested on those of the fold.
    ``choices``: the L2 of each fold is picked among them by the same grouped CV inside its training questions
    (nested: the test fold never sees the choice made)."""
    docs = sorted({d for i in (subset or range(len(qs.ids))) for d in qs.gold_docs[i]} if subset else set(corpus.docs))
    random.Random(seed).shuffle(docs)
    fold_of = {d: i % k for i, d in enumerate(docs)}
    pool = subset if subset is not None else list(range(len(qs.ids)))
    rows = []
    for f in range(k):
        test = [i for i in pool if qs.gold_docs[i] and fold_of[qs.gold_docs[i][0]] == f]
        test += [i for i in pool if not qs.gold_docs[i] and random.Random(qs.ids[i]).randrange(k) == f]
        trainable = [i for i in pool if qs.gold_docs[i] and all(fold_of[d] != f for d in qs.gold_docs[i])]
        if not test:
            continue
        chosen = l2
        if choices:
            inner = {c: grouped_cv(qs, corpus, k - 1, seed, c, None, trainable) for c in choices}
            chosen = max(choices, key=lambda c: (sum(r["hit5_adapted"] * r["n_test"] for r in inner[c]),
                                                 sum(r["mrr10_adapted"] * r["n_test"] for r in inner[c])))
        w = train(qs, trainable, corpus, seed, chosen)
        (h0, m0), (h1, m1) = metrics(qs, test, corpus, None), metrics(qs, test, corpus, w)
        rows.append({"fold": f, "n_test": len(test), "n_train": len(trainable), "hit5": h0, "hit5_adapted": h1,
                     "mrr10": m0, "mrr10_adapted": m1, "l2": chosen})
    return rows


def summary(name: str, rows: list[dict]) -> dict:
    n = sum(r["n_test"] for r in rows)
    out: dict = {"set": name, "questions": n, "folds": len(rows)}
    for key in ("hit5", "hit5_adapted", "mrr10", "mrr10_adapted"):
        out[key] = round(sum(r[key] * r["n_test"] for r in rows) / n, 3)  # pooled over the folds' questions
    deltas = [r["hit5_adapted"] - r["hit5"] for r in rows]
    out["hit5_gain_per_fold"] = [round(d, 3) for d in deltas]
    out["l2_per_fold"] = [r["l2"] for r in rows]
    out["hit5_gain_fold_mean"] = round(statistics.mean(deltas), 3)
    out["hit5_gain_fold_sd"] = round(statistics.stdev(deltas), 3) if len(deltas) > 1 else 0.0
    mdeltas = [r["mrr10_adapted"] - r["mrr10"] for r in rows]
    out["mrr10_gain_fold_mean"] = round(statistics.mean(mdeltas), 3)
    out["mrr10_gain_fold_sd"] = round(statistics.stdev(mdeltas), 3) if len(mdeltas) > 1 else 0.0
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=("eo", "obliqa", "transfer", "all"), default="all")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", default="0,1,2", help="fold deals (and training seeds), comma-separated")
    parser.add_argument("--sentences", action="store_true",
                        help="score as the product's dense side does (chunk cosine + best sentence cosine)")
    parser.add_argument("--check", type=int, default=0, help="check the chunk labels against covers() on N questions")
    parser.add_argument("--in-sample", action="store_true", help="also train and test on every question (a diagnostic)")
    parser.add_argument("--nested", help="L2 values to pick from per fold by inner grouped CV, e.g. 1,0.1,0.01")
    parser.add_argument("--l2", type=float, default=L2)
    parser.add_argument("--save", type=Path, help="train on every question of --set (eo or obliqa), save W (.npy)")
    args = parser.parse_args()
    settings = Settings()
    seeds = [int(s) for s in args.seeds.split(",")]
    choices = [float(c) for c in args.nested.split(",")] if args.nested else None
    loaded: dict[str, tuple[Questions, Corpus]] = {}

    def get(name: str) -> tuple[Questions, Corpus]:
        if name not in loaded:
            path, docs = SETS[name]
            corpus = load_corpus(docs, settings, args.sentences)
            qs = load_questions(path, corpus, settings, args.check)
            print(f"{name}: {len(corpus.texts)} chunks, {len(qs.ids)} answerable questions, "
                  f"{sum(1 for g in qs.gold if g)} with a covering chunk", file=sys.stderr)
            loaded[name] = qs, corpus
        return loaded[name]

    for name in ("eo", "obliqa"):
        if args.set in (name, "all"):
            qs, corpus = get(name)
            for seed in seeds:
                t0 = time.time()
                rows = grouped_cv(qs, corpus, args.folds, seed, args.l2, choices)
                print(json.dumps({**summary(name, rows), "seed": seed, "l2": args.l2, "sentences": args.sentences,
                                  "seconds": round(time.time() - t0)}))
            if args.in_sample:  # not a result: how far W moves and what it fits on the questions it saw
                every = list(range(len(qs.ids)))
                w = train(qs, every, corpus, seeds[0], args.l2)
                (h0, m0), (h1, m1) = metrics(qs, every, corpus, None), metrics(qs, every, corpus, w)
                print(json.dumps({"set": name, "in_sample": True, "hit5": round(h0, 3), "hit5_adapted": round(h1, 3),
                                  "mrr10": round(m0, 3), "mrr10_adapted": round(m1, 3), "l2": args.l2,
                                  "w_minus_identity_frobenius": round(float(np.linalg.norm(w - np.eye(len(w)))), 3)}))
    if args.set in ("transfer", "all"):
        src, src_corpus = get("obliqa")
        dst, dst_corpus = get("eo")
        for seed in seeds:
            w = train(src, list(range(len(src.ids))), src_corpus, seed, args.l2)
            every = list(range(len(dst.ids)))
            (h0, m0), (h1, m1) = metrics(dst, every, dst_corpus, None), metrics(dst, every, dst_corpus, w)
            print(json.dumps({"set": "obliqa -> eo", "seed": seed, "questions": len(every), "hit5": round(h0, 3),
                              "hit5_adapted": round(h1, 3), "mrr10": round(m0, 3), "mrr10_adapted": round(m1, 3),
                              "l2": args.l2, "sentences": args.sentences}))
    if args.save:
        name = "obliqa" if args.set in ("obliqa", "transfer") else "eo"
        qs, corpus = get(name)
        np.save(args.save, train(qs, list(range(len(qs.ids))), corpus, seeds[0], args.l2).astype(np.float16))
        print(f"saved {args.save} ({args.save.stat().st_size // 1024} KB), trained on {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
