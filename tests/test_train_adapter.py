"""scripts/train_adapter.py: its chunk labels are the scorer's ``covers``, and the adapter it trains ranks the
questions it was trained on better (the measurement itself is in docs/evaluation.md; it needs the shared sets)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.evaluation import covers

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):  # noqa: ANN202
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


train_adapter = _script("train_adapter")

TEXTS = [
    "All departments shall be closed on Tuesday, December 24, 2024, the day before Christmas Day.",
    "Regulation of the agency: the Board shall report to the President within 30 days of its creation.",
    "The Board shall report to the Congress within ninety days, and shall publish its findings each year thereafter.",
    "Contractors shall pay workers an hourly minimum wage of at least $15.00 beginning January 30, 2022.",
]
EVIDENCE = [
    "closed on Tuesday, December 24",  # whole, short
    "ulation of the agency",  # whole, starting inside a word
    "Board",  # one word: every chunk that holds it
    # 8+ words, half of its 3-grams in the third text but not whole in any
    "the Board shall report to the Congress within ninety days and then dissolve itself forever",
    "minimum wage of $17.75 for every worker on a federal contract",  # in none
]


def test_fast_coverage_labels_exactly_the_chunks_covers_accepts():
    coverage = train_adapter.Coverage(TEXTS)
    for e in EVIDENCE:
        assert coverage.covering([e]) == {i for i, t in enumerate(TEXTS) if covers(e, t)}, e
    assert coverage.covering([EVIDENCE[3]]) == {2}  # the partial-cover rule is exercised, not only substrings


@pytest.mark.slow  # ~8 s of torch training on a loaded 2-core machine; the script is not on the product's path
def test_trained_adapter_ranks_its_training_questions_gold_chunk_higher(monkeypatch):
    monkeypatch.setattr(train_adapter, "EPOCHS", 10)  # enough for this small problem
    rng = np.random.default_rng(0)
    dim, n = 384, 80
    chunks = rng.normal(size=(n, dim)).astype(np.float32)
    chunks /= np.linalg.norm(chunks, axis=1, keepdims=True)
    # Each question is its gold chunk turned by a fixed rotation, with a little of the chunk left: plain cosine
    # finds the gold chunk for under half of them; a linear map can undo the rotation.
    rot, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    qv = (0.1 * chunks + chunks @ rot.T.astype(np.float32)).astype(np.float32)
    qv /= np.linalg.norm(qv, axis=1, keepdims=True)
    corpus = train_adapter.Corpus([f"c{i}" for i in range(n)], ["d"] * n, chunks)
    qs = train_adapter.Questions([f"q{i}" for i in range(n)], qv, [{i} for i in range(n)], [["d"]] * n)
    qs.hard = [[int(j) for j in np.argsort(-(chunks @ q))[:21] if j != i][:20] for i, q in enumerate(qv)]
    every = list(range(n))
    plain_hit, _ = train_adapter.metrics(qs, every, corpus, None)
    hit, mrr = train_adapter.metrics(qs, every, corpus, train_adapter.train(qs, every, corpus, seed=0, l2=0.01))
    assert plain_hit < 0.6
    assert hit > 0.95 and mrr > 0.9
