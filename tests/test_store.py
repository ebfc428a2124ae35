"""The index survives a write cut off at any moment: kill -9 during an ingest or a removal, then any command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.library import Library
from tests.conftest import MEMOS, SEED_DOC, copy_index, make_settings

# A child process runs `assistant ingest` (or `remove`) and kills itself with SIGKILL right after the named step
# has run its N-th time: no clean-up, no exception handler, as with a power cut.
KILLER = """
import os, signal, sys
from assistant import catalog, records, store
from assistant.cli import main
target, when = sys.argv[1], int(sys.argv[2])
owner, name = target.split(".")
cls = {"Store": store.Store, "Catalog": catalog.Catalog, "RecordCopy": records.RecordCopy}[owner]
original = getattr(cls, name)
calls = [0]
def dying(*args, **kwargs):
    result = original(*args, **kwargs)
    calls[0] += 1
    if calls[0] == when:
        os.kill(os.getpid(), signal.SIGKILL)
    return result
setattr(cls, name, dying)
sys.exit(main(sys.argv[3:]))
"""


def cut_off(index: Path, step: str, when: int, *command: str) -> int:
    proc = subprocess.run([sys.executable, "-c", KILLER, step, str(when), "--index-dir", str(index), *command],
                          capture_output=True, text=True, timeout=600, env={**os.environ})
    return proc.returncode


def whole(index: Path) -> Library:
    """The index after the cut: opening it repairs it; then `check` finds nothing, the parts agree and each document
    is all there."""
    Library(make_settings(index))
    library = Library(make_settings(index))
    assert library.check() == []
    counts = library.counts()
    assert counts["records"] == counts["chroma"] == counts["bm25"]
    for name, info in library.documents().items():
        c = library.counts(name)
        assert c["records"] == c["chroma"] == c["bm25"] == info["chunks"] and c["sentences"] > 0, name
    return library


@pytest.mark.parametrize(
    ("step", "when"),
    [
        ("Store.begin_write", 1),  # before any vector is written
        ("Store._add_sentences", 1),  # during the Chroma writes: sentence vectors in, no chunk or record yet
        ("Store.replace_documents", 1),  # after every Chroma write, before the commit saves the files
        ("Catalog.put_many", 1),  # the records written, the replaced chunks not yet deleted
        ("RecordCopy.put", 1),  # the local copy of the records holds the new documents, the commit not yet made
        ("Catalog.set_state", 1),  # during the commit: the new state recorded, its BM25 not saved
    ],
)
def test_an_ingest_killed_at_any_point_leaves_whole_documents_and_reruns_clean(
    seed_index: Path, tmp_path: Path, memos: Path, step: str, when: int
) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    assert cut_off(index, step, when, "ingest", str(memos)) == -signal.SIGKILL
    library = whole(index)
    assert SEED_DOC in library.documents()  # what was indexed before is never lost
    library.ingest([memos])
    library = whole(index)
    assert sorted(library.documents()) == sorted([SEED_DOC, *MEMOS])
    assert "within 4 days" in library.ask("How many days do staff have to file form 2?").text


def test_a_removal_killed_midway_leaves_the_document_wholly_present_or_absent(seed_index: Path,
                                                                            tmp_path: Path) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    assert cut_off(index, "Store.begin_write", 1, "remove", SEED_DOC) == -signal.SIGKILL
    library = whole(index)
    assert library.documents() == {} or SEED_DOC in library.documents()


def test_check_reports_and_repairs_vectors_no_record_owns(seed_index: Path, tmp_path: Path) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    # A cut-off ingest of another index state: vectors in Chroma that no chunk record knows.
    from assistant.chroma import chroma_client

    collection = chroma_client(make_settings(index)).get_collection("policies")
    collection.add(ids=["stray"], embeddings=[[0.1] * 384], documents=["stray"], metadatas=[{"doc": "gone.txt"}])
    library = Library(make_settings(index))
    assert library.check(repair=False) == ["1 chunk record(s) belong to no listed document"]
    from assistant.cli import main

    assert main(["--index-dir", str(index), "check"]) == 0
    assert library.check(repair=False) == [] and Library(make_settings(index)).check() == []


def test_an_index_of_the_json_layout_is_moved_into_chroma_without_losing_a_document(seed_index: Path,
                                                                                   tmp_path: Path) -> None:
    # An index as the JSON layout left it: its catalog in manifest.json (with each document's text), not in Chroma.
    index = copy_index(seed_index, tmp_path / "index")
    before = Library(make_settings(index))
    documents = before.documents()
    old = {"embedder": "minilm", "chunk_size": before.settings.chunk_size, "embed_context": True,
           "sentence_vectors": True,
           "documents": {name: {**info, "text": before.document_text(name)} for name, info in documents.items()}}
    (index / "manifest.json").write_text(json.dumps(old))
    from assistant.chroma import chroma_client

    chroma_client(make_settings(index)).delete_collection("policies-documents")

    library = whole(index)
    assert library.documents() == documents
    assert library.document_text(SEED_DOC) == old["documents"][SEED_DOC]["text"]
    assert not (index / "manifest.json").exists()
    assert library.ask("What are the main goals for new energy vehicles?").hits


@pytest.mark.slow  # embeds 150 abstracts and their sentences: over a minute on this machine
def test_vectors_chroma_cannot_load_give_one_clear_line_not_a_traceback(tmp_path: Path) -> None:
    """Chroma 1.5.9 could not reload a 487k-vector collection (docs/benchmarks.md); a damaged HNSW file fails the
    same way. Chroma writes a collection's HNSW graph to disk once it holds over 1,000 vectors (below that it
    replays its log), so the library here has more sentences than that."""
    corpus = Path(__file__).resolve().parents[2] / "shared" / "eval" / "scifact" / "corpus.jsonl"
    rows = [json.loads(line) for line in corpus.read_text().splitlines()[:150]]
    index = tmp_path / "index"
    library = Library(make_settings(index))
    library.add_texts([f"{r['title']}\n\n{r['text']}" for r in rows])
    assert library.counts()["sentences"] > 1000
    del library
    headers = list((index / "chroma").glob("*/header.bin"))
    assert headers
    for header in headers:
        header.write_bytes(b"\0" * 10)
    for command in (["ask", "What does vitamin D do?"], ["check"]):
        proc = subprocess.run([sys.executable, "-m", "assistant.cli", "--index-dir", str(index), *command],
                              capture_output=True, text=True, timeout=600, env={**os.environ})  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert "Chroma cannot load the vectors of collection" in proc.stderr and "build it again" in proc.stderr
