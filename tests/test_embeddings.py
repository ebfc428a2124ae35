"""The bundled MiniLM: an ingest's large batches (bfloat16 where the CPU has it) and a search's small ones must
give the same vectors, or a question would no longer find the passage it was indexed under."""

from pathlib import Path

import numpy as np

from assistant.embeddings import SMALL_BATCH, get_embedder

SEED = Path(__file__).resolve().parents[1] / "seeds"


def _sentences() -> list[str]:
    text = " ".join(p.read_text() for p in sorted(SEED.glob("*.txt")))
    return [s.strip() for s in text.replace("\n", " ").replace(",", ".").split(".") if len(s.strip()) > 20]


def test_a_large_batch_gives_the_vectors_a_search_would() -> None:
    embedder = get_embedder("minilm")
    sentences = _sentences()
    assert len(sentences) > SMALL_BATCH  # so the batch takes the ingest path
    together = embedder.encode(sentences)
    one_by_one = np.stack([embedder.encode([s])[0] for s in sentences[:20]])
    assert together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    agreement = (together[:20] * one_by_one).sum(axis=1)
    assert agreement.min() >= 0.999
    # and each sentence is still nearest to itself: the precision loses nothing a search could see
    assert (np.argmax(one_by_one @ together.T, axis=1) == np.arange(20)).all()
