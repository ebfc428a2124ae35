"""Time to read the hostile probe files of issue 11 with ``load_document``, one child process per file so a
reader that never ends is cut off at ``--timeout`` seconds.

    .venv/bin/python benchmarks/hostile.py [--depth 20000] [--docx-mb 210] [--timeout 60]

Run it from another checkout (an older commit) to time that code on the same files: it imports the
``assistant`` package of the folder it lives in.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PARAGRAPH = b'<w:p><w:r><w:t xml:space="preserve">Leave is granted on request. </w:t></w:r></w:p>'
DOC_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document '
            b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
DOC_TAIL = b"</w:body></w:document>"


def deep_html(path: Path, depth: int) -> Path:
    path.write_text("<html><body>" + "<div>x" * depth + "</div>" * depth + "</body></html>")
    return path


def docx_bomb(path: Path, megabytes: int) -> Path:
    """A real DOCX (python-docx's template) whose document.xml unpacks to ``megabytes`` MB of paragraphs."""
    import docx

    template = path.with_suffix(".template.docx")
    docx.Document().save(template)
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, source.read(item))
        with out.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(DOC_HEAD)
            block = PARAGRAPH * ((1 << 20) // len(PARAGRAPH))
            for _ in range(megabytes):
                member.write(block)
            member.write(DOC_TAIL)
    template.unlink()
    return path


def time_one(path: Path, timeout: float) -> str:
    code = ("import sys, time; sys.path.insert(0, sys.argv[1]); from assistant.documents import load_document\n"
            "t = time.perf_counter()\n"
            "try:\n    d = load_document(sys.argv[2]); out = f'read, {len(d.page_content):,} chars'\n"
            "except Exception as e:\n    out = f'{type(e).__name__}: {e}'\n"
            "print(f'{time.perf_counter() - t:.2f} s: {out}')")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(ROOT), str(path)], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"> {timeout:g} s (stopped)"
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return (done.stdout.strip() or done.stderr.strip().splitlines()[-1]) + f" [peak RSS of children {child:,.0f} MB]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20_000)
    parser.add_argument("--docx-mb", type=int, default=210)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        html = deep_html(Path(folder) / "deep.html", args.depth)
        started = time.perf_counter()
        bomb = docx_bomb(Path(folder) / "bomb.docx", args.docx_mb)
        made = time.perf_counter() - started
        size = html.stat().st_size / 1024
        print(f"{html.name}: {size:,.0f} KB, {args.depth:,} levels -> {time_one(html, args.timeout)}")
        size = bomb.stat().st_size / 1024**2
        print(f"{bomb.name}: {size:.1f} MB unpacking to {args.docx_mb} MB (made in {made:.1f} s) -> "
              f"{time_one(bomb, args.timeout)}")


if __name__ == "__main__":
    main()
