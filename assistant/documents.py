"""Read one file of a supported format into a LangChain ``Document`` of clean text plus metadata."""

from __future__ import annotations

import hashlib
import io
import itertools
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from langchain_core.documents import Document

from assistant.cleaning import SENTENCE_END, clean_text
from assistant.errors import BadDocument

SUPPORTED_SUFFIXES: dict[str, str] = {
    ".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf", ".docx": "docx",
}  # fmt: skip
_SUPPORTED_LIST = ".txt, .md, .html, .pdf, .docx"
_TITLE_MAX = 200

# ---------------------------------------------------------------- files


def iter_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Files to ingest with the name each is known by: folders expanded recursively (supported, non-hidden files),
    explicit files kept as given (even unsupported or missing, so load_document can say what is wrong with them).

    A file's name is its path relative to the folder it was found in ("2024/plan.txt"), or its file name when given
    on its own; two files that would share a name (two folders each with a "plan.txt") are told apart with as much
    of their own path as it takes (see ``unique_names``).
    """
    found: dict[Path, str] = {}
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            found.setdefault(path, path.name)
            continue
        for child in path.rglob("*"):
            parts = child.relative_to(path).parts
            # "~$x.docx" are Office lock files, not documents.
            if any(p.startswith((".", "~$")) for p in parts) or not child.is_file():
                continue
            if child.suffix.lower() in SUPPORTED_SUFFIXES:
                found.setdefault(child, "/".join(parts))
    return unique_names(sorted(found.items()))


def unique_names(files: list[tuple[Path, str]], taken: dict[str, str] | None = None) -> list[tuple[Path, str]]:
    """The same files, each name unique among them and against ``taken`` (name -> source of indexed documents).

    A name already indexed from the same source file stays (that is a re-ingest); a clash gets the file's parent
    folders put before it, one at a time, until it is unique ("a/plan.txt", "b/plan.txt").
    """
    taken = dict(taken or {})
    out: list[tuple[Path, str]] = []
    for path, name in files:
        source = str(path.resolve())
        parents = path.resolve().parent.parts[::-1]
        depth = 0
        while name in taken and taken[name] != source and depth < len(parents):
            name = f"{parents[depth]}/{name}"
            depth += 1
        taken[name] = source
        out.append((path, name))
    return out


def file_hash(path: Path) -> str:
    """sha256 of the raw bytes, so unchanged files can be skipped before any parsing.

    A missing or unreadable file raises BadDocument, so a batch that hashes before loading still goes on.
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise BadDocument(path, f"does not exist or cannot be read ({exc.strerror or exc})") from exc
    return digest.hexdigest()


# ---------------------------------------------------------------- readers


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip().lstrip("#").strip()[:_TITLE_MAX]
    return ""


