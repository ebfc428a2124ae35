"""Scale benchmark (issue 9, point 6): one library at N chunks, through the public ``Library`` API only.

    .venv/bin/python benchmarks/scale.py --size 10000 --index /tmp/scale-10k --vectors /tmp/vectors.npy --out R.json
    .venv/bin/python benchmarks/scale.py --size 100000 --index /tmp/scale-100k --vectors /tmp/vectors.npy --reuse ...

Measures, in order (texts: benchmarks/scale_corpus.py):
1. build: ``Library.add_documents`` of the corpus into an empty index (files read beforehand, not timed), with the
   real model; with ``--reuse`` the chunk and sentence vectors the model gave the same texts in an earlier run
   (``--vectors``; without ``--reuse`` the run saves them there). Build RSS and disk (``du``) of the index.
2. add one ~20-page document (held out of the corpus) into the full library, and the part of it spent in the model
   embedding its chunk and sentence texts (the target is 3 s plus that); then remove it.
3. latency over questions of ObliQA, PolicyQA and SciFact: ``search`` (k=10), ``ask`` (search + cited answer),
   and plain LangChain ``Chroma.similarity_search(k=5)`` on the same collection and embedder, interleaved.
4. cold start: a fresh process opens the library and answers one question (the page does the same on its first
   question, without the Streamlit server's own start); wall time from spawning it, then its peak RSS after
   20 more questions. The same for a process that opens plain LangChain ``Chroma`` and runs one similarity_search.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.chunking import sentence_spans, split_document  # noqa: E402
from assistant.embeddings import get_embedder  # noqa: E402
from assistant.evaluation import load_jsonl  # noqa: E402
from assistant.library import Library  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from benchmarks.bench import machine, percentile  # noqa: E402
from benchmarks.scale_corpus import EVAL, CachedEmbedder, corpus  # noqa: E402

QUESTIONS = {"obliqa": 60, "policyqa": 20, "scifact": 20}  # 100 questions across the three kinds of text
WARM_QUESTIONS = 20  # asked after the first answer in the cold-start process, so its RSS is a serving one


def questions() -> list[str]:
    out = [q["question"] for q in load_jsonl(EVAL / "obliqa" / "questions.jsonl")[: QUESTIONS["obliqa"]]]
    out += [q["question"] for q in load_jsonl(EVAL / "policyqa" / "questions.jsonl")[: QUESTIONS["policyqa"]]]
    out += [q["text"] for q in load_jsonl(EVAL / "scifact" / "queries.jsonl")[: QUESTIONS["scifact"]]]
    return out


def timed(fn, *args, **kwargs) -> tuple[float, object]:  # noqa: ANN001
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def disk_mb(path: Path) -> float:
    return round(int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True).stdout.split()[0]) / 1e6)


def rss_mb() -> int:
    """Peak RSS of this process. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across
    fork + exec, so a child spawned by a large process would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def stats(ms: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1)}


def own_texts(lib: Library, doc) -> tuple[int, int]:  # noqa: ANN001
    """How many chunks and sentences one document has."""
    chunks = split_document(doc, lib.settings.chunk_size)
    return len(chunks), sum(len(sentence_spans(c.page_content)) for c in chunks)


