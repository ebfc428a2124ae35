"""Serve the page with the document library loaded when the server starts, not when the first person visits.

    .venv/bin/python -m assistant.page.startup --server.address 127.0.0.1 --browser.gatherUsageStats false ...

is `streamlit run app.py ...` (the same flags) plus a thread that loads the Library (the index, then the embedding
model, by answering one question) as soon as the server has read its configuration. Streamlit runs app.py only
when a browser connects, so without this the first visitor waited for it: 15–19 s cold start to first answer in
issue 11's probe, most of it importing sentence-transformers (`python -X importtime`) and loading MiniLM.
It also turns Streamlit's source-file watcher and its forced garbage collection after every rerun off
(SERVING_FLAGS): a served page does not reload on edits, and answers without a full collection each time.
`make serve` uses it; plain `streamlit run app.py` still works, loads on the first visit and watches its files.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from assistant.library import Library

APP = Path(__file__).resolve().parents[2] / "app.py"
# How long the warm-up waits for Streamlit to start its runtime (which reads the flags and secrets the Library's
# settings depend on). The server is up within ~1 s here; a server that is not up after this failed to start.
RUNTIME_WAIT_S = 120.0
# A served page does not reload itself when its source changes. Streamlit's file watcher otherwise scans every
# loaded module for each new session: with it, 5 sessions opened at once each waited 11.4 s and 16.7 s for the page
# (two runs), without it 6.5 s and 3.5 s (protocol client of benchmarks/page_client.py, load average 21-35).
# Nor does it force a full garbage collection after every rerun (Streamlit's runner.postScriptGC, on by default):
# gc.collect(2) walks every object of the process, which holds the index, for each question of each session; it was
# 20 % of the server's busy samples with 10 sessions asking (py-spy). 20 sessions x 3 questions, protocol client,
# load average ~8, two rounds each: answer p95 4.58 / 5.91 s with it, 0.90 / 0.85 s without; page load p95
# 5.26 / 3.95 s against 2.16 / 1.60 s (docs/benchmarks.md). Python's own generational collection still runs.
SERVING_FLAGS = ["--server.fileWatcherType", "none", "--runner.postScriptGC", "false"]
WARM_QUESTION = "warm-up"  # any text: one search loads the embedding model and the BM25 and Chroma readers
log = logging.getLogger("assistant.page")


@st.cache_resource(show_spinner="Loading the document library…")
def load_library(index_dir: str) -> Library:
    """One Library per index for all sessions and for the warm-up: loading the model and the index takes seconds.
    An upload or a deletion returns without waiting for BM25's rebuild, which runs beside the questions."""
    from assistant.library import Library  # here, not at the top: the launcher imports this module before the
    from assistant.settings import get_settings  # server starts, and these imports take seconds

    return Library(get_settings(index_dir=index_dir, **secret_llm_key()), background_bm25=True)


def secret_llm_key() -> dict:
    """ASSISTANT_LLM_API_KEY from Streamlit secrets when the environment does not set it (never shown)."""
    if os.environ.get("ASSISTANT_LLM_API_KEY"):
        return {}
    try:
        key = st.secrets.get("ASSISTANT_LLM_API_KEY")
    except Exception:  # noqa: BLE001 - no secrets file is the usual case
        return {}
    return {"llm_api_key": key} if key else {}


def warm_up() -> None:
    """Load the library into the cache app.py reads, once the server runs; a failure is left for the page to show."""
    from streamlit.runtime import Runtime

    from assistant.page.access import open_address_refusal
    from assistant.settings import get_settings

    deadline = time.monotonic() + RUNTIME_WAIT_S
    while not Runtime.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not Runtime.exists():
        return
    started = time.perf_counter()
    try:
        settings = get_settings()
        if open_address_refusal(st.get_option("server.address"), settings):
            return  # the page will serve only its refusal: nothing to load
        load_library(str(settings.index_dir)).search(WARM_QUESTION)
    except Exception:  # noqa: BLE001 - the first visit loads again and shows the error the way the page does
        log.warning("Loading the library at start-up failed; the first visit will try again", exc_info=True)
        return
    # On stderr beside Streamlit's own start-up lines (the logger's default level would drop an info record).
    seconds = time.perf_counter() - started
    print(f"  Document library loaded at start-up in {seconds:.1f} s", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    from streamlit.web import cli

    threading.Thread(target=warm_up, name="assistant-warm-up", daemon=True).start()
    args = sys.argv[1:] if argv is None else argv
    cli.main(["run", str(APP), *SERVING_FLAGS, *args], prog_name="streamlit")  # the caller's flags come last and win


if __name__ == "__main__":
    # Through the package, not this __main__ copy: Streamlit keys the cache by module, and app.py imports the package.
    from assistant.page.startup import main as package_main

    package_main()
