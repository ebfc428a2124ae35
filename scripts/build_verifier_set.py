"""Build the verifier set: labelled (sentence, passage) pairs for the written-answer verifier.

    .venv/bin/python scripts/build_verifier_set.py [--out FILE]   # default .eval-cache/verifier/pairs.jsonl

The pairs quote ObliQA and PolicyQA passages, whose terms are research use: they are built from ../shared/eval on
each machine, into a folder git ignores, never committed (evalsets/verifier/README.md).

Passages are chunks (as the index cuts them) of the seed document and of the ../shared/eval ObliQA and PolicyQA
documents. From one sentence of a passage it writes, by rule (no LLM, reproducible, seeded):
- supported: a paraphrase (verbs and connectives swapped for synonyms, "The document says that ..." framing) and a
  condensation (its first clause, at least 6 words);
- unsupported: the paraphrase with a number or year changed, with a negation put in, with a name swapped for one
  from another document; and a sentence of another passage (same document or another) cited against this one.
Each pair gets a split: "dev" (thresholds were chosen on it) or "test" (reported), by a hash of the passage, so no
passage appears in both.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

from langchain_core.documents import Document

from assistant.chunking import sentence_spans, split_document

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval"
OUT = ROOT / ".eval-cache" / "verifier" / "pairs.jsonl"
SEED = 12
PASSAGES_PER_SOURCE = {"seed": 19, "obliqa": 25, "policyqa": 25}  # ~69 passages x ~5 pairs: over 300 pairs
SYNONYMS = {
    "shall": "must", "should": "ought to", "promote": "encourage", "accelerate": "speed up", "improve": "enhance",
    "strengthen": "reinforce", "develop": "build up", "support": "back", "establish": "set up", "ensure": "make sure",
    "provide": "give", "require": "oblige", "use": "employ", "information": "data", "collect": "gather",
    "may": "can", "important": "key", "enterprises": "companies", "companies": "firms", "encourage": "promote",
    "construction": "building", "help": "assist", "obtain": "get", "receive": "get", "purchase": "buy",
}
NEGATE = [(r"\b(shall|should|will|must|may|can|could|would)\b(?! not)", r"\1 not"),
          (r"\b(is|are|was|were)\b(?! not)", r"\1 not")]
NAME = re.compile(r"(?<=\s)([A-Z][a-z]+(?:\s[A-Z][a-z]+)*|[A-Z]{2,})")
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def documents() -> list[tuple[str, Path]]:
    seed = [("seed", p) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    obliqa = [("obliqa", p) for p in sorted((SHARED / "obliqa" / "docs").glob("*"))]
    policyqa = [("policyqa", p) for p in sorted((SHARED / "policyqa" / "docs").glob("*.txt"))]
    return seed + obliqa + policyqa


def passages(rng: random.Random) -> list[dict]:
    out = []
    for source, count in PASSAGES_PER_SOURCE.items():
        chunks = []
        for src, path in documents():
            if src != source:
                continue
            meta = {"doc": path.name, "title": path.stem}
            doc = Document(page_content=path.read_text(errors="replace"), metadata=meta)
            chunks += [(path.name, c.page_content) for c in split_document(doc, 1500) if len(c.page_content) > 300]
        for name, text in rng.sample(chunks, min(count, len(chunks))):
            out.append({"source": source, "doc": name, "passage": text})
    return out


def good_sentences(text: str) -> list[str]:
    found = [" ".join(text[a:b].split()) for a, b in sentence_spans(text)]
    return [s for s in found if 8 <= len(s.split()) <= 45 and s[0].isupper() and s[-1] in ".;"]


def paraphrase(sentence: str) -> str:
    words = sentence.rstrip(".;").split(" ")
    changed = [SYNONYMS.get(w, w) for w in words]
    body = " ".join(changed)
    lower = body[:2].istitle() and not NAME.match(" " + body)  # "Promote ..." -> "promote ...", not "aPP6.A6"
    return f"The document says that {body[0].lower() + body[1:] if lower else body}."


def condense(sentence: str) -> str | None:
    for cut in (";", ", and ", ", which ", ", including "):
        head = sentence.split(cut)[0]
        if len(head.split()) >= 6 and head != sentence:
            return head.rstrip(".,") + "."
    return None


def change_number(sentence: str, rng: random.Random) -> str | None:
    numbers = list(NUMBER.finditer(sentence))
    if not numbers:
        return None
    m = rng.choice(numbers)
    value = m.group()
    if re.fullmatch(r"(19|20)\d\d", value):
        new = str(int(value) + rng.choice([-10, -5, 5, 10]))
    elif "." in value:
        new = f"{float(value) * 2:g}"
    else:
        new = str(int(value) * 2 + 3)
    return sentence[: m.start()] + new + sentence[m.end() :]


def negate(sentence: str) -> str | None:
    for pattern, repl in NEGATE:
        changed = re.sub(pattern, repl, sentence, count=1)
        if changed != sentence:
            return changed
    return None


def swap_name(sentence: str, names: list[str], passage: str, rng: random.Random) -> str | None:
    own = [m for m in NAME.finditer(sentence) if m.group() not in {"The", "This", "It"}]
    if not own:
        return None
    m = rng.choice(own)
    foreign = [n for n in names if n.lower() not in passage.lower()]
    return sentence[: m.start()] + rng.choice(foreign) + sentence[m.end() :] if foreign else None


def main(out: Path = OUT) -> Path:
    rng = random.Random(SEED)
    chosen = passages(rng)
    names = sorted({m.group() for p in chosen for m in NAME.finditer(p["passage"]) if len(m.group()) > 3})
    pairs = []
    for i, p in enumerate(chosen):
        sentences = good_sentences(p["passage"])
        if not sentences:
            continue
        split = "dev" if int(hashlib.sha256(p["passage"].encode()).hexdigest(), 16) % 2 == 0 else "test"
        base = rng.choice(sentences)
        para = paraphrase(base)
        second = rng.choice([x for x in sentences if x != base] or [base])
        with_number = next((s for s in sentences if NUMBER.search(s)), None)
        candidates = [
            ("paraphrase", "supported", para),
            ("condensed", "supported", condense(base)),
            ("paraphrase-2", "supported", paraphrase(second) if second != base else None),
            ("paraphrase-number", "supported",
             paraphrase(with_number) if with_number and with_number != base else None),
            ("changed-number", "unsupported", change_number(paraphrase(with_number), rng) if with_number else None),
            ("negation", "unsupported", negate(para)),
            ("swapped-name", "unsupported", swap_name(para, names, p["passage"], rng)),
        ]
        others = [q for q in chosen if q is not p and q["doc"] == p["doc"]] or [q for q in chosen if q is not p]
        other = good_sentences(rng.choice(others)["passage"])
        other = [s for s in other if s not in p["passage"]]
        if other:
            candidates.append(("other-passage", "unsupported", paraphrase(rng.choice(other))))
        for kind, label, sentence in candidates:
            if sentence:
                pairs.append({"id": f"v{i:03d}-{kind}", "split": split, "kind": kind, "label": label,
                              "sentence": sentence, "passage": p["passage"], "doc": p["doc"], "source": p["source"]})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in pairs))
    counts: dict[str, int] = {}
    for r in pairs:
        counts[f"{r['split']}/{r['label']}"] = counts.get(f"{r['split']}/{r['label']}", 0) + 1
    print(f"{len(pairs)} pairs -> {out}: {counts}")
    return out


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    main(parser.parse_args().out)
