"""Embedding speed of the two embedders on the same texts, interleaved so machine load hits both alike.

    .venv/bin/python benchmarks/embedders.py [--rounds 3]

Texts: the sentences of the seed document, three times over. Prints seconds per embedder and their ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.chunking import sentence_spans  # noqa: E402
from assistant.embeddings import get_embedder  # noqa: E402

SEED = ROOT / "seeds" / "developing-strategic-emerging-industries.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    text = SEED.read_text(encoding="utf-8")
    texts = [text[a:b] for a, b in sentence_spans(text)] * 3
    minilm, e5 = get_embedder("minilm"), get_embedder("e5")
    minilm.encode(texts[:8])  # warm-up: neither side pays first-call costs
    e5.encode(texts[:8])
    seconds = {"minilm": 0.0, "e5": 0.0}
    for _ in range(args.rounds):
        for name, embedder in (("minilm", minilm), ("e5", e5)):
            start = time.perf_counter()
            embedder.encode(texts)
            seconds[name] += time.perf_counter() - start
    print(
        f"{len(texts)} texts x {args.rounds} rounds: minilm {seconds['minilm']:.2f} s, e5 {seconds['e5']:.2f} s, "
        f"e5/minilm {seconds['e5'] / seconds['minilm']:.2f}"
    )


if __name__ == "__main__":
    main()