def cold_start(index: Path, question: str, plain: bool) -> dict:
    """Spawn a process that opens the index and answers ``question``; seconds until its answer, then its RSS."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", "plain" if plain else "library", "--index", str(index)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    proc.stdin.write(json.dumps(question) + "\n")
    proc.stdin.close()
    first = proc.stdout.readline()
    seconds = time.perf_counter() - start
    rest = proc.stdout.read()
    proc.wait(timeout=600)
    return {"seconds_to_first_answer": round(seconds, 2), **json.loads(rest or first or "{}")}


def child(kind: str, index: Path) -> None:
    """The cold-start process: answer the question on stdin, say so at once, then report its RSS."""
    question = json.loads(sys.stdin.readline())
    settings = Settings(index_dir=index)
    if kind == "plain":
        from langchain_chroma import Chroma

        from assistant.chroma import chroma_client

        store = Chroma(client=chroma_client(settings), collection_name=settings.collection,
                       embedding_function=get_embedder(settings.embedder))  # fmt: skip
        ask = lambda q: store.similarity_search(q, k=5)  # noqa: E731
    else:
        ask = Library(settings).ask
    ask(question)
    print("{}", flush=True)
    for q in questions()[:WARM_QUESTIONS]:
        ask(q)
    print(json.dumps({"rss_mb_after_questions": rss_mb()}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000, help="chunks in the library (whole documents: a bit more)")
    parser.add_argument("--index", type=Path, required=True, help="folder for the index (built if missing)")
    parser.add_argument("--vectors", type=Path, help="folder of vectors the model gave each text: read, and added to")
    parser.add_argument("--cached-only", action="store_true",
                        help="real texts: only documents whose vectors are all in --vectors (no model work)")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--resume", action="store_true",
                        help="the build of --index was stopped: add the rest (documents already in it are skipped by "
                             "their content hash); the build row then times only what this run added")
    parser.add_argument("--add-only", action="store_true", help="over a built index: only add and remove the document")
    parser.add_argument("--background-bm25", action="store_true",
                        help="as the page does: a write returns before BM25 is rebuilt (timed apart: caught_up)")
    parser.add_argument("--child", choices=["library", "plain"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.index)

    settings = Settings(index_dir=args.index)
    model = get_embedder(settings.embedder)
    cache = CachedEmbedder(model, args.vectors)
    docs, extra, rounds, distinct = corpus(args.size, settings.chunk_size, cache if args.cached_only else None)
    result: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(), "size": args.size,
                    "documents": len(docs), "text_rounds": rounds, "distinct_real_chunks": distinct,
                    "vectors_cached_before": len(cache.rows)}
    built = args.index.exists()
    lib = Library(settings, embedder=cache, background_bm25=args.background_bm25)
    if args.resume:
        result["resumed_with_chunks"] = lib.counts()["records"]
    if not built or args.resume:
        model.encode(["warm-up"] * 65)  # load the model and its large-batch path before the clock starts
        seconds, report = timed(lib.add_documents, docs)
        result["build"] = {"seconds": round(seconds, 1), "chunks": report.chunks_added,
                           "chunks_per_s": round(report.chunks_added / seconds, 1),
                           "model_embedded_texts": cache.misses, "cached_texts": cache.hits}  # fmt: skip
    result["counts"] = lib.counts()
    result["disk_mb"] = disk_mb(args.index)
    # The files beside Chroma, by size (with the catalog in Chroma: none that a write rewrites whole)
    result["files_mb"] = {p.name: round(p.stat().st_size / 1e6, 1) for p in sorted(args.index.iterdir()) if p.is_file()}
    result["build_rss_mb"] = rss_mb()
    print(json.dumps(result), flush=True)

    # One ~20-page document into the full library, and out again. The real model embeds it (not in the cache).
    name = extra.metadata["doc"]
    before = cache.model_seconds
    add_seconds, report = timed(lib.add_documents, [extra])
    embed_seconds = cache.model_seconds - before  # the model's share of this very add (its texts are not cached)
    add_caught_up, _ = timed(lib.counts)  # waits for a BM25 rebuild still running beside the questions
    n_chunks, n_sentences = own_texts(lib, extra)
    remove_seconds, removed = timed(lib.remove, name)
    remove_caught_up, _ = timed(lib.counts)
    result["add_one"] = {"document": name, "chars": len(extra.page_content), "chunks": n_chunks,
                         "sentences": n_sentences, "seconds": round(add_seconds, 2),
                         "own_embedding_seconds": round(embed_seconds, 2),
                         "seconds_beyond_embedding": round(add_seconds - embed_seconds, 2),
                         "bm25_caught_up_after_s": round(add_caught_up, 2),
                         "remove_seconds": round(remove_seconds, 2), "removed_chunks": removed,
                         "remove_bm25_caught_up_after_s": round(remove_caught_up, 2),
                         "background_bm25": args.background_bm25}  # fmt: skip
    print(json.dumps(result["add_one"]), flush=True)

    if args.add_only:
        return write_out(result, args.out)
    qs = questions()
    vectorstore = lib.vectorstore()
    lib.ask(qs[0])  # warm-up
    vectorstore.similarity_search(qs[0], k=5)
    search_ms, ask_ms, plain_ms = [], [], []
    for q in qs:  # interleaved, so load from other jobs on the machine hits every side alike
        search_ms.append(timed(lib.search, q, 10)[0] * 1000)
        ask_ms.append(timed(lib.ask, q)[0] * 1000)
        plain_ms.append(timed(vectorstore.similarity_search, q, k=5)[0] * 1000)
    result["latency"] = {"questions": len(qs), "search": stats(search_ms), "ask": stats(ask_ms),
                         "langchain_similarity_search": stats(plain_ms)}  # fmt: skip
    print(json.dumps(result["latency"]), flush=True)
    del lib, vectorstore

    result["cold_start"] = {"library": cold_start(args.index, qs[1], plain=False),
                            "langchain_chroma": cold_start(args.index, qs[1], plain=True)}  # fmt: skip
    result["peak_rss_mb"] = rss_mb()
    print(json.dumps(result["cold_start"]), flush=True)
    write_out(result, args.out)


def write_out(result: dict, out: Path | None) -> None:
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
