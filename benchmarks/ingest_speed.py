"""Ingest speed (issue 9, point 7): the model work of an ingest done in several ways, chunks/s of each.

    .venv/bin/python benchmarks/ingest_speed.py [--docs ../shared/eval/obliqa/docs] [--chunks 200] [--rounds 2]

Texts: the first ``--chunks`` chunks of the folder (default settings: chunk texts embedded under their title and
section, every sentence embedded on its own), exactly what ``Library.ingest`` hands the model. Variants, each
timed ``--rounds`` times, interleaved so load from other jobs falls on all alike (the best round is reported):

- fp32: chunk texts, then sentences, in float32 (before commit 1ea89b3)
- bf16: the same in bfloat16 autocast (main now: ``MiniLMEmbeddings`` on a CPU with native bfloat16)
- bf16-skip-whole: bf16, without the sentences that are their whole chunk (point 7's "not embedding a sentence
  that is its whole chunk"; their vector would be the chunk's, which carries the title and section)
- bf16-one-call: chunk and sentence texts in one call, so the length sort spans both
- bf16-unbucketed: batches of 64 in document order, one call each: what sentence-transformers' own length sort
  (it orders every call's texts by length before batching) is worth
- onnx-fp32: the bundled model's ONNX export (assistant/onnx_minilm.py, what questions use) on ONNX Runtime with
  2 threads, float32, the texts sorted by length into batches of 64 as sentence-transformers does
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.chunking import sentence_spans, split_document  # noqa: E402
from assistant.documents import iter_files, load_document  # noqa: E402
from assistant.embeddings import _precision, _threads, get_embedder  # noqa: E402
from assistant.library import embedding_text  # noqa: E402
from assistant.onnx_minilm import OnnxMiniLM, export  # noqa: E402
from assistant.settings import Settings  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=Path, default=EVAL / "obliqa" / "docs")
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    settings = Settings()
    chunks = []
    for path, name in iter_files([args.docs]):
        chunks += split_document(load_document(path, name), settings.chunk_size)
        if len(chunks) >= args.chunks:
            break
    chunks = chunks[: args.chunks]
    texts = [embedding_text(c, settings.embed_context) for c in chunks]
    sentences = [c.page_content[a:b] for c in chunks for a, b in sentence_spans(c.page_content)]
    whole = {c.page_content.strip() for c in chunks}
    partial = [s for s in sentences if s.strip() not in whole]
    embedder = get_embedder("minilm")
    model = embedder.model
    size = embedder.batch_size

    def encode(items: list[str], bf16: bool) -> np.ndarray:
        with _threads(2), _precision(bfloat16=bf16):  # as MiniLMEmbeddings does for an ingest's large batches
            return model.encode(items, batch_size=size, normalize_embeddings=True, convert_to_numpy=True)

    def unbucketed() -> None:
        for items in (texts, sentences):
            for at in range(0, len(items), size):
                encode(items[at : at + size], True)

    runtime = OnnxMiniLM(export(), threads=2)

    def onnx(items: list[str]) -> None:
        ordered = sorted(items, key=len, reverse=True)
        for at in range(0, len(ordered), size):
            runtime.encode(ordered[at : at + size])

    variants = {
        "fp32": lambda: (encode(texts, False), encode(sentences, False)),
        "bf16": lambda: (encode(texts, True), encode(sentences, True)),
        "bf16-skip-whole": lambda: (encode(texts, True), encode(partial, True)),
        "bf16-one-call": lambda: encode(texts + sentences, True),
        "bf16-unbucketed": unbucketed,
        "onnx-fp32": lambda: (onnx(texts), onnx(sentences)),
    }
    encode(texts[:64], True)  # warm-up
    best: dict[str, float] = {}
    names = list(variants)
    for round_ in range(args.rounds):
        # each round starts one variant later: none always runs first (colder) or right after the same one
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            run = variants[name]
            start = time.perf_counter()
            run()
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
            print(name, round(time.perf_counter() - start, 1), flush=True)
    # How far a skipped sentence's vector (taken from its chunk) is from its own
    pairs = [(embedding_text(c, settings.embed_context), c.page_content) for c in chunks
             if any(c.page_content[a:b].strip() == c.page_content.strip() for a, b in sentence_spans(c.page_content))]
    cosines = [float(a @ b) for a, b in zip(encode([p[0] for p in pairs], False), encode([p[1] for p in pairs], False))]
    result = {
        "docs": str(args.docs), "chunks": len(chunks), "sentences": len(sentences),
        "whole_chunk_sentences": len(sentences) - len(partial),
        "chunk_vs_own_sentence_vector_cosine_min_median": [round(min(cosines), 3), round(float(np.median(cosines)), 3)]
        if cosines else None,
        "seconds": {k: round(v, 1) for k, v in best.items()},
        "chunks_per_s": {k: round(len(chunks) / v, 2) for k, v in best.items()},
        "vs_fp32": {k: round(best["fp32"] / v, 2) for k, v in best.items()},
    }  # fmt: skip
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
