"""How long a full BM25 build takes over an index's chunks (the cost a write no longer pays: lexical.OVERLAY_LIMIT).

    .venv/bin/python benchmarks/bm25_build.py /tmp/scale/idx-100k-b

Reads the chunk texts from the index's local copy (records.sqlite) and times tokenizing them and building bm25s.
"""

import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.lexical import LexicalIndex, tokenize  # noqa: E402
from assistant.records import FILE  # noqa: E402

if __name__ == "__main__":
    db = sqlite3.connect(Path(sys.argv[1]) / FILE)
    texts = dict(db.execute("SELECT id, text FROM chunks"))
    ids = sorted(texts)
    start = time.perf_counter()
    tokens = [tokenize(texts[cid]) for cid in ids]
    tokenized = time.perf_counter()
    LexicalIndex(ids, tokens)
    print(f"{len(ids)} chunks: tokenizing {tokenized - start:.1f} s, indexing {time.perf_counter() - tokenized:.1f} s")
