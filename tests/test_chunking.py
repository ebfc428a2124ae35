"""Chunks are exact slices of the document, sized, sectioned and stably identified."""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document

from assistant.chunking import chunk_id, is_heading, sentence_spans, split_document
from assistant.documents import load_document

SEED = Path(__file__).resolve().parents[1] / "seeds" / "developing-strategic-emerging-industries.txt"


def make_doc(text: str, **meta: object) -> Document:
    metadata = {"doc": "t.txt", "title": "T", "source": "/x/t.txt", "type": "txt", "content_hash": "h", **meta}
    return Document(page_content=text, metadata=metadata)


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def assert_well_formed(doc: Document, chunks: list[Document], size: int) -> None:
    for index, chunk in enumerate(chunks):
        meta = chunk.metadata
        assert chunk.page_content == doc.page_content[meta["start"] : meta["end"]]
        assert meta["chunk_index"] == index
        assert meta["chunk_id"] == chunk_id(meta["doc"], meta["start"], chunk.page_content)
        assert all(isinstance(v, (str, int)) for v in meta.values())  # Chroma takes scalars only
        if len(chunk.page_content) > size:
            assert len(sentence_spans(chunk.page_content)) == 1, "only a single sentence may exceed the size"
    starts = [c.metadata["start"] for c in chunks]
    assert starts == sorted(starts)


# ---------------------------------------------------------------- the seed document


@pytest.fixture(scope="module")
def seed_doc() -> Document:
    return load_document(SEED)


@pytest.mark.parametrize("size", [1000, 400, 150])
def test_seed_chunks_are_exact_slices_within_size(seed_doc: Document, size: int) -> None:
    chunks = split_document(seed_doc, chunk_size=size)
    assert len(chunks) > 1
    assert_well_formed(seed_doc, chunks, size)


def test_seed_sections(seed_doc: Document) -> None:
    chunks = split_document(seed_doc)
    sections = [c.metadata["section"] for c in chunks]
    assert sections[0] == ""
    for prefix in ("First, accelerate", "Second, promote", "Third, promote", "Four, encourage"):
        heads = [c for c in chunks if c.metadata["section"].startswith(prefix)]
        assert heads, prefix
        assert heads[0].page_content.startswith(prefix)  # the heading opens its section's first chunk
    glued = next(c for c in chunks if "transportation.Build" in c.page_content)
    assert glued.metadata["section"].startswith("First, accelerate")
    assert all(c.metadata["page"] == 0 for c in chunks)
    assert {c.metadata["doc"] for c in chunks} == {SEED.name}


def test_seed_ids_are_stable(seed_doc: Document) -> None:
    again = load_document(SEED)  # a fresh read: different ingested_at, same ids
    first = [c.metadata["chunk_id"] for c in split_document(seed_doc)]
    second = [c.metadata["chunk_id"] for c in split_document(again)]
    assert first == second
    assert len(set(first)) == len(first)
    assert split_document(seed_doc)[0].id == first[0]


# ---------------------------------------------------------------- sentences


def test_sentence_glued_after_lowercase_word() -> None:
    assert sentences("storage and transportation.Build an advanced cluster.") == [
        "storage and transportation.",
        "Build an advanced cluster.",
    ]


def test_sentence_abbreviations_do_not_split() -> None:
    text = "Use tools, e.g. this one. The U.S. rule applies. See No. 5 in 1.2.1 now. Mr. Li agreed! Why? Yes."
    assert sentences(text) == [
        "Use tools, e.g. this one.",
        "The U.S. rule applies.",
        "See No. 5 in 1.2.1 now.",
        "Mr. Li agreed!",
        "Why?",
        "Yes.",
    ]


def test_sentence_chinese() -> None:
    assert sentences("发展新兴产业。加快创新！是否可行？继续推进；完成") == [
        "发展新兴产业。",
        "加快创新！",
        "是否可行？",
        "继续推进；",
        "完成",
    ]


def test_sentence_spans_exclude_whitespace_and_stop_at_paragraphs() -> None:
    text = '  Heading\n\nFirst one.  Second "quoted."  '
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["Heading", "First one.", 'Second "quoted."']


