"""The scale benchmark's vector cache: vectors the real model gave a text are served again, by text, through
``Library(embedder=...)``, and a library built from them answers as one built by the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.embeddings import get_embedder
from assistant.library import Library
from benchmarks.scale_corpus import CachedEmbedder
from tests.conftest import SEED_DOC, SEEDS, make_settings


def test_cached_vectors_build_the_same_library(tmp_path: Path) -> None:
    model = get_embedder("minilm")
    first = CachedEmbedder(model, tmp_path / "vectors")
    built = Library(make_settings(tmp_path / "a"), embedder=first)
    built.ingest([SEEDS / SEED_DOC])
    assert first.misses > 0 and built.counts()["records"] > 0

    again = CachedEmbedder(model, tmp_path / "vectors")  # read back from the folder, as a later run does
    reused = Library(make_settings(tmp_path / "b"), embedder=again)
    reused.ingest([SEEDS / SEED_DOC])
    assert again.misses == 0  # the model embedded nothing this time
    assert reused.counts() == built.counts()

    question = "What does the plan say about new energy vehicles?"
    ours, theirs = reused.search(question, 5), built.search(question, 5)
    assert [h.chunk.metadata["chunk_id"] for h in ours] == [h.chunk.metadata["chunk_id"] for h in theirs]
    text = "A text no document holds."
    assert np.allclose(again.encode([text]), model.encode([text]))  # a miss goes to the model
    assert again.misses == 1
