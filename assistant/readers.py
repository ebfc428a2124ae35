"""The readers of each format: bytes in, (clean text, title, extra metadata) out, within stated limits.

Kept free of heavy imports (no LangChain, no model) because ``assistant.isolation`` runs them in a worker process,
where a hostile file can be stopped without stopping the program. Every problem ends as BadDocument: ``read``
turns anything else a parser raises into one line naming the file and the problem.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.cleaning import SENTENCE_END, clean_text
from assistant.errors import BadDocument

log = logging.getLogger(__name__)
TITLE_MAX = 200
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """How much work one file may cost; the defaults are the settings' defaults (see assistant/settings.py).

    Measured on the 2-core VM under load (docs/benchmarks.md, "Hostile files"): 20 MB of DOCX XML takes 44 s to
    read, hence 100 MB unpacked (pictures make up most of a real document's size; its text XML is a few MB);
    pypdf reads 17 ms a page, so 2,000 pages take ~35 s, inside the 60 s time limit, and the slowest of the 224
    evaluation text files took 0.28 s.
    """

    max_file_mb: int = 50  # as the page's upload limit (max_upload_mb)
    max_expanded_mb: int = 100
    max_pdf_pages: int = 2000
    read_timeout_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: object) -> Limits:
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})


def first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip().lstrip("#").strip()[:TITLE_MAX]
    return ""


# ---------------------------------------------------------------- text


_UTF32_BOMS = (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")  # checked before UTF-16's: "\xff\xfe" starts both


def _decode_unicode(path: object, data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        what = "an odd number of bytes" if exc.reason == "truncated data" else exc.reason
        raise BadDocument(path, f"is not valid {codec.upper()} text ({what} at byte {exc.start})") from None


def decode_text(path: object, data: bytes) -> str:
    """Text of a file in UTF-8, UTF-16/32 with a byte-order mark, or a legacy single-byte code page; never raises
    anything but BadDocument."""
    if data.startswith(_UTF32_BOMS):
        return _decode_unicode(path, data, "utf-32")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_unicode(path, data, "utf-16")  # Notepad's "Unicode" encoding; its NULs are not binary
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or (sample and controls / len(sample) > 0.05):
        raise BadDocument(path, "looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # every byte is a latin-1 character: cannot fail


def read_txt(path: object, data: bytes, limits: Limits) -> tuple[str, str, dict]:
    text = clean_text(decode_text(path, data))
    return text, first_line(text), {}


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def read_md(path: object, data: bytes, limits: Limits) -> tuple[str, str, dict]:
    raw = decode_text(path, data)
    raw = re.sub(r"<!--.*?-->", "", raw, flags=re.DOTALL)
    raw = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", raw)  # images carry no text
    raw = _MD_LINK.sub(r"\1", raw)
    # Setext headings ("Title\n=====") become ATX headings so chunking sees one heading form.
    raw = re.sub(r"^(\S[^\n]*)\n=+[ \t]*$", r"# \1", raw, flags=re.MULTILINE)
    raw = re.sub(r"^(\S[^\n]*)\n-{3,}[ \t]*$", r"## \1", raw, flags=re.MULTILINE)
    raw = re.sub(r"(\*\*|__)(\S.*?\S|\S)\1", r"\2", raw)
    text = clean_text(raw)
    heading = re.search(r"^#{1,6}\s+(.+)$", text, flags=re.MULTILINE)
    return text, heading.group(1).strip().rstrip("#").strip()[:TITLE_MAX] if heading else "", {}


# ---------------------------------------------------------------- HTML

_DROP_TAGS = {"script", "style", "nav", "header", "footer", "noscript", "template", "svg", "iframe", "title", "head"}
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "aside", "li", "ul", "ol", "table", "tr", "td", "th",
    "blockquote", "pre", "dd", "dt", "dl", "figure", "figcaption", "address", "form",
}  # fmt: skip
_HEADINGS = {f"h{level}": level for level in range(1, 7)}


def _html_root(path: object, data: bytes):  # noqa: ANN202 - an lxml element
    from bs4.dammit import UnicodeDammit
    from lxml import etree

    # UnicodeDammit reads the BOM, <meta charset> and guesses as BeautifulSoup did; lxml gets UTF-8 bytes then.
    markup = UnicodeDammit(data, is_html=True).unicode_markup or ""
    # huge_tree lifts libxml2's nesting limit from 256 (real pages exceed it) to 2,048; past that the parser stops
    # with ERR_RESOURCE_LIMIT, in linear time, and the file is refused rather than read in part.
    parser = etree.HTMLParser(encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True)
    root = etree.fromstring(markup.encode("utf-8", "surrogatepass"), parser)
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT":
            depth = re.search(r"depth in document: (\d+)", error.message)
            limit = f"more than {int(depth.group(1)):,} levels" if depth else "too deeply"
            raise BadDocument(path, f"nests its elements {limit} deep (ordinary pages nest a few dozen); not read")
    return root


def read_html(path: object, data: bytes, limits: Limits) -> tuple[str, str, dict]:
    """One linear walk of the lxml tree (BeautifulSoup's insert_before/after per tag was quadratic in depth)."""
    from lxml import etree

    root = _html_root(path, data)
    if root is None:
        return "", "", {}
    title_tag = root.find(".//title")
    if title_tag is None or not "".join(title_tag.itertext()).strip():
        title_tag = root.find(".//h1")
    title = " ".join("".join(title_tag.itertext()).split())[:TITLE_MAX] if title_tag is not None else ""
    pieces: list[str] = []
    in_pre = 0

    def add(text: str | None) -> None:
        if text:
            pieces.append(text if in_pre else re.sub(r"\s+", " ", text))  # line breaks mean nothing in HTML

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _DROP_TAGS:
                walker.skip_subtree()  # its "end" still comes, and with it the text after it
                continue
            if tag in _HEADINGS:
                pieces.append("\n\n" + "#" * _HEADINGS[tag] + " ")
            elif tag in _BLOCK_TAGS:
                pieces.append("\n\n")
            elif tag == "br":
                pieces.append("\n")
            in_pre += tag == "pre"
            add(element.text)
        else:
            if tag not in _DROP_TAGS:
                in_pre -= tag == "pre"
                if tag in _HEADINGS or tag in _BLOCK_TAGS:
                    pieces.append("\n\n")
            add(element.tail)
    return clean_text("".join(pieces)), title, {}


# ---------------------------------------------------------------- PDF

_CORRUPT_PDF = "is not a readable PDF (corrupt or truncated file)"


def _pdf_reader(path: object, data: bytes):  # noqa: ANN202 - a pypdf PdfReader
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as exc:
        raise BadDocument(path, _CORRUPT_PDF) from exc
    if encrypted:
        try:
            opened = reader.decrypt("")  # owner-password-only PDFs open with an empty user password
        except (PyPdfError, DependencyError, NotImplementedError, ValueError):  # includes AES without a crypto library
            opened = 0
        if not opened:
            raise BadDocument(path, "is an encrypted PDF; remove the password and ingest it again")
    return reader


_PAGE_NUMBER = re.compile(r"^[-–—]?\s*(page\s*)?\d{1,4}(\s*(/|of)\s*\d{1,4})?\s*[-–—]?$", re.IGNORECASE)


def _unwrap_pdf_lines(text: str) -> str:
    """Re-join the hard-wrapped lines pypdf returns into paragraphs separated by blank lines."""
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line and not _PAGE_NUMBER.match(line)]
    if not lines:
        return ""
    lengths = sorted(len(line) for line in lines)
    # A full-width line, ignoring a few outliers; floored so a page of a few short lines is not all "full width".
    typical = max(60, lengths[min(len(lengths) - 1, int(len(lengths) * 0.9))])
    out = lines[0]
    for prev, line in itertools.pairwise(lines):
        ends_sentence = prev.endswith(SENTENCE_END) and len(prev) < 0.85 * typical
        short_head = len(prev) < 0.6 * typical and not prev.endswith((",", "，", "-", ";", "、"))
        if ends_sentence or short_head or re.match(r"^([•\-*]|\d+[.)]\s)", line):
            out += "\n\n" + line
        elif re.search(r"[\u3000-\u9fff]$", prev) and re.match(r"[\u3000-\u9fff]", line):
            out += line  # Chinese has no spaces between words
        elif prev.endswith("-"):
            out += line
        else:
            out += " " + line
    return out


def read_pdf(path: object, data: bytes, limits: Limits) -> tuple[str, str, dict]:
    from pypdf.errors import PyPdfError

    reader = _pdf_reader(path, data)
    try:
        count = len(reader.pages)
    except Exception as exc:
        raise BadDocument(path, _CORRUPT_PDF) from exc
    if count > limits.max_pdf_pages:
        raise BadDocument(path, f"has {count:,} pages, more than the limit of {limits.max_pdf_pages:,} "
                                "(ASSISTANT_MAX_PDF_PAGES)")
    try:
        raw_pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:
        raise BadDocument(path, _CORRUPT_PDF) from exc
    if not any(page.strip() for page in raw_pages):
        raise BadDocument(path, "has no text layer (scanned images?); run OCR first")
    pages = [
        clean_text(_unwrap_pdf_lines(raw), strip_footer=index == len(raw_pages) - 1)
        for index, raw in enumerate(raw_pages)
    ]
    text, page_starts = "", []
    for page in pages:
        if text and page:
            text += "\n\n"
        page_starts.append(len(text))
        text += page
    title = ""
    try:
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError):
        title = ""  # broken metadata should not stop the text from being read
    if title.lower() in ("", "untitled") or title.lower().startswith("microsoft word -"):
        title = first_line(text)
    return text, title[:TITLE_MAX], {"page_starts": page_starts}


