"""Start the page the way `make serve` does, on a free port of 127.0.0.1, and stop it again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.page_server import healthy  # the same health check the load benchmark polls
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
STAMP = ROOT / ".venv" / ".installed"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def ensure_chromium() -> str | None:
    """None when Chromium is there (installing it like `make test` does if needed), else why it is not."""
    if not CHROMIUM.exists() and shutil.which("make"):
        subprocess.run(["make", "chromium"], cwd=ROOT, capture_output=True, timeout=900, check=False)
    return None if CHROMIUM.exists() else f"{CHROMIUM} is missing and `make chromium` could not install it"


def serve_command(port: int, index_dir: Path) -> list[str]:
    """`make serve`; the tests already run inside the venv, so -o keeps make from reinstalling it."""
    return ["make", "-o", str(STAMP.relative_to(ROOT)), "serve", f"PORT={port}", f"INDEX={index_dir}"]


def streamlit_command(port: int, *flags: str) -> list[str]:
    """The page without make, for flags `make serve` does not take (e.g. --secrets.files); same address and flags."""
    return [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1", "--server.port",
            str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false", *flags]


@contextmanager
def serve(index_dir: Path, log_path: Path, timeout: float = 120, *, port: int | None = None,
          command: list[str] | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """The page's URL while the server runs; the server (make and its streamlit child) is stopped afterwards.

    ``command`` (with the ``port`` it names) replaces `make serve`; ``env`` is added to the server's environment.
    """
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "ASSISTANT_INDEX_DIR": str(index_dir), **(env or {})}
    with open(log_path, "wb") as log:
        # A session of its own, so stopping it reaches streamlit (make's child) and nothing else.
        process = subprocess.Popen(command or serve_command(port, index_dir), cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True, env=environment)
        try:
            deadline = time.monotonic() + timeout
            while not healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start; see {log_path}")
                time.sleep(0.5)
            yield url
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
