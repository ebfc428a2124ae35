"""The metrics of ../shared/eval/README.md, identical to its reference scorer (``shared/eval/score.py``).

The scorer is re-implemented rather than imported so the package never depends on the eval data folder;
``tests/test_evaluation.py`` checks that both give the same numbers on the same run files.
"""

from __future__ import annotations

import re

MRR_DEPTH = 10  # score.py looks for the first covering passage in the top 10 only, whatever k is

_QUOTES = {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'}


def normalize(s: str) -> str:
    """Lower-case, keep only runs of ASCII letters, digits and CJK ideographs, joined by single spaces."""
    s = s.lower()
    for curly, straight in _QUOTES.items():
        s = s.replace(curly, straight)
    return " ".join(re.findall(r"[0-9a-z\u4e00-\u9fff]+", s))


def _trigrams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def covers(evidence: str, text: str) -> bool:
    """True where the passage holds the evidence: whole, or (evidence of 8+ words) at least half its word 3-grams."""
    e, t = normalize(evidence), normalize(text)
    if not e:
        return False
    if e in t:
        return True
    ew = e.split()
    if len(ew) < 8:
        return False
    eg = _trigrams(ew)
    return len(eg & _trigrams(t.split())) >= 0.5 * len(eg)


def _covers_any(evidence: list[str], passage: dict) -> bool:
    return any(covers(e, passage.get("text", "")) for e in evidence)


def first_hit(evidence: list[str], passages: list[dict]) -> int | None:
    """1-based rank of the first passage that covers any evidence string, or None."""
    for rank, p in enumerate(passages, 1):
        if _covers_any(evidence, p):
            return rank
    return None


def score_run(questions: list[dict], runs: list[dict], k: int = 5) -> dict:
    """The metrics dict that ``score.py QUESTIONS RUN --k K`` prints, with the same keys, order and rounding."""
    # Later lines win on duplicate ids, as in score.py's dict comprehensions.
    qs = {q["id"]: q for q in questions}
    by_id = {r["id"]: r for r in runs}
    missing = [i for i in qs if i not in by_id]
    ans = [q for q in qs.values() if q.get("answerable", True) and q["id"] in by_id]
    no = [q for q in qs.values() if not q.get("answerable", True) and q["id"] in by_id]
    hits, rr, ev_recall, cite_hit, false_refusals, has_answer = 0, 0.0, 0.0, 0, 0, 0
    cite_prec: list[float] = []
    for q in ans:
        r, evidence = by_id[q["id"]], q["evidence"]
        ret = r.get("retrieved", [])
        rank = first_hit(evidence, ret[:MRR_DEPTH])
        if rank and rank <= k:
            hits += 1
        if rank:
            rr += 1.0 / rank
        topk = ret[:k]
        ev_recall += sum(any(covers(e, p.get("text", "")) for p in topk) for e in evidence) / max(1, len(evidence))
        if r.get("refused"):
            # A refused answerable question counts against citations too: nothing below is credited.
            false_refusals += 1
            continue
        cites = r.get("citations", [])
        if r.get("answer"):
            has_answer += 1
        if any(_covers_any(evidence, c) for c in cites):
            cite_hit += 1
        if cites:
            cite_prec.append(sum(_covers_any(evidence, c) for c in cites) / len(cites))
    refused_ok = sum(1 for q in no if by_id[q["id"]].get("refused"))
    n = max(1, len(ans))
    return {
        "questions": len(qs),
        "scored": len(ans) + len(no),
        "missing_from_run": len(missing),
        f"hit@{k}": round(hits / n, 4),
        "mrr@10": round(rr / n, 4),
        f"evidence_recall@{k}": round(ev_recall / n, 4),
        "answered": has_answer,
        "citation_hit": round(cite_hit / n, 4),
        "citation_precision": round(sum(cite_prec) / max(1, len(cite_prec)), 4),
        "false_refusal_rate": round(false_refusals / n, 4),
        "unanswerable": len(no),
        "refusal_accuracy": round(refused_ok / max(1, len(no)), 4) if no else None,
    }
