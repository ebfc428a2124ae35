"""Speed benchmark: ingest throughput and question latency, each beside a baseline run in the same process.

    .venv/bin/python benchmarks/bench.py [--docs ../shared/eval/obliqa/docs] [--questions N] [--out FILE.json]
                                         [--index DIR  (ask phase only, over an index already built)]

1. Ingest: chunks/s of `Library.ingest` over the docs folder, and the ratio to plain
   `SentenceTransformer.encode` of the same chunk texts, and of the chunk and sentence texts together (the model
   work an index with sentence vectors does; the encoder is the floor: 1.0 means no overhead).
2. Ask: p50/p95 latency of `Library.ask` (hybrid search + cited extractive answer) over the first N questions,
   beside plain LangChain `Chroma.similarity_search(k=5)` on the same collection and embedder.
3. Peak RSS of the process.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.chunking import sentence_spans, split_document  # noqa: E402
from assistant.documents import iter_files, load_document  # noqa: E402
from assistant.evaluation import load_jsonl  # noqa: E402
from assistant.library import Library, embedding_text  # noqa: E402
from assistant.settings import Settings  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn, *args, **kwargs) -> tuple[float, object]:  # noqa: ANN001
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def bench_ingest(lib: Library, docs: Path) -> dict:
    files = iter_files([docs])
    chunks = [c for p, name in files for c in split_document(load_document(p, name), lib.settings.chunk_size)]
    texts = [c.page_content for c in chunks]
    sentences = [t[a:b] for t in texts for a, b in sentence_spans(t)] if lib.settings.sentence_vectors else []
    model = lib.embedder.model  # the plain SentenceTransformer the library wraps
    model.encode(texts[:64])  # warm-up, so neither side pays first-call costs
    raw_seconds, _ = timed(model.encode, texts, batch_size=lib.embedder.batch_size, normalize_embeddings=True)
    raw_sentence_seconds, _ = timed(model.encode, sentences, batch_size=lib.embedder.batch_size)
    ingest_seconds, report = timed(lib.ingest, [docs])
    embedded = [embedding_text(c, lib.settings.embed_context) for c in chunks]
    return {
        "files": len(report.added),
        "chunks": report.chunks_added,
        "sentences": len(sentences),
        "embedded_chars_per_chunk_text_char": round(sum(map(len, embedded)) / sum(map(len, texts)), 3),
        "raw_encode_seconds": round(raw_seconds, 1),
        "raw_encode_sentences_seconds": round(raw_sentence_seconds, 1),
        "ingest_seconds": round(ingest_seconds, 1),
        "raw_encode_chunks_per_s": round(len(texts) / raw_seconds, 1),
        "ingest_chunks_per_s": round(report.chunks_added / ingest_seconds, 1),
        # The chunk texts alone: what a chunk-only index has to embed.
        "ingest_vs_raw_encode": round(raw_seconds / ingest_seconds, 3),
        # Chunks and sentences: the model work this ingest does; the rest is the pipeline's own cost.
        "ingest_vs_raw_encode_of_chunks_and_sentences": round((raw_seconds + raw_sentence_seconds) / ingest_seconds, 3),
    }


def bench_ask(lib: Library, questions: list[str]) -> dict:
    vectorstore = lib.vectorstore()
    lib.ask(questions[0])  # warm-up
    vectorstore.similarity_search(questions[0], k=5)
    ours, plain = [], []
    for q in questions:  # interleaved, so load on the machine hits both sides alike
        ours.append(timed(lib.ask, q)[0] * 1000)
        plain.append(timed(vectorstore.similarity_search, q, k=5)[0] * 1000)
    return {
        "questions": len(questions),
        "ask_p50_ms": round(statistics.median(ours), 1),
        "ask_p95_ms": round(percentile(ours, 0.95), 1),
        "langchain_similarity_search_p50_ms": round(statistics.median(plain), 1),
        "langchain_similarity_search_p95_ms": round(percentile(plain, 0.95), 1),
        "ask_vs_langchain_p50": round(statistics.median(ours) / statistics.median(plain), 2),
    }


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import os

    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=Path, default=EVAL / "obliqa" / "docs")
    parser.add_argument("--question-file", type=Path, default=EVAL / "obliqa" / "questions.jsonl")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    parser.add_argument("--index", type=Path, help="ask over this existing index (of --docs) and skip the ingest phase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library(Settings(index_dir=args.index or Path(tmp) / "index"))
        ingest = bench_ingest(lib, args.docs) if args.index is None else {"skipped": f"existing index {args.index}"}
        questions = load_jsonl(args.question_file)[: args.questions]
        ask = bench_ask(lib, [q["question"] for q in questions])
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "settings": {"embedder": lib.settings.embedder, "chunk_size": lib.settings.chunk_size,
                     "embed_context": lib.settings.embed_context, "sentence_vectors": lib.settings.sentence_vectors,
                     "dense_weight": lib.settings.dense_weight},
        "ingest": ingest,
        "ask": ask,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
