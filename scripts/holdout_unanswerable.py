"""Unanswerable questions made by holding out documents: a question whose gold documents are removed from the library.

    /work/main/.venv/bin/python scripts/holdout_unanswerable.py QUESTIONS --docs DOCS [--sample 20] [--seed 0]
        [--max-doc-share 0.25] [--keep-answerable N] [--out DIR]

Writes DIR/docs/ (a copy of DOCS without the held-out documents), DIR/questions.jsonl and DIR/heldout.json, by
default under .eval-cache/holdout/ (git-ignored: the shared sets are research-use data and are not copied into git).

- A question's gold documents are its `doc` or `doc_hint` when it names one, else (ObliQA, which names none) every
  document that covers one of its evidence strings by the scorer's rule.
- Questions are drawn at random (``--seed``); each drawn question's gold documents are removed, unless that would
  take more than ``--max-doc-share`` of the library away (a library missing half its documents is not a library).
- Every answerable question is then re-checked against **all remaining documents** with the scorer's `covers`:
  none of its evidence covered any more -> it goes out as `answerable: false` (drawn or collateral, recorded in
  `heldout`); all of its evidence still covered -> it stays answerable; partly covered -> dropped, as is a drawn
  question whose evidence another document still covers. Unanswerable questions of the input stay unanswerable.
- Held-out questions come first in the file, so ``assistant eval --limit`` keeps them; ``--keep-answerable N`` keeps a
  random N of the still-answerable ones and ``--keep-heldout N`` all drawn plus collateral ones up to N (for a short
  run over ObliQA's 2,788 questions, where the removed regulations hold half of them).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_devset import Corpus  # noqa: E402

from assistant.evaluation import load_jsonl, write_jsonl  # noqa: E402

# A quarter of the library held out at most: enough documents go for 20+ held-out questions on ObliQA (40 regulations,
# about 2 gold documents a question) while three quarters of the library stays as distractors.
MAX_DOC_SHARE = 0.25
def gold_docs(question: dict, corpus: Corpus) -> list[str]:
    named = question.get("doc") or question.get("doc_hint")
    if named:
        return [named] if named in corpus.text else []
    return sorted({name for ev in question.get("evidence", []) for name in corpus.covering(ev)})


def _sample(items: list[dict], n: int | None, rng: random.Random) -> list[dict]:
    """A random ``n`` of ``items`` in their original order (all when ``n`` is None or not smaller)."""
    if n is None or n >= len(items):
        return items
    keep = {id(q) for q in rng.sample(items, n)}
    return [q for q in items if id(q) in keep]


def holdout(questions: list[dict], corpus: Corpus, sample: int, seed: int, max_doc_share: float,
            keep_answerable: int | None, keep_heldout: int | None = None) -> tuple[list[dict], dict]:
    """(questions to write, report). Pure: copies nothing."""
    rng = random.Random(seed)
    answerable = [q for q in questions if q.get("answerable", True) and q.get("evidence")]
    corpus.self_check([ev for q in answerable for ev in q["evidence"]], rng)
    gold = {q["id"]: gold_docs(q, corpus) for q in answerable}
    cap = int(max_doc_share * len(corpus.text))
    removed: set[str] = set()
    drawn: list[str] = []
    for q in rng.sample(answerable, len(answerable)):
        if len(drawn) >= sample:
            break
        docs = set(gold[q["id"]])
        if not docs or len(removed | docs) > cap:
            continue
        removed |= docs
        drawn.append(q["id"])
    remaining = [n for n in corpus.text if n not in removed]
    heldout, still, dropped = [], [], []
    for q in answerable:
        covered = [bool(corpus.covering(ev, remaining)) for ev in q["evidence"]]
        if q["id"] in drawn or not all(covered):
            if any(covered):
                dropped.append(q["id"])
                continue
            kind = "drawn" if q["id"] in drawn else "collateral"
            heldout.append({**q, "answerable": False, "evidence": [], "heldout": kind,
                            "heldout_docs": gold[q["id"]], "heldout_evidence": q["evidence"]})
        else:
            still.append(q)
    n_collateral = sum(q["heldout"] == "collateral" for q in heldout)
    still = _sample(still, keep_answerable, rng)
    if keep_heldout is not None:  # every drawn question stays; collateral ones fill up to the number asked
        collateral = [q for q in heldout if q["heldout"] == "collateral"]
        kept = _sample(collateral, max(0, keep_heldout - len(drawn)), rng)
        heldout = [q for q in heldout if q["heldout"] == "drawn"] + kept
    others = [q for q in questions if not (q.get("answerable", True) and q.get("evidence"))]
    out = heldout + still + others
    for q in out:  # a `doc` restriction to a removed document would make retrieval fail rather than refuse
        if q.get("doc") in removed:
            q.pop("doc")
    report = {
        "seed": seed,
        "removed_docs": sorted(removed),
        "drawn": drawn,
        "heldout_unanswerable": [q["id"] for q in heldout],
        "collateral_before_sampling": n_collateral,
        "dropped_still_covered": dropped,
        "answerable_kept": len(still),
        "unanswerable_from_input": len(others),
    }
    return out, report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("questions", type=Path)
    ap.add_argument("--docs", type=Path, required=True)
    ap.add_argument("--sample", type=int, default=20, help="questions to hold out (their gold documents go)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-doc-share", type=float, default=MAX_DOC_SHARE)
    ap.add_argument("--keep-answerable", type=int, help="keep a random N of the still-answerable questions")
    ap.add_argument("--keep-heldout", type=int, help="keep every drawn held-out question and collateral ones up to N")
    ap.add_argument("--out", type=Path, help="output folder (default .eval-cache/holdout/NAME-sSEED-nSAMPLE)")
    args = ap.parse_args(argv)
    if not args.docs.is_dir():
        print(f"{args.docs}: not a folder of documents", file=sys.stderr)
        return 2
    name = args.questions.resolve().parent.name
    out_dir = args.out or ROOT / ".eval-cache" / "holdout" / f"{name}-s{args.seed}-n{args.sample}"
    corpus = Corpus(args.docs)
    questions, report = holdout(load_jsonl(args.questions), corpus, args.sample, args.seed, args.max_doc_share,
                                args.keep_answerable, args.keep_heldout)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    (out_dir / "docs").mkdir(parents=True)
    for path in corpus.files:
        if path.name not in report["removed_docs"]:
            shutil.copy2(path, out_dir / "docs" / path.name)
    write_jsonl(out_dir / "questions.jsonl", questions)
    (out_dir / "heldout.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"{out_dir}: {len(corpus.files) - len(report['removed_docs'])} of {len(corpus.files)} documents; "
          f"{len(report['heldout_unanswerable'])} held-out unanswerable ({len(report['drawn'])} drawn), "
          f"{len(report['dropped_still_covered'])} dropped as still covered, {report['answerable_kept']} answerable, "
          f"{report['unanswerable_from_input']} unanswerable from the input")
    return 0


if __name__ == "__main__":
    sys.exit(main())
