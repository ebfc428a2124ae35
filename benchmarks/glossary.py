"""What the dictionary translation of Chinese questions costs (assistant/glossary.py), beside the e5 question
embedding every question pays in the same process.

    .venv/bin/python benchmarks/glossary.py

Prints: the dictionary's load time and the memory it holds (tracemalloc, measured in a second load), and the time
per question of english_terms against e5's question vector, over the Chinese questions of evalsets/exec-orders-zh.
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import glossary  # noqa: E402
from assistant.embeddings import get_embedder  # noqa: E402

QUESTIONS = ROOT / "evalsets" / "exec-orders-zh" / "questions.jsonl"


def main() -> None:
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    start = time.perf_counter()
    glossary.dictionary()
    load = time.perf_counter() - start
    glossary.dictionary.cache_clear()
    tracemalloc.start()
    glossary.dictionary()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    e5 = get_embedder("e5")
    e5.encode_query(questions[0])  # warm-up
    timings = {"english_terms": 0.0, "e5 question vector": 0.0}
    for _ in range(3):
        for question in questions:
            start = time.perf_counter()
            glossary.english_terms(question)
            middle = time.perf_counter()
            e5.encode_query(question)
            timings["english_terms"] += middle - start
            timings["e5 question vector"] += time.perf_counter() - middle
    n = 3 * len(questions)
    terms, vector = timings["english_terms"] / n, timings["e5 question vector"] / n
    print(
        f"dictionary: {len(glossary.dictionary())} headwords, load {load:.2f} s, holds {held / 1e6:.0f} MB; "
        f"per question: english_terms {terms * 1e3:.2f} ms, e5 question vector {vector * 1e3:.1f} ms, "
        f"ratio {terms / vector:.3f}"
    )


if __name__ == "__main__":
    main()