# ---------------------------------------------------------------- DOCX

_BAD_DOCX = "is not a readable Word document (corrupt, or not a .docx file)"


def _check_expanded_size(path: object, data: bytes, limits: Limits) -> None:
    """Refuse a DOCX whose parts would unpack past the limit, from the zip's directory alone, before any parsing.

    zipfile stops every member at its declared size (and checks its CRC), so the declared sizes bound the work.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BadDocument(path, _BAD_DOCX) from exc
    if expanded > limits.max_expanded_mb * MB:
        raise BadDocument(path, f"would unpack to {expanded / MB:,.0f} MB, more than the limit of "
                                f"{limits.max_expanded_mb} MB (ASSISTANT_MAX_EXPANDED_MB)")


def _docx_blocks(document) -> Iterable[str]:  # noqa: ANN001 - a python-docx Document
    from docx.table import Table

    # Style names by id, looked up once: python-docx's ``paragraph.style`` scans every style of the document for
    # each paragraph (3.5 ms each here, 92 s for a 1 MB document.xml of 12,600 paragraphs).
    names = {style.style_id: style.name for style in document.styles}
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                        cells.append(value)
                if cells:
                    yield " | ".join(cells)
            continue
        text = " ".join(block.text.split())
        style = names.get(block._p.style, "") or ""  # the w:pStyle id; None (the default style) is no heading
        level = re.match(r"Heading (\d)", style)
        if text and (level or style == "Title"):
            # Headings are emitted as markdown headers so chunking treats every format alike.
            yield "#" * (int(level.group(1)) if level else 1) + " " + text
        elif text:
            yield text


def read_docx(path: object, data: bytes, limits: Limits) -> tuple[str, str, dict]:
    import docx

    _check_expanded_size(path, data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_docx_blocks(document))
    except Exception as exc:
        raise BadDocument(path, _BAD_DOCX) from exc
    text = clean_text("\n\n".join(blocks))
    title = (document.core_properties.title or "").strip() or first_line(text)
    return text, title[:TITLE_MAX], {}


READERS = {"txt": read_txt, "md": read_md, "html": read_html, "pdf": read_pdf, "docx": read_docx}


def read(kind: str, path: object, data: bytes, limits: Limits) -> tuple[str, str, dict]:
    """The reader of ``kind`` on ``data``: only BadDocument escapes; anything else is logged with its traceback
    and becomes one line naming the file."""
    try:
        return READERS[kind](path, data, limits)
    except BadDocument:
        raise
    except RecursionError:
        raise BadDocument(path, "is nested too deeply to read") from None
    except MemoryError:
        raise BadDocument(path, "needs more memory to read than this machine has") from None
    except Exception as exc:
        log.exception("reading %s as %s failed", path, kind)
        raise BadDocument(path, f"could not be read as {kind.upper()} ({type(exc).__name__})") from None
