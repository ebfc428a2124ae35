"""`assistant` command line: ingest, remove, documents, check, search, ask, eval, feedback, users, audit.

The library is imported inside each command, so `--help` stays fast; the model loads only for commands that need
vectors (ingest, search, ask, eval), never for `documents`, `remove` or `check`.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.errors import AssistantError
from assistant.settings import Settings, get_settings

if TYPE_CHECKING:
    from assistant.library import Library
    from assistant.page.feedback import FeedbackRecord


def _library(settings: Settings, verbose: bool = False) -> Library:
    from assistant.library import Library

    library = Library(settings)
    library.embedder.quiet = not verbose
    return library


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    lib = _library(settings, args.verbose)
    # tqdm.write clears the progress bar first: a plain print would glue the error to the bar's line.
    report = lib.ingest(args.paths, progress=True,
                        on_error=lambda error: tqdm.write(f"error: {error}", file=sys.stderr))
    print(report.summary())
    documents = lib.documents()
    for name in report.added:
        _audit(settings, "ingest", name, documents.get(name, {}).get("content_hash", ""))
    return 1 if report.failed else 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    library = _library(settings)
    content_hash = library.documents().get(args.name, {}).get("content_hash", "")
    removed = library.remove(args.name)
    print(f"Removed {args.name}: {removed} chunks.")
    if removed:
        _audit(settings, "remove", args.name, content_hash, f"{removed} chunks")
    return 0


def _audit(settings: Settings, action: str, name: str, content_hash: str, detail: str = "") -> None:
    """The command line acts as the operating-system user who ran it."""
    from assistant.audit import AuditLog

    AuditLog(settings.index_dir).record(f"{getpass.getuser()} (command line)", action, name, content_hash, detail)


def cmd_audit(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.audit import AuditLog, line

    entries = AuditLog(settings.index_dir).all()
    if not entries:
        print("The audit trail is empty.")
    for entry in entries:
        print(line(entry))
    return 0


def cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.users import UsersFile

    users = UsersFile(settings.users_path)
    if args.action == "list":
        listed = users.list()
        if not listed:
            print(f"No users in {users.path}; add one with `assistant users add NAME --role reader|editor`.")
        for name, role in listed:
            print(f"{name}  {role}")
        return 0
    if not args.name:
        raise AssistantError(f"`assistant users {args.action}` needs a NAME")
    if args.action == "remove":
        users.remove(args.name)
        print(f"Removed {args.name} from {users.path}.")
        return 0
    new = users.add(args.name, args.role, _read_password(args.password_stdin))
    print(f"{'Added' if new else 'Updated'} {args.name} ({args.role}) in {users.path}.")
    return 0


def _read_password(from_stdin: bool) -> str:
    """Asked twice without echo; with --password-stdin, the first line of stdin (for scripts)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Repeat it: ") != password:
        raise AssistantError("the two passwords differ; nothing was changed")
    return password


