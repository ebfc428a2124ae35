"""Property tests (hypothesis) of the readers, the cleaner, the chunker and the escaping: for any input, nothing
escapes but BadDocument, chunk offsets slice the document text exactly, and escaped text holds no live markup.

Example counts are modest so the file runs in seconds; the readers are called in-process (the worker process of
assistant/isolation.py only adds a pipe around the same function).
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.documents import Document

from assistant.chunking import split_document
from assistant.cleaning import clean_text
from assistant.errors import BadDocument
from assistant.markdown import md_escape
from assistant.readers import Limits, read

FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text with the pieces readers and the chunker give meaning to: headings, breaks, sentence ends, markup, BOMs.
PIECES = st.sampled_from([
    "# ", "## ", "\n", "\n\n", "\r\n", ". ", "。", "!", "?", "Article 1.", "<div>", "</div>", "<p>", "<h1>", "</h1>",
    "<pre>", "<script>", "<!--", "-->", "**", "[a](b)", "![x](y)", "\ufeff", "\u200b", "\x00", "\ud800", "Share",
    "WeChat", "e.g.", "U.S.", "1.", "|", "\t", "  ", "Editor:",
])  # fmt: skip
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=40)), max_size=40).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1"])


def encoded(text: str, codec: str) -> bytes:
    return text.encode(codec, errors="surrogatepass" if codec.startswith("utf") else "replace")


def read_or_bad(kind: str, data: bytes) -> tuple[str, str, dict] | None:
    try:
        text, title, extra = read(kind, "probe", data, Limits())
    except BadDocument as error:
        assert error.path == "probe" and error.problem
        return None
    assert isinstance(text, str) and isinstance(title, str) and isinstance(extra, dict)
    return text, title, extra


@pytest.mark.parametrize("kind", ["txt", "md", "html"])
@FEW
@given(text=TEXT, codec=ENCODINGS, tail=st.binary(max_size=3))
def test_text_readers_return_text_or_bad_document(kind: str, text: str, codec: str, tail: bytes) -> None:
    read_or_bad(kind, encoded(text, codec) + tail)


@pytest.mark.parametrize("kind", ["txt", "md", "html", "pdf", "docx"])
@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=600))
def test_every_reader_survives_random_bytes(kind: str, data: bytes) -> None:
    read_or_bad(kind, data)


@settings(max_examples=30, deadline=None)
@given(junk=st.binary(max_size=300), name=st.sampled_from(["word/document.xml", "[Content_Types].xml", "x"]))
def test_docx_reader_survives_broken_archives(junk: bytes, name: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, junk)
    read_or_bad("docx", buffer.getvalue())


@FEW
@given(text=TEXT)
def test_clean_text_normalises_line_breaks_and_never_fails(text: str) -> None:
    cleaned = clean_text(text)
    assert "\r" not in cleaned and "\n\n\n" not in cleaned and cleaned == cleaned.strip()


@FEW
@given(text=TEXT, chunk_size=st.integers(200, 2000), cleaned=st.booleans())
def test_chunks_are_exact_slices_of_the_document(text: str, chunk_size: int, cleaned: bool) -> None:
    text = clean_text(text) if cleaned else text
    chunks = split_document(Document(page_content=text, metadata={"doc": "d.txt"}), chunk_size)
    ends = 0
    for chunk in chunks:
        start, end = chunk.metadata["start"], chunk.metadata["end"]
        assert chunk.page_content == text[start:end] and chunk.page_content.strip()
        assert start >= ends  # in document order, never overlapping
        ends = end


def _live_link(escaped: str) -> bool:
    """A "](" whose "]" is not escaped by an odd run of backslashes would start a Markdown link."""
    return any(len(match.group(1)) % 2 == 0 for match in re.finditer(r"(\\*)\]\(", escaped))


@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_md_escape_leaves_no_tag_and_no_link(text: str) -> None:
    escaped = md_escape(text)
    assert "<" not in escaped and not _live_link(escaped)
