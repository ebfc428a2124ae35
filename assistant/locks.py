"""Readers and writers of one index: questions never see a half-applied change, and two processes never write at once.

Within a process (the page serves every session from one Library), a read/write lock: any number of questions at
once, a write alone. Across processes (a CLI ingest while the page serves), an exclusive lock on a file in the index
folder, held for the whole write.
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ReadWriteLock:
    """Many readers or one writer, the writer first: once a write waits, new questions wait behind it, so a steady
    stream of questions cannot hold an upload off forever. Re-entrant: the writing thread may read and write again
    inside its write, and a reading thread may read again inside its read (a question that searches)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer: int | None = None  # the writing thread's id
        self._depth = 0  # how deep the writing thread has re-entered
        self._waiting = 0  # writers waiting for the readers to finish
        self._mine = threading.local()  # this thread's read depth

    def held(self) -> bool:
        """True inside this thread's own read or write."""
        return self._writer == threading.get_ident() or bool(getattr(self._mine, "depth", 0))

    @contextmanager
    def read(self) -> Iterator[None]:
        me = threading.get_ident()
        depth = getattr(self._mine, "depth", 0)
        if self._writer == me or depth:  # already inside a write or a read of its own: waiting would deadlock
            self._mine.depth = depth + 1
            try:
                yield
            finally:
                self._mine.depth = depth
            return
        with self._cond:
            self._cond.wait_for(lambda: self._writer is None and not self._waiting)
            self._readers += 1
        self._mine.depth = 1
        try:
            yield
        finally:
            self._mine.depth = 0
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            if self._writer != me:
                self._waiting += 1
                self._cond.wait_for(lambda: self._writer is None and self._readers == 0)
                self._waiting -= 1
                self._writer = me
            self._depth += 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if not self._depth:
                    self._writer = None
                    self._cond.notify_all()


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` across processes; waits while another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
