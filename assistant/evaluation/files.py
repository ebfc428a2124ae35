"""JSON Lines, the format of every question set and run file: one reader and one writer for the whole package."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path


def load_jsonl(path: Path | str) -> list[dict]:
    """One JSON object per non-blank line (blank lines skipped, as score.py does)."""
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path: Path | str, records: Iterable[dict]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        # ensure_ascii=False keeps Chinese evidence readable when someone opens the run file.
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
