"""Cut a Document into section-aware chunks whose text is an exact slice of the document."""

from __future__ import annotations

import bisect
import hashlib
import re

from langchain_core.documents import Document

from assistant.settings import Settings

DEFAULT_CHUNK_SIZE: int = Settings.model_fields["chunk_size"].default  # one default, the setting's

# ---------------------------------------------------------------- sentences

_CJK_END = "。！？；"
_PUNCT = re.compile(r"(?:\.{3}|…|[.!?。！？；])+[\"'”’)）\]」』]*")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
# Words that end with a period without ending the sentence.
_ABBREVIATIONS = {
    "e.g", "i.e", "al", "mr", "mrs", "ms", "dr", "prof", "no", "nos", "vs", "st", "fig", "art", "sec",
    "cf", "approx", "inc", "ltd", "co", "corp", "jr", "sr", "vol", "pp", "p", "para", "ch", "eq", "dept", "gov",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "op", "cit", "ibid",
}  # fmt: skip


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` closes an abbreviation ("e.g.", "U.S.", "No.", "J.") rather than a sentence."""
    word = re.search(r"[\w.]*$", text[:dot]).group().lower()
    if word in _ABBREVIATIONS:
        return True
    if "." in word and all(len(part) <= 2 for part in word.split(".")):
        return True  # dotted initialisms: u.s, p.r.c, e.g
    return len(word) == 1 and text[dot - 1].isupper()  # an initial: "J. Smith"


def _sentence_breaks(text: str) -> list[int]:
    breaks = [m.start() for m in _PARAGRAPH_BREAK.finditer(text)]
    for match in _PUNCT.finditer(text):
        end, punct = match.end(), match.group()
        after = text[end : end + 1]
        if any(ch in _CJK_END for ch in punct):
            breaks.append(end)  # Chinese writes no space after 。
        elif after == "" or after.isspace():
            following = text[end:].lstrip()[:1]
            if punct[0] == "." and len(punct.rstrip("\"'”’)）]」』")) == 1 and _is_abbreviation(text, match.start()):
                continue
            if following.islower():
                continue  # a sentence never starts lowercase: "e.g. this", "approx. five"
            breaks.append(end)
        elif punct == "." and after.isupper() and re.search(r"(?<![A-Za-z.])[a-z]{2,}$", text[: match.start()]):
            breaks.append(end)  # glued sentences from scraped text: "transportation.Build"
    return sorted(set(breaks))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of ``text``, surrounding whitespace excluded; never across paragraphs."""
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*_sentence_breaks(text), len(text)]:
        piece = text[start:cut]
        stripped = piece.strip()
        if stripped:
            left = start + len(piece) - len(piece.lstrip())
            spans.append((left, left + len(stripped)))
        start = cut
    return spans


# ---------------------------------------------------------------- headings

_MARKDOWN_HEAD = re.compile(r"^#{1,6}\s+\S")
_NUMBER_ONLY = re.compile(
    r"^((article|section|chapter|part|annex|appendix|schedule)\s+([0-9]+|[ivxlc]+)|\d+(\.\d+)*)[.:：]?$", re.IGNORECASE
)
_NUMBERED = re.compile(
    r"^((article|section|chapter|part|annex|appendix|schedule)\s+([0-9]+|[IVXLC]+)\b|\d+(\.\d+)*\.?\s"
    r"|[IVX]+\.\s|第[一二三四五六七八九十百零〇\d]+[章节条部分编款])",
    re.IGNORECASE,
)
_ORDINAL = re.compile(
    r"^((first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|firstly|secondly|thirdly"
    r"|one|two|three|four|five|six|seven|eight|nine|ten)\s*[,，:：]"
    r"|[一二三四五六七八九十]+[、，,]|[（(][一二三四五六七八九十]+[）)]|第[一二三四五六七八九十]+[，,、])",
    re.IGNORECASE,
)
_ENDS_SENTENCE = (".", "!", "?", "。", "！", "？", "；", ";", ",", "，", ":", "：", "、")


def is_heading(paragraph: str, next_paragraph: str | None = None) -> bool:
    """Whether a paragraph is a section heading.

    The generic rule (a short line without closing punctuation) needs context, so it only applies when
    ``next_paragraph`` is given and is longer than the candidate.
    """
    text = paragraph.strip()
    if not text or "\n" in text or len(text) > 400:
        return False
    if _MARKDOWN_HEAD.match(text) or _NUMBER_ONLY.match(text):
        return True
    if _ORDINAL.match(text):
        return len(sentence_spans(text)) == 1  # "First, accelerate ..." heads are one sentence
    short_open = len(text) < 120 and not text.endswith(_ENDS_SENTENCE)
    if _NUMBERED.match(text):
        return short_open
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) >= 3 and text.upper() == text and len(text) < 80:
        return True  # short all-caps line
    if next_paragraph is None or not short_open or len(text.split()) > 15:
        return False
    return len(next_paragraph.strip()) > len(text) and not text[0].islower()


def _section_name(heading: str) -> str:
    return heading.strip().lstrip("#").strip().rstrip("#").strip()[:200]


# ---------------------------------------------------------------- paragraphs and pieces


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Blank-line paragraphs (single lines when the text has no blank line); markdown headers stand alone."""
    separator = _PARAGRAPH_BREAK if _PARAGRAPH_BREAK.search(text) else re.compile(r"\n")
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [m.start() for m in separator.finditer(text)] + [len(text)]:
        spans.extend(_split_markdown_heads(text, start, cut))
        start = cut
    return spans


def _split_markdown_heads(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Trimmed span(s) of text[start:end], with any '# header' line inside it made its own paragraph."""
    spans: list[tuple[int, int]] = []
    block_start = start
    for line in re.finditer(r"[^\n]+", text[start:end]):
        line_start, line_end = start + line.start(), start + line.end()
        if _MARKDOWN_HEAD.match(line.group().strip()):
            spans += [_trim(text, block_start, line_start), _trim(text, line_start, line_end)]
            block_start = line_end
    spans.append(_trim(text, block_start, end))
    return [(s, e) for s, e in spans if e > s]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    left = start + len(piece) - len(piece.lstrip())
    return left, max(left, start + len(piece.rstrip()))


def _pieces(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """A paragraph as pieces ≤ size: whole if it fits, else whole sentences packed together."""
    if end - start <= size:
        return [(start, end)]
    pieces: list[tuple[int, int]] = []
    for s, e in sentence_spans(text[start:end]):
        s, e = s + start, e + start
        if e - s > 2 * size:
            pieces.extend(_split_at_whitespace(text, s, e, size))
        elif pieces and e - pieces[-1][0] <= size:
            pieces[-1] = (pieces[-1][0], e)
        else:
            pieces.append((s, e))
    return pieces


def _split_at_whitespace(text: str, start: int, end: int, size: int) -> list[tuple[int, int]]:
    """A runaway sentence cut at the last whitespace before each size limit (hard cut when there is none)."""
    pieces: list[tuple[int, int]] = []
    while end - start > size:
        cut = text.rfind(" ", start + 1, start + size + 1)
        cut = cut if cut > start else start + size
        pieces.append(_trim(text, start, cut))
        start = _trim(text, cut, end)[0]
    if end > start:
        pieces.append((start, end))
    return pieces


# ---------------------------------------------------------------- chunks


def chunk_id(doc_name: str, start: int, text: str) -> str:
    """Stable id: the same document text always gives the same ids, so re-ingest replaces rather than duplicates."""
    # surrogatepass: a lone surrogate (possible in text given to add_texts) must not make the id fail
    return hashlib.sha1(f"{doc_name}\x00{start}\x00{text}".encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _sectioned_paragraphs(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, section, is_heading) for every paragraph."""
    spans = _paragraph_spans(text)
    section = ""
    result = []
    for index, (start, end) in enumerate(spans):
        following = text[spans[index + 1][0] : spans[index + 1][1]] if index + 1 < len(spans) else None
        heading = is_heading(text[start:end], following)
        if heading:
            section = _section_name(text[start:end])
        result.append((start, end, section, heading))
    return result


def _chunk_spans(text: str, size: int) -> list[tuple[int, int, str]]:
    chunks: list[tuple[int, int, str]] = []
    for start, end, section, heading in _sectioned_paragraphs(text):
        for index, (s, e) in enumerate(_pieces(text, start, end, size)):
            # Whole paragraphs join the open chunk only if they fit; a new section always opens a chunk.
            same = chunks and chunks[-1][2] == section and not (heading and index == 0)
            if same and e - chunks[-1][0] <= size:
                chunks[-1] = (chunks[-1][0], e, section)
            else:
                chunks.append((s, e, section))
    return chunks


def split_document(doc: Document, chunk_size: int = DEFAULT_CHUNK_SIZE) -> list[Document]:
    """Chunks of ``doc`` with only scalar metadata (Chroma rejects lists and None)."""
    text = doc.page_content
    meta = doc.metadata
    name = str(meta.get("doc", ""))
    page_starts = meta.get("page_starts") or []
    base = {key: meta.get(key, "") for key in ("doc", "title", "source", "type", "content_hash")}
    chunks = []
    for index, (start, end, section) in enumerate(_chunk_spans(text, chunk_size)):
        body = text[start:end]
        ident = chunk_id(name, start, body)
        page = bisect.bisect_right(page_starts, start) if page_starts else 0
        metadata = {
            **base,
            "section": section,
            "page": page,
            "start": start,
            "end": end,
            "chunk_id": ident,
            "chunk_index": index,
        }
        chunks.append(Document(id=ident, page_content=body, metadata=metadata))
    return chunks
