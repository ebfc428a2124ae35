"""Dense search at Chroma's default ef_search (100) beside ours (chroma.SEARCH_EF): time and exactness.

    .venv/bin/python benchmarks/search_ef.py [--index DIR] [--questions N] [--rounds R]

Over an index already built (default: the ObliQA eval index, the largest of the eval sets; `assistant eval
--questions ../shared/eval/obliqa/questions.jsonl --limit 1` builds it), the first N ObliQA questions are asked
of the chunk and the sentence collections as retrieval asks them (settings.candidates chunks, four sentences per
chunk), at each ef in turn, R rounds interleaved, all in this one process. Each ef opens the index afresh (a new
client generation), since Chroma reads ef_search when it loads a collection's vectors. Prints, per ef: the median
milliseconds per question of both queries, its ratio to ef 100's, and the share of the exact nearest (numpy over
the stored vectors) that the search returned, and per collection how many it missed and how many of those tie
with another vector (a sentence stored more than once).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.chroma import SEARCH_EF, chroma_client  # noqa: E402
from assistant.embeddings import get_embedder  # noqa: E402
from assistant.evaluation import load_jsonl  # noqa: E402
from assistant.evaluation.runs import eval_index_dir  # noqa: E402
from assistant.retrieval import SENTENCES_PER_CHUNK  # noqa: E402
from assistant.settings import Settings  # noqa: E402

OBLIQA = ROOT.parent / "shared" / "eval" / "obliqa"


def vectors(collection: object) -> tuple[list[str], np.ndarray]:
    ids: list[str] = []
    rows: list[np.ndarray] = []
    for offset in range(0, collection.count(), 5000):
        got = collection.get(include=["embeddings"], limit=5000, offset=offset)
        ids += got["ids"]
        rows.append(np.asarray(got["embeddings"], dtype=np.float32))
    matrix = np.vstack(rows)
    return ids, matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    index = args.index or eval_index_dir(settings, OBLIQA / "docs")
    if not (index / "chroma").exists():
        sys.exit(f"{index}: no index there; build it first (see this script's docstring)")
    settings = settings.model_copy(update={"index_dir": index})
    names = {"chunks": settings.collection, "sentences": f"{settings.collection}-sentences"}
    sizes = {"chunks": settings.candidates, "sentences": settings.candidates * SENTENCES_PER_CHUNK}
    embedder = get_embedder(settings.embedder)
    questions = [q["question"] for q in load_jsonl(OBLIQA / "questions.jsonl")[: args.questions]]
    query_vectors = np.array([embedder.encode_query(q) for q in questions])
    client = chroma_client(settings)
    exact: dict[str, list[set[str]]] = {}
    tied: dict[str, set[str]] = {}  # exact neighbours whose score another vector shares (repeated sentences)
    for part, name in names.items():
        ids, matrix = vectors(client.get_collection(name))
        exact[part], tied[part] = [], set()
        for v in query_vectors:
            scores = matrix @ v
            best = np.argsort(-scores)[: sizes[part]]
            exact[part].append({ids[i] for i in best})
            tied[part] |= {ids[i] for i in best if np.count_nonzero(np.abs(scores - scores[i]) < 1e-6) > 1}
    generation = 1
    timings: dict[int, list[float]] = {100: [], SEARCH_EF: []}
    missed: dict[int, dict[str, list[int]]] = {}  # ef -> part -> [missed, of which tied]
    for _ in range(args.rounds):
        for ef in timings:
            writer = chroma_client(settings, generation)
            for name in names.values():
                writer.get_collection(name).modify(configuration={"hnsw": {"ef_search": ef}})
            reader = chroma_client(settings, generation + 1)  # loads the vectors with this ef
            generation += 2
            collections = {part: reader.get_collection(name) for part, name in names.items()}
            for part, collection in collections.items():  # load before timing
                collection.query(query_embeddings=[query_vectors[0]], n_results=sizes[part])
            missed[ef] = {part: [0, 0] for part in names}
            start = time.perf_counter()
            for n, v in enumerate(query_vectors):
                for part, collection in collections.items():
                    got = set(collection.query(query_embeddings=[v], n_results=sizes[part], include=[])["ids"][0])
                    lost = exact[part][n] - got
                    missed[ef][part][0] += len(lost)
                    missed[ef][part][1] += len(lost & tied[part])
            timings[ef].append((time.perf_counter() - start) * 1000 / len(query_vectors))
    base = statistics.median(timings[100])
    total = len(query_vectors) * sum(sizes.values())
    result = {f"ef_{ef}": {"ms_per_question": round(statistics.median(t), 2),
                           "ratio_to_ef_100": round(statistics.median(t) / base, 2),
                           "share_of_exact_nearest": round(1 - sum(m for m, _ in missed[ef].values()) / total, 4),
                           "missed_and_tied": missed[ef]} for ef, t in timings.items()}
    counts = {part: client.get_collection(name).count() for part, name in names.items()}
    print(json.dumps({"index": str(index), "vectors": counts, "questions": len(questions), **result}, indent=1))
    restore = chroma_client(settings, generation)
    for name in names.values():  # leave the index as the code opens it
        restore.get_collection(name).modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})


if __name__ == "__main__":
    main()
