"""The BM25 side of the index: a tokenizer that handles English and Chinese, and a bm25s index saved to disk."""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Collection
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


def words(text: str) -> list[str]:
    """The text's words as tokenize reads them (lower case; a Chinese run whole), before stopwords and stemming."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def tokenize(text: str) -> list[str]:
    """Lower-cased stemmed English words without stopwords; Chinese runs as character bigrams.

    Bigrams need no dictionary and match as well as word segmentation for short queries.
    """
    tokens: list[str] = []
    for run in words(text):
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


log = logging.getLogger(__name__)
K1, B = 1.2, 0.75  # bm25s's Lucene defaults, written out because the chunks added since a build are scored here too
# How many chunks may be added, or removed, since the last full BM25 build before it is built again: a tenth of the
# build (its statistics drift no further), at least OVERLAY_MIN, at most OVERLAY_LIMIT. Up to that, added chunks are
# scored beside the build (LexicalView) and a write costs the tokens of its own chunks; a full build costs the
# library: at 100,000 chunks 10.0 s of indexing plus 19.9 s of tokenizing (adding one 45-chunk document took 9.3 s
# with a build in every write, 0.74 s without; docs/benchmarks.md, 100k). The cap bounds what a process that opens
# the index before the next build tokenizes: 2,000 chunks, 0.4 s at that rate (ObliQA's longer ones: 1.8 s).
OVERLAY_SHARE, OVERLAY_MIN, OVERLAY_LIMIT = 0.1, 50, 2000
# Names the saved BM25 folder in use; BM25 is derived from the chunks in Chroma and rebuilt when it is not theirs.
CURRENT = "bm25.current"


class LexicalIndex:
    """bm25s over the chunk texts, rows aligned with ``ids``; document frequencies kept for query coverage."""

    def __init__(self, ids: list[str], tokens: list[list[str]]) -> None:
        self.ids = ids
        self.row = {cid: i for i, cid in enumerate(ids)}
        self.df = Counter(t for toks in tokens for t in set(toks))
        self.avgdl = sum(map(len, tokens)) / len(tokens) if tokens else 0.0  # scores the chunks added since
        self.bm25 = bm25s.BM25(k1=K1, b=B)
        if ids:
            self.bm25.index(tokens, show_progress=False)

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> LexicalIndex:
        return cls(ids, [tokenize(t) for t in texts])

    @classmethod
    def empty(cls) -> LexicalIndex:
        return cls([], [])

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
        (target / "ids.json").write_text(json.dumps({"ids": self.ids, "df": self.df, "avgdl": self.avgdl}))
        pointer = folder / f"{CURRENT}.tmp"
        pointer.write_text(stamp)
        pointer.replace(folder / CURRENT)
        for old in folder.glob("bm25-*"):
            if old != target:
                shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> tuple[LexicalIndex, str] | None:
        """The last saved BM25 and the index state it was built for; None when none was saved."""
        pointer = folder / CURRENT
        if not pointer.exists():
            return None
        try:
            stamp = pointer.read_text()
            data = json.loads((folder / f"bm25-{stamp}" / "ids.json").read_text())
            self = cls.__new__(cls)
            self.ids, self.df, self.avgdl = data["ids"], Counter(data["df"]), data.get("avgdl", 0.0)
            self.row = {cid: i for i, cid in enumerate(self.ids)}
            self.bm25 = bm25s.BM25.load(str(folder / f"bm25-{stamp}" / "bm25")) if self.ids else bm25s.BM25()
        except (OSError, ValueError):  # replaced by another process's save meanwhile: it is rebuilt instead
            return None
        return self, stamp


class LexicalView:
    """BM25 over the visible chunks: the last full build (``main``), the chunks added since scored beside it with the
    same formula and the document frequencies of both, and the chunks removed since given 0. Main's own scores keep
    its frequencies until the next build: a drift of at most OVERLAY_LIMIT chunks in the statistics."""

    def __init__(self, main: LexicalIndex, live: Collection[str], tokens_of: Callable[[str], list[str]]) -> None:
        self.main = main
        added = sorted(cid for cid in live if cid not in main.row)
        self.ids = main.ids + added
        self._alive = np.fromiter((cid in live for cid in main.ids), dtype=bool, count=len(main.ids))
        self.added, self.removed = len(added), len(main.ids) - int(self._alive.sum())
        self._df: Counter[str] = Counter()
        self._postings: dict[str, list[tuple[int, int]]] = {}
        lengths = []
        for row, cid in enumerate(added, start=len(main.ids)):
            tokens = tokens_of(cid)
            lengths.append(len(tokens))
            for token, tf in Counter(tokens).items():
                self._df[token] += 1
                self._postings.setdefault(token, []).append((row, tf))
        avgdl = main.avgdl or (sum(lengths) / len(lengths) if lengths else 1.0)
        self._norm = K1 * (1 - B + B * np.array([0.0] * len(main.ids) + lengths, dtype=np.float32) / avgdl)

    @property
    def outgrown(self) -> bool:
        """True when so much was added or removed that BM25 should be built again (see OVERLAY_LIMIT)."""
        limit = min(OVERLAY_LIMIT, max(OVERLAY_MIN, OVERLAY_SHARE * len(self.main.ids)))
        return self.added > limit or self.removed > limit

    def live_ids(self) -> list[str]:
        return [cid for cid, alive in zip(self.main.ids, self._alive) if alive] + self.ids[len(self.main.ids) :]

    def idf(self, token: str) -> float:
        n = max(1, len(self.ids) - self.removed)
        df = self.main.df.get(token, 0) + self._df.get(token, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every row of ``ids`` for the query tokens."""
        main = self.main.scores(query_tokens)
        if self.removed:
            main = np.where(self._alive, main, 0.0)
        if not self.added:
            return main
        scores = np.concatenate([main, np.zeros(self.added, dtype=main.dtype)])
        for token in query_tokens:
            postings = self._postings.get(token)
            if postings:
                rows, tfs = np.array(postings).T
                scores[rows] += self.idf(token) * tfs / (tfs + self._norm[rows])
        return scores


