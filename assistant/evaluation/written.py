"""`assistant eval --llm`: written answers into the run file, and how faithful and how close to the gold they are.

``faithfulness`` = verified written sentences / written sentences, over every answer the LLM wrote (fallbacks from
a failure wrote nothing and count in ``mode_fallback``). Token F1 (SQuAD's: normalised words, best gold answer) is
reported for the written answer and the quoted one side by side, on sets whose questions carry gold ``answers``.
"""

from __future__ import annotations

from collections import Counter
from typing import Protocol

from assistant.evaluation.metrics import normalize
from assistant.write import NOTHING_VERIFIED, Writing


class Writer(Protocol):
    def stream(self, question: str, docs: list[str] | None = None) -> Writing: ...


def token_f1(prediction: str, gold: str) -> float:
    p, g = normalize(prediction).split(), normalize(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if not p or not g or not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, answers: list[str]) -> float:
    return max((token_f1(prediction, a) for a in answers), default=0.0)


def written_records(library: Writer, question: dict) -> tuple[dict, dict]:
    """The run-file line of the written answer (with the quoted answer's text beside it), and its tallies."""
    writing = library.stream(question["question"], docs=[question["doc"]] if question.get("doc") else None)
    answer = writing.answer
    record = {"id": question["id"], **answer.to_dict(), "quoted_answer": writing.quoted.text}
    tally = {"mode": answer.mode, "written": len(answer.written), "verified": len(answer.written) - len(answer.dropped),
             "failed": bool(answer.error) and answer.error != NOTHING_VERIFIED,
             # Counted, not assumed: a sentence in the answer shown that its cited passage did not support.
             "unverified_shown": sum(not s.verified for s in answer.sentences)}
    if question.get("answers") and not answer.refused:
        tally["f1_written"] = best_f1(answer.text, question["answers"])
        tally["f1_quoted"] = best_f1(writing.quoted.text, question["answers"])
    return record, tally


def summarise(tallies: list[dict]) -> dict:
    """Mode counts, faithfulness, unverified sentences in the answers shown (0 unless the checks are bypassed), F1."""
    modes = Counter(t["mode"] for t in tallies)
    written = sum(t["written"] for t in tallies)
    verified = sum(t["verified"] for t in tallies)
    out: dict = {f"mode_{m}": modes.get(m, 0) for m in ("written", "quoted", "fallback")}
    out |= {"llm_failures": sum(t["failed"] for t in tallies), "written_sentences": written,
            "verified_sentences": verified, "dropped_sentences": written - verified,
            "faithfulness": round(verified / written, 4) if written else None,
            "unverified_shown": sum(t["unverified_shown"] for t in tallies)}
    scored = [t for t in tallies if "f1_written" in t]
    if scored:
        out["f1_written"] = round(sum(t["f1_written"] for t in scored) / len(scored), 4)
        out["f1_quoted"] = round(sum(t["f1_quoted"] for t in scored) / len(scored), 4)
    return out
