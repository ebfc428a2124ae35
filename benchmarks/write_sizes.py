"""What one-document writes put on disk (issue 9: no file of the index rewritten whole on a one-document change).

    .venv/bin/python benchmarks/write_sizes.py /tmp/scale/idx-100k-b

Adds the held-out ~20-page document of benchmarks/scale.py to a built index, then removes it, through the public
``Library`` API; for each write prints the bytes the process wrote (``/proc/self/io`` write_bytes: what reached the
page cache for files, Chroma's and SQLite's included) and every file of the index folder whose size or mtime
changed, with its size. Vectors come from the model (the document's ~370 texts), unless ``--vectors`` has them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.embeddings import get_embedder  # noqa: E402
from assistant.library import Library  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from benchmarks.scale_corpus import CachedEmbedder, held_out, real_documents  # noqa: E402


def files(folder: Path) -> dict[str, tuple[int, float]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime) for p in folder.rglob("*") if p.is_file()}


def written() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


def report(label: str, before: dict, after: dict, bytes_written: int) -> None:
    changed = {name: size for name, (size, mtime) in after.items() if before.get(name) != (size, mtime)}
    gone = sorted(set(before) - set(after))
    print(f"{label}: {bytes_written / 1e6:.1f} MB written; files changed or new: {len(changed)}, removed: {len(gone)}")
    for name, size in sorted(changed.items(), key=lambda kv: -kv[1]):
        print(f"  {name}  {size / 1e6:.1f} MB now")
    for name in gone:
        print(f"  {name}  removed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index", type=Path)
    parser.add_argument("--vectors", type=Path, help="vectors the model gave each text (benchmarks/scale.py)")
    args = parser.parse_args()
    settings = Settings(index_dir=args.index)
    embedder = CachedEmbedder(get_embedder(settings.embedder), args.vectors)
    library = Library(settings, embedder=embedder)
    extra = held_out(real_documents())
    print(f"{library.counts()['records']} chunks in the index; adding {extra.metadata['doc']}")
    for label, write in (("add", lambda: library.add_documents([extra])),
                         ("remove", lambda: library.remove(extra.metadata["doc"]))):
        before, start = files(args.index), written()
        write()
        library.counts()  # waits for BM25, were it rebuilt
        report(label, before, files(args.index), written() - start)


if __name__ == "__main__":
    main()
