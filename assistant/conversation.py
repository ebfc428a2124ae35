"""Multi-turn questions: a follow-up is rewritten into a standalone question, then answered.

Without an LLM (or for a quoted answer) rules rewrite it:

    standalone("And what about hydrogen?", ["What does the plan say about new energy vehicles?"])
    -> "What does the plan say about hydrogen?"

For a written answer the LLM rewrites it (``written_standalone``), and the rules are the fallback when it fails or
replies with something that is not one question.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.answer import Answer
from assistant.overview import overview_topic

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.library import Library
    from assistant.write import Writing

# "and what about X?", "how about X?", "what about X?": a new subject in the frame of the previous question.
_WHAT_ABOUT = re.compile(
    r"^\s*(?:and|but|also|so|ok(?:ay)?)?[\s,]*(?:what|how)\s+about\s+(?P<topic>.+?)[\s?.!]*$", re.IGNORECASE
)
# Where a question names its subject: "... say about X?", "... regarding X".
_ABOUT = re.compile(r"\b(?:about|regarding|concerning)\s+(?P<subject>[^?!]+?)[\s?.!]*$", re.I)
_WORD = re.compile(r"[\w'’-]+")
_PERSONAL = {"it", "they", "them", "he", "she", "him", "her"}
_POSSESSIVE = {"its", "their", "his"}
_DEMONSTRATIVE = {"that", "this", "those", "these"}
# A demonstrative stands for a subject ("is that funded?") only before these words or at the end; before a noun
# it is a determiner ("this plan"), after a reporting verb a conjunction ("say that ...").
_AFTER_PRONOUN = {
    "is", "are", "was", "were", "be", "been", "will", "would", "can", "could", "should", "may", "might", "mean",
    "means", "include", "includes", "involve", "involves", "cover", "covers", "work", "works", "in", "for", "of",
    "to", "by", "with", "on", "at", "from", "apply", "applies", "happen", "matter", "cost", "costs", "does", "do",
}
_REPORTING = {"say", "says", "said", "mention", "mentions", "state", "states", "describe", "describes", "cover",
              "covers", "discuss", "discusses", "propose", "proposes", "suggest", "suggests"}
# Words that give a question no subject of its own: "Tell me more", "What does it say?", "Why?".
_GENERIC = {
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "does", "do", "did", "is", "are", "was",
    "were", "be", "the", "a", "an", "and", "or", "but", "also", "so", "of", "to", "in", "on", "for", "about", "with",
    "me", "us", "you", "tell", "more", "say", "says", "said", "mention", "mentions", "explain", "elaborate", "detail",
    "details", "further", "else", "anything", "something", "please", "can", "could", "would", "will", "should",
    "plan", "document", "documents", "policy", "text", "there", "any", "other", "exactly", "specifically", "give",
    "show", "again", "ok", "okay", "then", "now", "really", "much", "many", "some", "from", "by", "as", "at",
    "that", "this", "those", "these", "it", "they", "them", "its", "their", "he", "she", "him", "her", "his",
    "regarding", "concerning", "go", "expand", "like", "look", "mean", "means",
}  # fmt: skip
# Verbs that lead a subject phrase but are not the subject: "How does it promote X" carries X.
_LEAD_VERBS = {"promote", "support", "develop", "encourage", "accelerate", "build", "improve", "strengthen", "plan",
               "handle", "treat", "regulate", "achieve", "fund", "finance", "describe", "define"}


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def has_own_subject(question: str) -> bool:
    return any(w.lower() not in _GENERIC for w in _words(question))


def subject_of(question: str) -> str:
    """The topic a question is about: the phrase after "about", else its content words."""
    match = _ABOUT.search(question)
    if match and has_own_subject(match["subject"]):
        return match["subject"].strip()
    words = [w for w in _words(question) if w.lower() not in _GENERIC]
    while words and words[0].lower() in _LEAD_VERBS:
        words = words[1:]
    return " ".join(words)


def _previous_subject(history: list[str]) -> tuple[str, str]:
    """(question, subject) of the latest earlier turn that has one; ("", "") when none does."""
    for earlier in reversed(history):
        subject = subject_of(earlier)
        if subject:
            return earlier, subject
    return "", ""


def _replace_pronouns(question: str, subject: str) -> str:
    """Put the subject in place of pronouns that stand for it; "does it say" keeps "it" (the document)."""
    tokens = re.split(r"(\W+)", question)
    words = [(i, t) for i, t in enumerate(tokens) if t and _WORD.fullmatch(t)]
    for pos, (i, token) in enumerate(words):
        low = token.lower()
        before = words[pos - 1][1].lower() if pos else ""
        after = words[pos + 1][1].lower() if pos + 1 < len(words) else ""
        if low in _PERSONAL and not (after in _REPORTING and before in {"does", "do", "did", "will", "would"}):
            tokens[i] = subject
        elif low in _POSSESSIVE:
            tokens[i] = f"{subject}'s"
        elif low in _DEMONSTRATIVE and (not after or after in _AFTER_PRONOUN) and before not in _REPORTING:
            tokens[i] = subject
    return "".join(tokens)


def standalone(question: str, history: list[str]) -> str:
    """The question as it should be searched: a follow-up gets the subject of earlier turns; others pass unchanged.

    ``history`` holds earlier questions, oldest first (best: the standalone forms already searched, so a subject
    carries across a chain of follow-ups).
    """
    previous, subject = _previous_subject(history)
    if not subject:
        return question
    follow = _WHAT_ABOUT.match(question)
    if follow:
        topic = follow["topic"].strip()
        frame = _ABOUT.search(previous)
        if frame and has_own_subject(frame["subject"]):
            return f"{previous[: frame.start('subject')]}{topic}?"
        return f"What about {topic} in the context of {subject}?"
    resolved = _replace_pronouns(question, subject)
    if resolved != question:
        return resolved
    if not has_own_subject(question):
        return f"{question.strip().rstrip('?.! ')} about {subject}?"
    return question


# ---------------------------------------------------------------- with an LLM

# Earlier questions sent for a rewrite: the subject a follow-up leans on is in the latest turns (the rules look no
# further back than the latest one that has a subject), and each one more is tokens the reader waits for.
REWRITE_HISTORY = 3
# Longest reply taken as a question: the longest question of our eval sets is 356 characters (ObliQA; seed 86,
# PolicyQA 96); a longer reply is an answer or an explanation, not a question, and the rules are used instead.
MAX_STANDALONE = 400
_LEAD = re.compile(r"^\s*(?:standalone question|question|rewritten question)\s*:\s*", re.IGNORECASE)


def written_standalone(model: BaseChatModel, question: str, history: list[str]) -> str | None:
    """The standalone question as ``model`` writes it, or None (use the rules): no history, the model failed, or its
    reply is not one question. Sent: the prompt, up to REWRITE_HISTORY earlier questions and this one; nothing else."""
    from assistant.prompts import REWRITE_SYSTEM, REWRITE_USER

    if not history:
        return None  # a first question is standalone already: nothing to send
    earlier = "\n".join(f"- {q}" for q in history[-REWRITE_HISTORY:])
    try:
        reply = model.invoke([("system", REWRITE_SYSTEM),
                              ("human", REWRITE_USER.format(history=earlier, question=question))],
                             stop=["\n"])  # one line is all that is used: the model stops there, not at max_tokens
    except Exception:  # noqa: BLE001 - any failure of the model: the rules rewrite it, the answer goes on
        return None
    text = reply.content if isinstance(reply.content, str) else ""
    line = next((line for line in text.splitlines() if line.strip()), "")
    line = _LEAD.sub("", line).strip().strip("\"'“”`").strip()
    if not re.search(r"\w", line) or len(line) > MAX_STANDALONE:
        return None
    return line


# ---------------------------------------------------------------- turns

_ids = itertools.count(1)


@dataclass
class Turn:
    """One question and its answer, as the page shows it and the export writes it."""

    question: str
    searched: str  # the standalone question that was actually retrieved with
    answer: Answer  # a topic overview is an answer with ``groups``
    docs: list[str] | None = None  # the scope searched (None: all documents)
    id: int = field(default_factory=lambda: next(_ids))


def write(library: Library, question: str, history: list[str], docs: list[str] | None = None) -> tuple[str, Writing]:
    """A written answer in progress for a follow-up in context: (the standalone question searched, the writing).

    With an LLM the standalone question is the one it writes; the rules when it has none to give."""
    written = written_standalone(library.llm, question, history) if library.llm is not None else None
    searched = written or standalone(question, history)
    return searched, library.stream(searched, docs)


def ask(library: Library, question: str, history: list[str], docs: list[str] | None = None,
        overview: bool = False) -> Turn:
    """Answer a question in the context of earlier ones; "what does the plan say about X" gives a topic overview."""
    searched = standalone(question, history)
    topic = overview_topic(searched)
    if overview or topic:
        return Turn(question, searched, library.overview(topic or searched, docs, question=question), docs)
    return Turn(question, searched, library.ask(searched, docs), docs)
