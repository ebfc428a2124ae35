"""BM25 is derived from the chunks: a page's write returns before BM25 is rebuilt, and questions meanwhile never
meet a removed passage nor miss one that stayed."""

from __future__ import annotations

from pathlib import Path

from assistant.lexical import LexicalIndex, LexicalView, tokenize
from assistant.library import Library
from tests.conftest import SEED_DOC, copy_index, make_settings

MEMO = "Bicycle allowance\n\nStaff who cycle to work receive a bicycle allowance of 37 euros each month.\n"


def test_after_a_write_in_the_background_bm25_catches_up_and_never_shows_what_was_removed(seed_index: Path,
                                                                                           tmp_path: Path) -> None:
    library = Library(make_settings(copy_index(seed_index, tmp_path / "index")), background_bm25=True)
    query = "new energy vehicles charging"
    assert any(h.chunk.metadata["doc"] == SEED_DOC for h in library.search(query, side="bm25").hits)
    library.add_texts([MEMO], [{"doc": "memo.txt"}])
    library.remove(SEED_DOC)
    # Whether or not the rebuild has finished, a question sees only what the library holds now.
    assert all(h.chunk.metadata["doc"] == "memo.txt" for h in library.search(query, side="bm25").hits)
    counts = library.counts()  # waits for the rebuild
    assert counts["bm25"] == counts["records"] == counts["chroma"]
    [hit] = library.search("bicycle allowance", side="bm25").hits
    assert hit.chunk.metadata["doc"] == "memo.txt"
    # and the rebuilt BM25 was saved for the next opening of the index
    assert Library(make_settings(tmp_path / "index")).counts()["bm25"] == counts["records"]


def test_a_saved_bm25_loads_with_the_state_it_was_built_for(tmp_path: Path) -> None:
    index = LexicalIndex.build(["a", "b"], ["staff cycle to work", "the canteen serves soup"])
    index.save(tmp_path, "state-1")
    loaded, stamp = LexicalIndex.load(tmp_path)
    assert stamp == "state-1" and loaded.ids == ["a", "b"]
    assert loaded.scores(tokenize("soup")).argmax() == 1
    index.save(tmp_path, "state-2")  # the next state replaces it; the older copy is gone
    assert LexicalIndex.load(tmp_path)[1] == "state-2" and not (tmp_path / "bm25-state-1").exists()


TEXTS = {
    "a": "Staff who cycle to work receive a bicycle allowance each month.",
    "b": "The canteen serves soup and bread at noon on weekdays.",
    "c": "Annual leave is twenty-five days for every member of staff.",
    "d": "Parking permits are issued by the facilities office each January.",
    "e": "Travel by train is preferred to flying for trips under six hours.",
}


def test_chunks_added_since_a_build_are_scored_beside_it_as_a_full_build_would() -> None:
    main = LexicalIndex.build(["a", "b", "c"], [TEXTS[k] for k in "abc"])
    live = ["a", "c", "d", "e"]  # b removed, d and e added since the build
    view = LexicalView(main, live, lambda cid: tokenize(TEXTS[cid]))
    full = LexicalIndex.build(live, [TEXTS[k] for k in live])
    assert sorted(view.live_ids()) == live and (view.added, view.removed) == (2, 1)
    for query in ("parking permits office", "train travel", "staff", "soup at noon", "staff cycle each month"):
        tokens = tokenize(query)
        got = dict(zip(view.ids, view.scores(tokens)))
        assert got["b"] == 0.0  # removed
        expected = dict(zip(full.ids, full.scores(tokens)))
        best = max(expected, key=expected.get)
        if expected[best] > 0:
            assert max(got, key=got.get) == best, query


def test_adding_one_document_does_not_rebuild_bm25_and_every_process_finds_it(seed_index: Path,
                                                                              tmp_path: Path) -> None:
    index = copy_index(seed_index, tmp_path / "index")
    library = Library(make_settings(index))
    built = sorted(p.name for p in index.glob("bm25-*"))
    library.add_texts([MEMO], [{"doc": "memo.txt"}])
    assert sorted(p.name for p in index.glob("bm25-*")) == built  # the write did not build BM25 again
    for reader in (library, Library(make_settings(index))):
        assert reader.search("bicycle allowance", side="bm25").hits[0].chunk.metadata["doc"] == "memo.txt"
        assert reader.check() == []
    library.remove("memo.txt")
    reopened = Library(make_settings(index))
    assert all(h.chunk.metadata["doc"] != "memo.txt" for h in reopened.search("bicycle allowance", side="bm25").hits)
    counts = reopened.counts()
    assert counts["bm25"] == counts["records"] == counts["chroma"]