def cmd_documents(args: argparse.Namespace, settings: Settings) -> int:
    documents = _library(settings).documents()
    if not documents:
        print(f"No documents in {settings.index_dir}; add some with `assistant ingest PATH`.")
    for name, info in sorted(documents.items()):
        pages = f", {info['pages']} pages" if info.get("pages") else ""
        print(f"{name}  [{info['type']}{pages}, {info['chunks']} chunks, ingested {info['ingested_at'][:19]}]  "
              f"{info['title']}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    library = _library(settings)
    problems = library.check(repair=not args.dry_run)
    counts = library.counts()
    state = f"{len(library.documents())} documents, {counts['records']} chunks"
    if not problems:
        print(f"Index ok: {state}, 0 problems.")
        return 0
    verb = "found" if args.dry_run else "repaired"
    print(f"Index {verb} {len(problems)} problem(s), now {state}: " + "; ".join(problems))
    if not args.dry_run:
        print("Documents removed by the repair are ingested again by running the same `assistant ingest`.")
    return 1 if args.dry_run else 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.markdown import shorten, where

    for i, hit in enumerate(_library(settings, args.verbose).search(args.query, args.k, args.doc), 1):
        print(f"{i:>2}. [{hit.score:.4f}] {where(hit.chunk.metadata)} ({hit.doc})")
        print(f"    {shorten(hit.text, 300)}")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    library = _library(settings, args.verbose)
    if library.llm is None or args.quoted:
        answer = library.ask(args.question, args.doc)
    elif args.format == "text":
        return _print_written(library, args)
    else:
        answer = library.write(args.question, args.doc)
        if answer.error:
            print(f"error: {answer.error}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(answer.to_markdown() if args.format == "markdown" else answer.to_text())
    return 0


def _print_written(library: Library, args: argparse.Namespace) -> int:
    """Each written sentence printed once the passage it cites is found to support it; unsupported ones are
    dropped; when none passes, or the server fails, one line says why and the quoted answer follows, labelled."""
    writing = library.stream(args.question, args.doc)
    printed = False
    for sentence in writing.sentences():
        if sentence.verified:
            print(f"{sentence.text} [{sentence.n}]", end=" ", flush=True)
            printed = True
        elif args.verbose:
            print(f"\n(dropped: {sentence.text!r}: {sentence.reason})", file=sys.stderr, flush=True)
    answer = writing.answer
    if printed:
        print()
    if answer.mode == "written":
        print("\nSources:")
        print("\n".join(line for line in answer.to_text().splitlines()[2:] if line.startswith("[")))
    else:
        if answer.error and answer.mode == "fallback":
            print(f"error: {answer.error}", file=sys.stderr)
        if printed:  # already shown sentences are superseded by the quoted answer: say so
            print("(not kept: the written answer failed)", file=sys.stderr)
        print(answer.to_text())
    if args.verbose and writing.timing.total is not None:
        first = writing.timing.first_token
        print(f"model {answer.model}: first token {'-' if first is None else f'{first:.2f} s'}, "
              f"total {writing.timing.total:.2f} s, {len(answer.dropped)} sentence(s) dropped", file=sys.stderr)
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.evaluation import evaluate_corpus

    result = evaluate_corpus(settings, questions=args.questions, docs=args.docs, beir=args.beir, method=args.method,
                             k=args.k, limit=args.limit, run_out=args.run_out, progress=True, llm=args.llm)
    print(json.dumps(result))
    return 0


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.page.feedback import FeedbackStore, export

    records = FeedbackStore(settings.index_dir).all()
    if not args.export:
        print_feedback(records)
        return 0
    try:
        export(records, args.export)
    except ValueError as error:
        raise AssistantError(str(error)) from None
    print(f"Exported {len(records)} feedback record(s) to {args.export}")
    return 0


def print_feedback(records: list[FeedbackRecord]) -> None:
    if not records:
        print("No feedback yet.")
    for r in records:
        by = f" by {r.given_by}" if r.given_by else ""
        print(f"#{r.id} {r.timestamp}{by} [{r.rating}] {r.question}")
        if r.searched != r.question:
            print(f"    searched: {r.searched}")
        print(f"    answer: {' '.join(r.answer.split())[:200]}")
        print(f"    cited: {', '.join(r.cited_docs) or '-'}")
        if r.comment:
            print(f"    comment: {r.comment}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Ask what your policy documents say, offline.")
    parser.add_argument("--index-dir", type=Path, help="index folder (default: $ASSISTANT_INDEX_DIR or ./index)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the model's loading progress")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update files and folders (TXT, MD, HTML, PDF, DOCX)")
    p.add_argument("paths", nargs="+", type=Path)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("remove", help="delete a document (by the name `documents` lists) from the index")
    p.add_argument("name")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("documents", help="list the indexed documents")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("check", help="check that the parts of the index agree, and repair what a cut-off write left")
    p.add_argument("--dry-run", action="store_true", help="only report; exit 1 when anything is wrong")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("search", help="print the ranked passages for a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--doc", action="append", help="restrict to this document (repeatable)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="answer a question with numbered citations")
    p.add_argument("question")
    p.add_argument("--doc", action="append", help="restrict to this document (repeatable)")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                   help="text (default), Markdown with quoted sources, or JSON (the run-file fields)")
    p.add_argument("--quoted", action="store_true", help="quote the passages even when an LLM is configured")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("eval", help="answer a question set and print the metrics of ../shared/eval/README.md")
    p.add_argument("--questions", type=Path)
    p.add_argument("--docs", type=Path, help="folder of the documents the questions are about")
    p.add_argument("--beir", type=Path, help="a BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)")
    p.add_argument("--run-out", type=Path)
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--limit", type=int)
    p.add_argument("--method", default="ours", help="ours (default), bm25, dense or langchain-default (baselines)")
    p.add_argument("--llm", action="store_true",
                   help="written answers from ASSISTANT_LLM_URL: adds mode, verified/dropped, faithfulness, F1")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("feedback", help="print the answers' feedback, or export it to CSV / JSON Lines")
    p.add_argument("--export", type=Path, metavar="FILE", help="write to FILE.csv or FILE.jsonl instead of printing")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("users", help="add, list or remove the users of password sign-in (ASSISTANT_AUTH=password)")
    p.add_argument("action", choices=("add", "list", "remove"))
    p.add_argument("name", nargs="?")
    p.add_argument("--role", choices=("reader", "editor"), default="reader", help="reader (default) or editor")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin instead of asking")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("audit", help="print who uploaded, replaced, re-indexed, ingested or deleted which document")
    p.set_defaults(func=cmd_audit)
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
