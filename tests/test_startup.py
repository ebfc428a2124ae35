"""`make serve` loads the document library as the server starts (assistant/page/startup.py), before any visit."""

from __future__ import annotations

import time
from pathlib import Path

from tests.browser_server import serve
from tests.conftest import copy_index

LOADED = b"Document library loaded at start-up"
WAIT_S = 180  # bounded: importing the model's libraries took 20 s here with other jobs running (load average 7)


def test_make_serve_loads_the_library_before_anyone_visits(tmp_path: Path, seed_index: Path) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    log = tmp_path / "server.log"
    with serve(index, log):  # only /_stcore/health is requested: no session runs app.py
        deadline = time.monotonic() + WAIT_S
        while LOADED not in log.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.5)
        text = log.read_bytes()
    assert LOADED in text, text.decode(errors="replace")[-2000:]
    assert b"Traceback" not in text