# ---------------------------------------------------------------- headings and sections


def test_is_heading_rules() -> None:
    assert is_heading("## Eligibility")
    assert is_heading("Article 5")
    assert is_heading("Section 3.")
    assert is_heading("1.2 Application")
    assert is_heading("Chapter 2 General Provisions")
    assert is_heading("Part IV")
    assert is_heading("Second, strengthen policy support.")
    assert is_heading("二、加强组织领导")
    assert is_heading("GENERAL PROVISIONS")
    assert is_heading("Scope of this policy", "This policy applies to all full-time staff in every office.")
    assert not is_heading("Scope of this policy")  # no context: the generic rule does not apply
    assert not is_heading("First, do this. Then do that.")
    assert not is_heading("1. Applicants must submit the form within thirty days.")
    assert not is_heading("Article 5 The employer shall pay wages in full and on time every month.")
    assert not is_heading("This sentence ends properly.", "A much longer paragraph follows this one here.")


def test_markdown_headers_become_sections() -> None:
    text = "# Handbook\nIntro line.\n\n## Leave\n\nTwenty days a year.\n\n### Sick leave\n\nTen days with a note."
    doc = make_doc(text)
    chunks = split_document(doc, chunk_size=1000)
    assert_well_formed(doc, chunks, 1000)
    by_section = {c.metadata["section"]: c.page_content for c in chunks}
    assert by_section == {
        "Handbook": "# Handbook\nIntro line.",
        "Leave": "## Leave\n\nTwenty days a year.",
        "Sick leave": "### Sick leave\n\nTen days with a note.",
    }


def test_numbered_heads_become_sections() -> None:
    text = (
        "Article 5\n\nEmployers shall pay wages monthly.\n\nArticle 6\n\nOvertime is paid at one and a half times."
        "\n\n1.2 Application\n\nApply on the form."
    )
    chunks = split_document(make_doc(text))
    assert [c.metadata["section"] for c in chunks] == ["Article 5", "Article 6", "1.2 Application"]


def test_single_newline_paragraphs_when_no_blank_lines() -> None:
    text = "Section 1.\nStaff may work remotely two days a week.\nSection 2.\nEquipment is provided by the office."
    chunks = split_document(make_doc(text))
    assert [c.metadata["section"] for c in chunks] == ["Section 1.", "Section 2."]


# ---------------------------------------------------------------- sizes and pages


def test_long_paragraph_split_at_sentences() -> None:
    sentence = "Every employee must complete the annual safety training course. "
    text = (sentence * 10).strip()
    doc = make_doc(text)
    chunks = split_document(doc, chunk_size=150)
    assert len(chunks) >= 5
    assert_well_formed(doc, chunks, 150)
    assert all(c.page_content.endswith(".") for c in chunks)


def test_runaway_sentence_split_at_whitespace() -> None:
    text = " ".join(["word"] * 200)  # 999 characters, no sentence end
    doc = make_doc(text)
    chunks = split_document(doc, chunk_size=100)
    assert all(len(c.page_content) <= 100 for c in chunks)
    assert " ".join(c.page_content for c in chunks) == text


def test_sentence_between_one_and_two_sizes_stays_whole() -> None:
    text = "Short first sentence here. " + "A long sentence " + "with many words " * 8 + "ends here."
    chunks = split_document(make_doc(text), chunk_size=100)
    assert any(len(c.page_content) > 100 for c in chunks)
    assert_well_formed(make_doc(text), chunks, 100)


def test_pdf_page_from_page_starts() -> None:
    text = "Page one text.\n\nPage two text.\n\nMore on page two."
    doc = make_doc(text, type="pdf", page_starts=[0, 16])
    chunks = split_document(doc, chunk_size=15)
    assert [c.metadata["page"] for c in chunks] == [1, 2, 2]
    assert "page_starts" not in chunks[0].metadata


def test_chunk_id_format() -> None:
    ident = chunk_id("a.txt", 0, "hello")
    assert len(ident) == 20 and ident == chunk_id("a.txt", 0, "hello") != chunk_id("a.txt", 1, "hello")
