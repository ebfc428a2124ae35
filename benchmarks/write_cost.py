"""What one write costs beyond Chroma in the index layout of commit 1ea89b3 (a one-off for docs/benchmarks.md).

    .venv/bin/python benchmarks/write_cost.py INDEX_DIR

``Store.commit`` ends every ingest and removal by rebuilding BM25 from every chunk and rewriting chunks.json and
manifest.json whole; this times those three steps over a built index (read-only), so the scale table can say
where adding one document goes. It reads the layout's files directly: when issue 9's point 1 changes the
layout, this script goes with it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.lexical import LexicalIndex  # noqa: E402


def main() -> None:
    folder = Path(sys.argv[1])
    start = time.perf_counter()
    chunks = json.loads((folder / "chunks.json").read_text())
    manifest = json.loads((folder / "manifest.json").read_text())
    read = time.perf_counter() - start
    ids = sorted(chunks)
    start = time.perf_counter()
    LexicalIndex.build(ids, [chunks[i]["text"] for i in ids])
    bm25 = time.perf_counter() - start
    start = time.perf_counter()
    sizes = [len(json.dumps(data, ensure_ascii=False).encode()) for data in (chunks, manifest)]
    dump = time.perf_counter() - start
    print(json.dumps({"chunks": len(ids), "read_json_s": round(read, 2), "bm25_rebuild_s": round(bm25, 2),
                      "json_dump_s": round(dump, 2), "chunks_json_mb": round(sizes[0] / 1e6, 1),
                      "manifest_json_mb": round(sizes[1] / 1e6, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
