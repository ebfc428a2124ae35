"""`assistant` command line: ingest, remove, documents, search, ask, eval, feedback."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.answer import Answer
from assistant.errors import AssistantError, BadDocument
from assistant.feedback import add_feedback_parser
from assistant.retrieval import Hit
from assistant.settings import Settings, get_settings


def _library(settings: Settings):  # noqa: ANN202 - imported lazily so `--help` does not load a model
    from assistant.library import Library

    return Library(settings)


def _where(meta: dict) -> str:
    parts = [meta["title"]]
    if meta.get("section"):
        parts.append(f"§ {meta['section'][:80]}")
    if meta.get("page"):
        parts.append(f"p. {meta['page']}")
    return " — ".join(parts) + f" ({meta['doc']})"


def print_hits(hits: list[Hit], width: int = 300) -> None:
    for i, hit in enumerate(hits, 1):
        text = " ".join(hit.text.split())
        print(f"{i:>2}. [{hit.score:.4f}] {_where(hit.chunk.metadata)}")
        print(f"    {text[:width]}{'…' if len(text) > width else ''}")


def print_answer(answer: Answer) -> None:
    if answer.refused:
        print("The documents do not answer this question. The nearest passages (not an answer):")
        print_hits(answer.nearest[:3], width=200)
        return
    print(answer.text)
    print("\nSources:")
    for source in answer.sources:
        print(f"[{source.n}] {_where(source.hit.chunk.metadata)}")


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    lib = _library(settings)

    def report_error(error: BadDocument) -> None:
        print(f"error: {error}", file=sys.stderr)

    report = lib.ingest(args.paths, progress=True, on_error=report_error)
    print(report.summary())
    return 1 if report.failed else 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    removed = _library(settings).remove(args.name)
    print(f"Removed {args.name}: {removed} chunks.")
    return 0


def cmd_documents(args: argparse.Namespace, settings: Settings) -> int:
    for name, info in sorted(_library(settings).documents().items()):
        pages = f", {info['pages']} pages" if info.get("pages") else ""
        print(f"{name}  [{info['type']}{pages}, {info['chunks']} chunks, ingested {info['ingested_at'][:19]}]  "
              f"{info['title']}")
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    print_hits(_library(settings).search(args.query, args.k, args.doc))
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    answer, _ = _library(settings).ask(args.question, args.doc)
    print_answer(answer)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from assistant import evaluation

    result = evaluation.run_cli(args, settings)
    print(json.dumps(result))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Ask what your policy documents say, offline.")
    parser.add_argument("--index-dir", type=Path, help="index folder (default: $ASSISTANT_INDEX_DIR or ./index)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update files and folders (TXT, MD, HTML, PDF, DOCX)")
    p.add_argument("paths", nargs="+", type=Path)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("remove", help="delete a document (by file name) from the index")
    p.add_argument("name")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("documents", help="list the indexed documents")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("search", help="print the ranked passages for a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--doc", action="append", help="restrict to this document (repeatable)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with numbered citations")
    p.add_argument("question")
    p.add_argument("--doc", action="append", help="restrict to this document (repeatable)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="answer a question set and print the metrics of ../shared/eval/README.md")
    p.add_argument("--questions", type=Path)
    p.add_argument("--docs", type=Path, help="folder of the documents the questions are about")
    p.add_argument("--beir", type=Path, help="a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)")
    p.add_argument("--run-out", type=Path)
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--limit", type=int)
    p.add_argument("--method", default="ours", help="ours (default), bm25, dense or langchain-default (baselines)")
    p.set_defaults(func=cmd_eval)

    add_feedback_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {"index_dir": args.index_dir} if args.index_dir else {}
    try:
        return args.func(args, get_settings(**overrides))
    except AssistantError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
