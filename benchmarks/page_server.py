"""The page as the load benchmark starts it: on a free port of 127.0.0.1, by `make serve`'s launcher or plain
`streamlit run`, with its log kept, stopped with everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STREAMLIT_FLAGS = ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats",
                   "false"]
HEALTH_POLL_S = 0.05  # the cold start's clock starts with the process: poll often, the check itself is cheap


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Server:
    """The page on a free port of 127.0.0.1, started by ``launcher`` (make serve's, or plain streamlit run)."""

    def __init__(self, launcher: str, index: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        module = ["-m", "assistant.page.startup"] if launcher == "startup" else ["-m", "streamlit", "run", "app.py"]
        self.command = [sys.executable, *module, *STREAMLIT_FLAGS, "--server.port", str(self.port)]
        self.env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index)}
        self.log_path = log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float) -> float:
        """Starts the server; returns the monotonic time it was started at, once it answers its health check."""
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        started = time.monotonic()
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        while not healthy(self.url):
            if self.process.poll() is not None or time.monotonic() - started > timeout:
                self.stop()
                raise RuntimeError(f"the server did not start; see {self.log_path}")
            time.sleep(HEALTH_POLL_S)
        return started

    def wait_warm(self, timeout: float) -> None:
        """Until the launcher says the library is loaded (bounded; plain streamlit never says it)."""
        deadline = time.monotonic() + timeout
        while b"Document library loaded" not in self.log_path.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()
