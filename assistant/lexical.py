"""The BM25 side of the index: a tokenizer that handles English and Chinese, and a bm25s index saved to disk."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections import Counter
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_WORD = re.compile(r"[0-9a-z]+|[\u4e00-\u9fff]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_STOP = frozenset(STOPWORDS_EN) | {"what", "which", "who", "how", "does", "do", "say", "says", "said", "about", "s"}


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased stemmed English words without stopwords; Chinese runs as character bigrams.

    Bigrams need no dictionary and match as well as word segmentation for short queries.
    """
    tokens: list[str] = []
    for run in _WORD.findall(text.lower().replace("\u2019", "'")):
        if _CJK.match(run):
            tokens.extend(run if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        elif run not in _STOP:
            tokens.append(run)
    return [t if _CJK.match(t) else _stemmer().stemWord(t) for t in tokens]


def script(text: str) -> str:
    """"zh" when at least a third of the text's letters are Chinese characters, else "latin"."""
    chinese = len(_CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text)) / 5  # ~5 letters make a word, as one character does in Chinese
    return "zh" if chinese and chinese >= 0.5 * latin else "latin"


# Names the saved BM25 folder in use; BM25 is derived from the chunks in Chroma and rebuilt when it is not theirs.
CURRENT = "bm25.current"


class LexicalIndex:
    """bm25s over the chunk texts, rows aligned with ``ids``; document frequencies kept for query coverage."""

    def __init__(self, ids: list[str], tokens: list[list[str]]) -> None:
        self.ids = ids
        self.row = {cid: i for i, cid in enumerate(ids)}
        self.df = Counter(t for toks in tokens for t in set(toks))
        self.bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if ids:
            self.bm25.index(tokens, show_progress=False)

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> LexicalIndex:
        return cls(ids, [tokenize(t) for t in texts])

    def idf(self, token: str) -> float:
        n = max(1, len(self.ids))
        return math.log(1 + (n - self.df.get(token, 0) + 0.5) / (self.df.get(token, 0) + 0.5))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every chunk (rows in ``ids`` order)."""
        known = [t for t in query_tokens if t in self.df]
        if not self.ids or not known:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self.bm25.get_scores(known)

    def save(self, folder: Path, stamp: str) -> None:
        """Save as the BM25 of the index state ``stamp``: into a new folder, then one atomic pointer file, so a
        crash mid-save leaves the previous copy in use (and, its stamp being older, rebuilt on the next open)."""
        target = folder / f"bm25-{stamp}"
        target.mkdir(parents=True, exist_ok=True)
        if self.ids:
            self.bm25.save(str(target / "bm25"))
        (target / "ids.json").write_text(json.dumps({"ids": self.ids, "df": self.df}))
        pointer = folder / f"{CURRENT}.tmp"
        pointer.write_text(stamp)
        pointer.replace(folder / CURRENT)
        for old in folder.glob("bm25-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, stamp: str) -> LexicalIndex | None:
        """The saved BM25 of the index state ``stamp``; None when it is missing or of another state."""
        pointer = folder / CURRENT
        if not pointer.exists() or pointer.read_text() != stamp:
            return None
        data = json.loads((folder / f"bm25-{stamp}" / "ids.json").read_text())
        self = cls.__new__(cls)
        self.ids, self.df = data["ids"], Counter(data["df"])
        self.row = {cid: i for i, cid in enumerate(self.ids)}
        self.bm25 = bm25s.BM25.load(str(folder / f"bm25-{stamp}" / "bm25")) if self.ids else bm25s.BM25()
        return self
