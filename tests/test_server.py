"""Growing to a server: the same Library against a real `chroma run` server on loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.library import Library
from tests.conftest import SEED_DOC, SEEDS, free_port, make_settings

CHROMA = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "CHROMA_LISTEN_ADDRESS": "127.0.0.1"}
    proc = subprocess.Popen([CHROMA, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma run did not start")
        yield url, data
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_library_on_a_chroma_server_answers_and_keeps_vectors_there(chroma_server: tuple[str, Path],
                                                                    tmp_path: Path) -> None:
    url, data = chroma_server
    settings = make_settings(tmp_path / "index", chroma_url=url)
    lib = Library(settings)
    assert lib.ingest([SEEDS]).added == [SEED_DOC]
    answer = lib.ask("What does the plan say about hydrogen fuel cell vehicles?")
    assert not answer.refused and "[1]" in answer.text
    assert not (tmp_path / "index" / "chroma").exists()  # vectors live in the server's folder
    assert any(data.iterdir())
    # A second process-like client sees the same collection through the server.
    again = Library(settings)
    chunks = lib.documents()[SEED_DOC]["chunks"]
    assert again.counts()["chroma"] == chunks
    assert again.remove(SEED_DOC) == chunks and again.counts()["chroma"] == 0
