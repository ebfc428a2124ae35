"""Readers for each format, the plain-words errors for bad files, and the general cleaning rules."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from assistant.chunking import split_document
from assistant.documents import SUPPORTED_SUFFIXES, clean_text, file_hash, iter_files, load_document, unique_names
from assistant.errors import BadDocument

SEED = Path(__file__).resolve().parents[1] / "seeds" / "developing-strategic-emerging-industries.txt"


# ---------------------------------------------------------------- helpers


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None) -> Path:
    """A real PDF with one text line per string, one list of lines per page."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    if title:
        pdf.setTitle(title)
    for lines in pages:
        y = 800
        for line in lines:
            pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return path


def make_docx(path: Path, title: str | None = None) -> Path:
    document = docx.Document()
    if title:
        document.core_properties.title = title
    document.add_heading("Leave Policy", level=1)
    document.add_paragraph("Employees receive twenty days of paid leave each year.")
    document.add_heading("Carry-over", level=2)
    document.add_paragraph("Up to five unused days may be carried into the next year.")
    document.save(path)
    return path


def expect_bad(path: Path, problem: str) -> BadDocument:
    with pytest.raises(BadDocument) as caught:
        load_document(path)
    assert path.name in str(caught.value)
    assert problem in caught.value.problem
    return caught.value


# ---------------------------------------------------------------- formats


def test_txt_loads_with_title_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "rules.txt"
    path.write_bytes(b"Travel Rules\n\nBook economy class.\r\nKeep receipts.\n\n\n\nClaims close in May.")
    doc = load_document(path)
    assert doc.metadata["title"] == "Travel Rules"
    assert doc.metadata["type"] == "txt"
    assert doc.metadata["doc"] == "rules.txt"
    assert doc.metadata["source"] == str(path.resolve())
    assert doc.metadata["content_hash"] == file_hash(path)
    assert doc.metadata["ingested_at"].endswith("+00:00")
    assert "page_starts" not in doc.metadata
    assert doc.page_content == "Travel Rules\n\nBook economy class.\nKeep receipts.\n\nClaims close in May."