def _decode_text(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")  # Notepad's "Unicode" encoding; its NULs are not binary
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
        return data.decode("latin-1")


def _read_txt(path: Path, data: bytes) -> tuple[str, str, dict]:
    text = clean_text(_decode_text(path, data))
    return text, _first_line(text), {}


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _read_md(path: Path, data: bytes) -> tuple[str, str, dict]:
    raw = _decode_text(path, data)
    raw = re.sub(r"<!--.*?-->", "", raw, flags=re.DOTALL)
    raw = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", raw)  # images carry no text
    raw = _MD_LINK.sub(r"\1", raw)
    # Setext headings ("Title\n=====") become ATX headings so chunking sees one heading form.
    raw = re.sub(r"^(\S[^\n]*)\n=+[ \t]*$", r"# \1", raw, flags=re.MULTILINE)
    raw = re.sub(r"^(\S[^\n]*)\n-{3,}[ \t]*$", r"## \1", raw, flags=re.MULTILINE)
    raw = re.sub(r"(\*\*|__)(\S.*?\S|\S)\1", r"\2", raw)
    text = clean_text(raw)
    heading = re.search(r"^#{1,6}\s+(.+)$", text, flags=re.MULTILINE)
    return text, heading.group(1).strip().rstrip("#").strip()[:_TITLE_MAX] if heading else "", {}


_DROP_TAGS = ["script", "style", "nav", "header", "footer", "noscript", "template", "svg", "iframe"]
_BLOCK_TAGS = [
    "p", "div", "section", "article", "main", "aside", "li", "ul", "ol", "table", "tr", "td", "th",
    "blockquote", "pre", "dd", "dt", "dl", "figure", "figcaption", "address", "form",
]  # fmt: skip


def _read_html(path: Path, data: bytes) -> tuple[str, str, dict]:
    from bs4 import BeautifulSoup, Comment, NavigableString

    soup = BeautifulSoup(data, "lxml")
    title_tag = soup.title or soup.find("h1")
    title = " ".join(title_tag.get_text(" ").split())[:_TITLE_MAX] if title_tag else ""
    for tag in soup(_DROP_TAGS + ["title", "head"]):
        tag.decompose()
    for node in soup.find_all(string=True):
        if isinstance(node, Comment):
            node.extract()
        elif isinstance(node, NavigableString) and node.parent and node.parent.name != "pre":
            node.replace_with(re.sub(r"\s+", " ", str(node)))  # source line breaks mean nothing in HTML
    for level in range(1, 7):
        for tag in soup.find_all(f"h{level}"):
            tag.insert_before("\n\n" + "#" * level + " ")
            tag.insert_after("\n\n")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    text = clean_text(soup.get_text())
    return text, title, {}


_CORRUPT_PDF = "is not a readable PDF (corrupt or truncated file)"


def _pdf_reader(path: Path, data: bytes):
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


def _read_pdf(path: Path, data: bytes) -> tuple[str, str, dict]:
    from pypdf.errors import PyPdfError

    reader = _pdf_reader(path, data)
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
        title = _first_line(text)
    return text, title[:_TITLE_MAX], {"page_starts": page_starts}


def _docx_blocks(document) -> Iterable[str]:
    from docx.table import Table

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
        style = (block.style.name if block.style is not None else "") or ""
        level = re.match(r"Heading (\d)", style)
        if text and (level or style == "Title"):
            # Headings are emitted as markdown headers so chunking treats every format alike.
            yield "#" * (int(level.group(1)) if level else 1) + " " + text
        elif text:
            yield text


def _read_docx(path: Path, data: bytes) -> tuple[str, str, dict]:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        blocks = list(_docx_blocks(document))
    except Exception as exc:
        raise BadDocument(path, "is not a readable Word document (corrupt, or not a .docx file)") from exc
    text = clean_text("\n\n".join(blocks))
    title = (document.core_properties.title or "").strip() or _first_line(text)
    return text, title[:_TITLE_MAX], {}


_READERS = {"txt": _read_txt, "md": _read_md, "html": _read_html, "pdf": _read_pdf, "docx": _read_docx}


def load_document(path: Path, name: str | None = None) -> Document:
    """Read one file into a Document named ``name`` (default: its file name); any problem raises BadDocument with a
    plain-words reason."""
    path = Path(path)
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        suffix = path.suffix or "(no suffix)"
        raise BadDocument(path, f"unsupported file type '{suffix}' (supported: {_SUPPORTED_LIST})")
    if not path.is_file():
        raise BadDocument(path, "does not exist or is not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadDocument(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise BadDocument(path, "is empty")
    text, title, extra = _READERS[kind](path, data)
    if not text.strip():
        raise BadDocument(path, "is empty")
    metadata = {
        "doc": name or path.name,
        "source": str(path.resolve()),
        "title": title or path.stem,
        "type": kind,
        "content_hash": hashlib.sha256(data).hexdigest(),  # same bytes as file_hash(path), read only once
        "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }
    return Document(page_content=text, metadata=metadata)
