"""Check a hand-written question set against its documents; exit 1 on any problem.

    /work/main/.venv/bin/python scripts/check_devset.py [evalsets/exec-orders-dev/questions.jsonl]
        [--docs ../shared/eval/exec-orders/docs] [--min-answerable 60] [--min-docs 40] [--min-unanswerable 20]

Answerable questions: every evidence string must stand **verbatim** (after score.py's normalisation: lower case,
letters and digits only) in the document named by `doc_hint`; `covers` (the scorer's rule) must also hold, so the
scorer can credit a passage cut from that document. Evidence that only passes the 3-gram half of `covers` fails
here: it was not copied. Unanswerable questions: no `evidence`, and none of their `absent_terms` (the specific
subject the library must not hold) may occur anywhere in the corpus, as a whole word, case-insensitive. No question
may carry `doc` (it would restrict retrieval to the gold document and hide retrieval errors).

Evidence that another document also covers fails too: the scorer does not look at document names, so boilerplate
evidence ("within 180 days of the date of this order") would credit a passage from the wrong order.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.evaluation import covers, load_jsonl, normalize  # noqa: E402

DEFAULT_QUESTIONS = ROOT / "evalsets" / "exec-orders-dev" / "questions.jsonl"
DEFAULT_DOCS = ROOT.parent / "shared" / "eval" / "exec-orders" / "docs"
# Issue 10 asks for at least 60 answerable questions over at least 40 orders and at least 20 near-misses.
MIN_ANSWERABLE = 60
MIN_DOCS = 40
MIN_UNANSWERABLE = 20

# The scorer's covers(): evidence of 8+ words counts when half of its word 3-grams stand in the passage.
MIN_WORDS_FOR_TRIGRAMS = 8


def trigrams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


class Corpus:
    """The documents, normalised once, with `covers` computed as the scorer does (a whole 5 MB corpus is normalised
    thousands of times otherwise)."""

    def __init__(self, folder: Path) -> None:
        self.files = sorted(p for p in folder.iterdir() if p.is_file())
        self.text = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in self.files}
        self.norm = {name: normalize(t) for name, t in self.text.items()}
        self.grams = {name: trigrams(t.split()) for name, t in self.norm.items()}

    def covering(self, evidence: str, names: list[str] | None = None) -> list[str]:
        """The documents (among ``names``, default all) that cover ``evidence``: the same rule as ``covers``."""
        e = normalize(evidence)
        if not e:
            return []
        words = e.split()
        eg = trigrams(words)
        long_enough = len(words) >= MIN_WORDS_FOR_TRIGRAMS
        return [
            name
            for name in (names if names is not None else list(self.norm))
            if e in self.norm[name] or (long_enough and len(eg & self.grams[name]) >= 0.5 * len(eg))
        ]

    def self_check(self, evidence: list[str], rng: random.Random) -> None:
        """The fast rule must agree with the scorer's own ``covers`` (checked on a sample, it is slow)."""
        names = list(self.text)
        for ev in rng.sample(evidence, min(20, len(evidence))):
            for name in rng.sample(names, min(5, len(names))):
                if (name in self.covering(ev, [name])) != covers(ev, self.text[name]):
                    raise RuntimeError(f"fast covers disagrees with the scorer's on {name}: {ev[:60]!r}")


def term_in(term: str, text: str) -> bool:
    """Whole-word, case-insensitive occurrence (so "Mali" does not match "malicious")."""
    return re.search(r"(?<!\w)" + re.escape(term) + r"(?!\w)", text, re.IGNORECASE) is not None


def check(questions: list[dict], corpus: Corpus) -> list[str]:
    """Every problem found, one line each."""
    problems: list[str] = []
    docs = corpus.text
    ids = Counter(q.get("id") for q in questions)
    problems += [f"{i}: id used {n} times" for i, n in ids.items() if n > 1]
    evidence = [ev for q in questions for ev in q.get("evidence", [])]
    if evidence:
        corpus.self_check(evidence, random.Random(0))
    for q in questions:
        qid = q.get("id")
        if "doc" in q:
            problems.append(f"{qid}: has `doc`, which restricts retrieval to the gold document; use `doc_hint`")
        if not str(q.get("question", "")).strip():
            problems.append(f"{qid}: empty question")
        if q.get("answerable", True):
            name = q.get("doc_hint")
            if name not in docs:
                problems.append(f"{qid}: doc_hint {name!r} is not a file in the docs folder")
                continue
            if not q.get("evidence"):
                problems.append(f"{qid}: answerable but no evidence")
            for ev in q.get("evidence", []):
                if normalize(ev) not in corpus.norm[name]:
                    problems.append(f"{qid}: evidence not verbatim in {name}: {ev[:80]!r}")
                elif not covers(ev, docs[name]):  # the scorer's own function, on the gold order
                    problems.append(f"{qid}: covers() fails on {name}: {ev[:80]!r}")
                others = [n for n in corpus.covering(ev) if n != name]
                if others:
                    problems.append(f"{qid}: evidence also covered by {', '.join(others[:5])}: {ev[:60]!r}")
        else:
            if q.get("evidence"):
                problems.append(f"{qid}: unanswerable but has evidence")
            terms = q.get("absent_terms") or []
            if not terms:
                problems.append(f"{qid}: unanswerable without absent_terms to verify against the corpus")
            for term in terms:
                found = [n for n, t in docs.items() if term_in(term, t)]
                if found:
                    problems.append(f"{qid}: absent term {term!r} occurs in {', '.join(found[:5])}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("questions", nargs="?", type=Path, default=DEFAULT_QUESTIONS)
    ap.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    ap.add_argument("--min-answerable", type=int, default=MIN_ANSWERABLE)
    ap.add_argument("--min-docs", type=int, default=MIN_DOCS)
    ap.add_argument("--min-unanswerable", type=int, default=MIN_UNANSWERABLE)
    args = ap.parse_args(argv)
    questions = load_jsonl(args.questions)
    problems = check(questions, Corpus(args.docs))
    answerable = [q for q in questions if q.get("answerable", True)]
    n_docs = len({q.get("doc_hint") for q in answerable})
    n_unans = len(questions) - len(answerable)
    n_evidence = sum(len(q.get("evidence", [])) for q in answerable)
    if len(answerable) < args.min_answerable:
        problems.append(f"{len(answerable)} answerable questions, fewer than {args.min_answerable}")
    if n_docs < args.min_docs:
        problems.append(f"answerable questions cover {n_docs} documents, fewer than {args.min_docs}")
    if n_unans < args.min_unanswerable:
        problems.append(f"{n_unans} unanswerable questions, fewer than {args.min_unanswerable}")
    for line in problems:
        print(f"PROBLEM: {line}")
    print(f"{args.questions}: {len(answerable)} answerable over {n_docs} documents ({n_evidence} evidence strings), "
          f"{n_unans} unanswerable; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