def test_txt_falls_back_to_cp1252(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("Caf\u00e9 policy \u2013 staff only.".encode("cp1252"))
    assert load_document(path).page_content == "Caf\u00e9 policy \u2013 staff only."


def test_markdown_title_and_links(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text("Intro line\n\n# Remote Work Guide\n\nSee [the form](http://x/y) for **details**.\n")
    doc = load_document(path)
    assert doc.metadata["title"] == "Remote Work Guide"
    assert doc.metadata["type"] == "md"
    assert "See the form for details." in doc.page_content
    assert "http://" not in doc.page_content


def test_html_drops_scripts_and_chrome(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text(
        "<html><head><title>Expense Policy</title><style>p{color:red}</style></head><body>"
        "<nav>Home | About</nav><header>Site banner</header>"
        "<h1>Expenses</h1><p>Claims are paid\n monthly.</p><div>Receipts<br>are required.</div>"
        "<script>alert(1)</script><noscript>enable js</noscript><footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert doc.metadata["title"] == "Expense Policy"
    text = doc.page_content
    assert "Claims are paid monthly." in text
    assert "# Expenses" in text
    assert "Receipts\nare required." in text
    for noise in ("alert", "color:red", "Home | About", "Site banner", "enable js", "Copyright", "<"):
        assert noise not in text


def test_html_title_falls_back_to_h1(tmp_path: Path) -> None:
    path = tmp_path / "notitle.html"
    path.write_text("<body><h1>Security Rules</h1><p>Lock your screen.</p></body>", encoding="utf-8")
    assert load_document(path).metadata["title"] == "Security Rules"


def test_pdf_pages_and_chunk_page(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "handbook.pdf",
        [["Staff Handbook", "Working hours are nine to five."], ["Overtime", "Overtime is paid at time and a half."]],
        title="The Staff Handbook",
    )
    doc = load_document(path)
    assert doc.metadata["type"] == "pdf"
    assert doc.metadata["title"] == "The Staff Handbook"
    starts = doc.metadata["page_starts"]
    assert starts[0] == 0 and len(starts) == 2
    assert doc.page_content[starts[1] :].startswith("Overtime")
    chunks = split_document(doc, chunk_size=40)
    overtime = next(c for c in chunks if "time and a half" in c.page_content)
    assert overtime.metadata["page"] == 2
    assert chunks[0].metadata["page"] == 1


def test_pdf_title_falls_back_to_first_line(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "memo.pdf", [["Budget Memo", "Spending is frozen."]])
    assert load_document(path).metadata["title"] == "Budget Memo"


def test_docx_headings_and_title(tmp_path: Path) -> None:
    doc = load_document(make_docx(tmp_path / "leave.docx", title="Annual Leave"))
    assert doc.metadata["title"] == "Annual Leave"
    assert doc.metadata["type"] == "docx"
    assert doc.page_content.startswith("# Leave Policy\n\nEmployees receive twenty days")
    assert "## Carry-over" in doc.page_content
    sections = {c.metadata["section"] for c in split_document(doc, chunk_size=60)}
    assert {"Leave Policy", "Carry-over"} <= sections


def test_docx_title_falls_back_to_first_paragraph(tmp_path: Path) -> None:
    assert load_document(make_docx(tmp_path / "leave.docx")).metadata["title"] == "Leave Policy"


# ---------------------------------------------------------------- bad files


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\t\n", encoding="utf-8")
    expect_bad(path, "is empty")


def test_empty_after_cleaning(tmp_path: Path) -> None:
    path = tmp_path / "noise.md"
    path.write_text("Share this page\n\nScan the QR code with your phone\n", encoding="utf-8")
    expect_bad(path, "is empty")


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "image.txt"
    path.write_bytes(bytes(range(256)) * 8)
    expect_bad(path, "looks like a binary file, not text")


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a pdf\n")
    expect_bad(path, "is not a readable PDF")


def test_encrypted_pdf(tmp_path: Path) -> None:
    plain = make_pdf(tmp_path / "plain.pdf", [["Secret salaries are listed here."]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt("hunter2", algorithm="RC4-128")  # RC4 needs no crypto library
    path = tmp_path / "locked.pdf"
    with open(path, "wb") as handle:
        writer.write(handle)
    expect_bad(path, "is an encrypted PDF; remove the password and ingest it again")


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.rect(72, 400, 300, 200, fill=1)
    pdf.showPage()
    pdf.save()
    expect_bad(path, "has no text layer (scanned images?); run OCR first")


def test_unknown_type(tmp_path: Path) -> None:
    path = tmp_path / "sheet.xyz"
    path.write_text("a,b", encoding="utf-8")
    expect_bad(path, "unsupported file type '.xyz' (supported: .txt, .md, .html, .pdf, .docx)")


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04 definitely not a zip archive")
    expect_bad(path, "is not a readable Word document")


def test_missing_file(tmp_path: Path) -> None:
    expect_bad(tmp_path / "gone.txt", "does not exist")
    with pytest.raises(BadDocument, match="gone.txt: does not exist"):
        file_hash(tmp_path / "gone.txt")


# ---------------------------------------------------------------- files and hashes


def test_iter_files_expands_folders(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in ("b.txt", "sub/a.md", "sub/skip.xyz", ".hidden/c.txt", ".secret.txt", "sub/~$lock.docx"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    explicit = tmp_path / "sub" / "skip.xyz"
    found = iter_files([tmp_path, explicit])
    assert found == [(tmp_path / "b.txt", "b.txt"), (tmp_path / "sub" / "a.md", "sub/a.md"), (explicit, "skip.xyz")]
    assert set(SUPPORTED_SUFFIXES.values()) == {"txt", "md", "html", "pdf", "docx"}


def test_file_hash_is_sha256_of_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    assert file_hash(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# ---------------------------------------------------------------- cleaning


def test_seed_file_is_cleaned() -> None:
    doc = load_document(SEED)
    text = doc.page_content
    title = doc.metadata["title"]
    assert title.startswith("Developing strategic emerging industries")
    assert text.count(title) == 1
    assert "Sweep and open" not in text
    assert "[Editor:" not in text
    assert "admin administrator" not in text
    assert "关于作者" not in text
    assert text.endswith("(Wang Zhijun)")
    assert "\n\n\n" not in text


def test_cleaning_rules_are_general() -> None:
    page = "\n".join(
        [
            "Data Retention Notice",
            "Data Retention Notice",
            "",
            "Share to WeChat | Weibo",
            "",
            "Records must be kept for seven years after the contract ends.",
            "Records must be kept for seven years after the contract ends.",
            "",
            "Mobile phone allowances are reviewed every year by the finance office.",
            "",
            "Paper copies may be destroyed once scanned, unless a court order applies. (Li Na)",
            "",
            "Responsible editor: Zhang San",
            "Source: Xinhua",
            "Scan the QR code to read on your phone",
            "Print this page",
            "About us",
            "Contact",
        ]
    )
    cleaned = clean_text(page)
    assert cleaned == (
        "Data Retention Notice\n\n"
        "Records must be kept for seven years after the contract ends.\n\n"
        "Mobile phone allowances are reviewed every year by the finance office.\n\n"
        "Paper copies may be destroyed once scanned, unless a court order applies. (Li Na)"
    )


def test_cleaning_keeps_short_closing_list() -> None:
    text = "Bring the following items to the induction day, please.\n\n- badge\n- laptop"
    assert clean_text(text) == text


def test_chinese_footer_is_dropped() -> None:
    text = "第一条 为了规范管理，制定本办法。\n\n扫一扫在手机打开当前页\n\n责任编辑：王五\n\n关于我们"
    assert clean_text(text) == "第一条 为了规范管理，制定本办法。"


def test_utf16_text_is_not_binary(tmp_path: Path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes("Holiday rota for December.".encode("utf-16"))
    assert load_document(path).page_content == "Holiday rota for December."


def test_pdf_bytes_roundtrip_helper() -> None:
    # The PDF helper writes a file pypdf can read, so the PDF tests above test the reader, not the fixture.
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 700, "Hello")
    pdf.save()
    assert "Hello" in PdfReader(io.BytesIO(buffer.getvalue())).pages[0].extract_text()


def test_files_that_would_share_a_name_get_their_folders(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "plan.txt").write_text("x", encoding="utf-8")
    found = iter_files([tmp_path / "a" / "plan.txt", tmp_path / "b" / "plan.txt"])
    assert [name for _, name in found] == ["plan.txt", "b/plan.txt"]
    assert unique_names([(tmp_path / "a" / "plan.txt", "plan.txt")]) == [(tmp_path / "a" / "plan.txt", "plan.txt")]