class Rebuilder:
    """Builds BM25 of the current chunks, in a thread of its own when asked, and saves it for the next opening.

    bm25s has no incremental update, and a rebuild grows with the library (ObliQA's 5,940 chunks: tokenizing
    5.2 s, indexing 1.7 s on this busy 2-core machine). So a write does not wait for it: it hands the chunks
    over and returns, and questions keep the previous BM25 (with what was removed masked) until the new one is
    taken at the start of a read. Tokens are kept per chunk, so a rebuild tokenizes only the chunks that are new.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._pending: tuple[list[str], list[str], str] | None = None
        self._ready: tuple[LexicalIndex, str] | None = None
        self._thread: threading.Thread | None = None
        self._tokens: dict[str, list[str]] = {}

    def schedule(self, chunks: dict[str, str], stamp: str, background: bool) -> None:
        """Rebuild from ``chunks`` (id -> text) for the index state ``stamp``; a newer call supersedes an older."""
        ids = sorted(chunks)
        with self._lock:
            self._pending = (ids, [chunks[cid] for cid in ids], stamp)
            if background and self._thread is None:
                self._thread = threading.Thread(target=self._run, name="bm25-rebuild", daemon=True)
                self._thread.start()
        if not background:
            self.wait()
            self._run()

    def _run(self) -> None:
        background = threading.current_thread() is self._thread
        try:
            while True:
                with self._lock:
                    job, self._pending = self._pending, None
                if job is None:
                    return
                ids, texts, stamp = job
                tokens = {cid: self._tokens.get(cid) or tokenize(text) for cid, text in zip(ids, texts)}
                self._tokens = tokens  # only the chunks that still exist
                index = LexicalIndex(ids, [tokens[cid] for cid in ids])
                with self._lock:
                    self._ready = (index, stamp)
                try:
                    index.save(self.folder, stamp)
                except OSError:
                    if not background:
                        raise
                    # Only the saved copy is missing: the next opening rebuilds it. Nobody waits on this thread.
                    log.exception("could not save BM25 in %s", self.folder)
        finally:
            if background:
                with self._lock:
                    self._thread = None

    def tokens(self, cid: str, text: str) -> list[str]:
        """The chunk's tokens, kept for the next rebuild (chunk ids hash their text, so they never go stale)."""
        tokens = self._tokens.get(cid)
        if tokens is None:
            tokens = self._tokens[cid] = tokenize(text)
        return tokens

    @property
    def ready(self) -> bool:
        return self._ready is not None

    def take(self) -> tuple[LexicalIndex, str] | None:
        """The BM25 built since the last call, if any."""
        with self._lock:
            ready, self._ready = self._ready, None
            return ready

    def wait(self) -> None:
        """Until no rebuild is running or waiting."""
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return
            thread.join()
