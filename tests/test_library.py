"""Ingest, re-ingest, remove and bad files, against a real Chroma and the real model."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document

from assistant.errors import IndexMismatch, UnknownDocument
from assistant.library import Library
from assistant.settings import Settings
from tests.conftest import SEED_DOC, SEEDS, make_settings


def counts(lib: Library, name: str) -> tuple[int, int, int]:
    """Chunks of a document in the chunk records, in Chroma and in BM25: the three must agree."""
    c = lib.counts(name)
    return c["records"], c["chroma"], c["bm25"]


def test_ingest_lists_document_with_title_and_chunks(seed_library: Library) -> None:
    info = seed_library.documents()[SEED_DOC]
    assert info["title"].startswith("Developing strategic emerging industries")
    assert info["type"] == "txt" and info["chunks"] > 5
    n = info["chunks"]
    assert counts(seed_library, SEED_DOC) == (n, n, n)


def test_second_ingest_adds_nothing(seed_copy: Library) -> None:
    report = seed_copy.ingest([SEEDS])
    assert report.chunks_added == 0 and report.skipped == [SEED_DOC] and not report.added


def test_changed_file_replaces_its_chunks(library: Library, tmp_path: Path) -> None:
    doc = tmp_path / "memo.md"
    doc.write_text("# Travel\n\nStaff travel by train when the trip is under four hours.\n")
    library.ingest([doc])
    doc.write_text("# Travel\n\nStaff may fly when the trip by train would take over six hours.\n")
    report = library.ingest([doc])
    assert report.added == ["memo.md"] and report.chunks_removed >= 1
    texts = [c.page_content for c in library.chunks("memo.md")]
    assert all("four hours" not in t for t in texts) and any("six hours" in t for t in texts)
    assert len(set(counts(library, "memo.md"))) == 1
    assert "six hours" in library.search("when may staff fly?", k=1)[0].text


def test_remove_deletes_exactly_its_chunks_from_both_indexes(seed_copy: Library, tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text("Leave policy\n\nEmployees accrue two days of annual leave per month of service.\n")
    seed_copy.ingest([other])
    before_total = seed_copy.counts()["chroma"]
    own = counts(seed_copy, "other.txt")[0]
    assert seed_copy.remove("other.txt") == own
    assert seed_copy.counts()["chroma"] == before_total - own
    assert counts(seed_copy, "other.txt") == (0, 0, 0)
    seed_n = seed_copy.documents()[SEED_DOC]["chunks"]
    assert counts(seed_copy, SEED_DOC) == (seed_n, seed_n, seed_n)
    assert "other.txt" not in seed_copy.documents()


def test_remove_unknown_document_names_it(library: Library) -> None:
    with pytest.raises(UnknownDocument, match="nothing.pdf"):
        library.remove("nothing.pdf")


def test_bad_files_are_reported_and_the_rest_goes_on(seed_copy: Library, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (folder / "good.txt").write_text("Parking\n\nThe car park opens at seven in the morning on weekdays.\n")
    report = seed_copy.ingest([folder])
    failed = {Path(e.path).name: str(e) for e in report.failed}
    assert set(failed) == {"empty.txt", "broken.pdf"}
    assert all(name in message for name, message in failed.items())
    assert report.added == ["good.txt"]
    assert SEED_DOC in seed_copy.documents()  # nothing already indexed is lost


def test_reopened_index_answers_from_disk(seed_index: Path) -> None:
    lib = Library(make_settings(seed_index))
    assert "hydrogen fuel cell" in lib.search("hydrogen fuel cell vehicles", k=1)[0].text


def test_index_refuses_a_second_embedder(seed_index: Path) -> None:
    settings: Settings = make_settings(seed_index, embedder="e5")
    with pytest.raises(IndexMismatch, match="rebuild"):
        Library(settings)


def test_an_index_built_without_sentence_vectors_gains_them(tmp_path: Path) -> None:
    index = tmp_path / "index"
    Library(make_settings(index, sentence_vectors=False)).ingest([SEEDS])
    lib = Library(make_settings(index, sentence_vectors=True))
    assert lib.counts()["sentences"] > lib.counts()["chroma"]  # every chunk holds several sentences
    answer = lib.ask("What does the plan say about hydrogen fuel cell vehicles?")
    assert "hydrogen fuel cell" in answer.text
    # Turned off again, the sentences go, so later changes to the documents cannot leave them stale.
    assert Library(make_settings(index, sentence_vectors=False)).counts()["sentences"] == 0
    assert Library(make_settings(index, sentence_vectors=True)).counts()["sentences"] > 0


def test_sentence_vectors_follow_their_document(tmp_path: Path) -> None:
    lib = Library(make_settings(tmp_path / "index", sentence_vectors=True))
    memo = tmp_path / "memo.txt"
    memo.write_text("Travel\n\nStaff may fly when the train takes over four hours. Taxis need a receipt.\n")
    lib.ingest([memo])
    assert lib.counts()["sentences"] == 3  # the title line and two sentences
    memo.write_text("Travel\n\nStaff may fly when the train takes over six hours.\n")
    lib.ingest([memo])
    assert lib.counts()["sentences"] == 2
    answer = lib.ask("When may staff fly?")
    assert "six hours" in answer.text
    lib.remove("memo.txt")
    assert lib.counts()["sentences"] == 0


def test_index_refuses_another_chunk_size_and_says_how_to_rebuild(seed_index: Path) -> None:
    with pytest.raises(IndexMismatch, match="ASSISTANT_CHUNK_SIZE=1500.*rebuild"):
        Library(make_settings(seed_index, chunk_size=800))
    with pytest.raises(IndexMismatch, match="ASSISTANT_EMBED_CONTEXT"):
        Library(make_settings(seed_index, embed_context=False))


def test_same_file_name_in_two_folders_makes_two_documents(library: Library, tmp_path: Path) -> None:
    root = tmp_path / "policies"
    for folder, rule in (("travel", "Staff travel by train."), ("leave", "Staff take leave in summer.")):
        (root / folder).mkdir(parents=True)
        (root / folder / "policy.txt").write_text(f"Policy\n\n{rule}\n")
    report = library.ingest([root])
    assert sorted(report.added) == ["leave/policy.txt", "travel/policy.txt"]
    assert sorted(library.documents()) == ["leave/policy.txt", "travel/policy.txt"]
    assert "by train" in library.ask("How do staff travel?", docs=["travel/policy.txt"]).text
    # The same names given as single files: the second is told apart by its folder, not swapped for the first.
    other = Library(make_settings(tmp_path / "other"))
    report = other.ingest([root / "travel" / "policy.txt", root / "leave" / "policy.txt"])
    assert len(report.added) == 2 and len(other.documents()) == 2
    assert other.remove(report.added[0]) > 0 and len(other.documents()) == 1


def test_a_moved_folder_is_the_same_documents_not_a_second_copy(library: Library, tmp_path: Path) -> None:
    first = tmp_path / "first" / "policies"
    first.mkdir(parents=True)
    (first / "travel.txt").write_text("Travel\n\nStaff travel by train.\n")
    library.ingest([first])
    moved = tmp_path / "moved" / "policies"
    first.rename(tmp_path / "moved-away")
    moved.parent.mkdir()
    (tmp_path / "moved-away").rename(moved)
    report = library.ingest([moved])
    assert report.skipped == ["travel.txt"] and not report.added
    assert list(library.documents()) == ["travel.txt"]


def test_add_documents_and_texts_take_langchain_input(library: Library) -> None:
    from langchain_core.documents import Document

    report = library.add_documents([Document("Parking\n\nThe car park opens at seven.", metadata={"doc": "parking"})])
    assert report.added == ["parking"] and library.documents()["parking"]["title"] == "Parking"
    assert library.add_documents([Document("Parking\n\nThe car park opens at seven.", metadata={"doc": "parking"})]
                                 ).skipped == ["parking"]
    report = library.add_texts(["Canteen\n\nLunch is served from noon.", ""], metadatas=[{"doc": "canteen"}, {}])
    assert report.added == ["canteen"] and len(report.failed) == 1 and "empty" in str(report.failed[0])
    answer = library.ask("When is lunch served?")
    assert "noon" in answer.text and answer.sources[0].hit.doc == "canteen"


def test_a_name_given_twice_in_one_call_keeps_the_last_document(library: Library) -> None:
    same = "The plan sets a target for charging stations by 2025."
    library.add_texts([same, same])
    assert library.counts()["records"] == 1 and len(library.documents()) == 1
    library.add_documents([
        Document(page_content="Alpha rule one applies to staff.", metadata={"doc": "rules.txt"}),
        Document(page_content="Gamma rule three applies to visitors.", metadata={"doc": "rules.txt"}),
    ])  # fmt: skip
    texts = [c.page_content for c in library.chunks("rules.txt")]
    assert texts == ["Gamma rule three applies to visitors."]
    assert "visitors" in library.ask("Who does rule three apply to?").text
