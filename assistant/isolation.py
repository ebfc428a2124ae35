"""Run a reader in a worker process, so a file that takes too long is stopped (the process is killed) and
reported, and the program goes on.

Why a process and not a deadline checked in loops: the slow steps are inside parsers (libxml2, pypdf's
decompression, python-docx's XML), which no Python-level check can interrupt. One long-lived worker is started on
first use, so a small file costs one round trip through a pipe, not a process start; parsing there also leaves
the page process's GIL to the other sessions. It is a plain ``python -m assistant.isolation`` child, not a
multiprocessing one: "spawn" re-runs the caller's main script in the child (a script without a ``__main__``
guard would run twice), and "fork" would copy a process holding torch's and Streamlit's threads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path

from assistant.errors import AssistantError, BadDocument
from assistant.readers import Limits, read

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


# The worker imports its parsers before it says it is ready, so the time limit counts parsing only. Starting
# takes 0.5 s on an idle 2-core VM; the margin is for a loaded one.
STARTUP_TIMEOUT_S = 120


def _serve(jobs: Connection, answers: Connection) -> None:
    """The worker: read jobs until the pipe closes; every answer is ("ok", result) or ("bad", problem)."""
    import bs4.dammit  # noqa: F401 - the readers' own imports, done before the first file's clock starts
    import docx  # noqa: F401
    import lxml.etree  # noqa: F401
    import pypdf  # noqa: F401

    answers.send(("ready", None))
    while True:
        try:
            kind, path, data, limits = jobs.recv()
        except (EOFError, OSError):
            return
        try:
            answers.send(("ok", read(kind, path, data, limits)))
        except BadDocument as error:
            answers.send(("bad", error.problem))


class ReaderWorker:
    """One worker process, started on first use and restarted after it was stopped or died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the page's sessions share it: one job at a time through the pipe
        self._process: subprocess.Popen | None = None
        self._jobs: Connection | None = None
        self._answers: Connection | None = None

    def _start(self) -> None:
        job_read, job_write = os.pipe()
        answer_read, answer_write = os.pipe()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_ROOT),
                                                                           os.environ.get("PYTHONPATH")]))}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "assistant.isolation", str(job_read), str(answer_write)],
            pass_fds=(job_read, answer_write), stdin=subprocess.DEVNULL, env=env,
        )
        os.close(job_read)
        os.close(answer_write)
        self._jobs = Connection(job_write, readable=False)
        self._answers = Connection(answer_read, writable=False)
        try:
            ready = self._answers.poll(STARTUP_TIMEOUT_S) and self._answers.recv()[0] == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise AssistantError("the file reader process did not start; see the messages above")

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        for conn in (self._jobs, self._answers):
            if conn is not None:
                conn.close()
        self._process = self._jobs = self._answers = None

    def read(self, kind: str, path: object, data: bytes, limits: Limits) -> tuple[str, str, dict]:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self.stop()
                self._start()
            try:
                self._jobs.send((kind, str(path), data, limits))
                finished = self._answers.poll(limits.read_timeout_s)
                answer = self._answers.recv() if finished else None
            except (EOFError, OSError):
                self.stop()
                raise BadDocument(path, "stopped the file reader (it ran out of memory or crashed)") from None
            if answer is None:
                self.stop()  # the only way to stop a parser mid-step; the next file starts a fresh worker
                raise BadDocument(path, f"took longer than {limits.read_timeout_s:g} s to read and was stopped "
                                        "(ASSISTANT_READ_TIMEOUT_S)")
        status, value = answer
        if status == "bad":
            raise BadDocument(path, value)
        return value


WORKER = ReaderWorker()

if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
