"""Written answers: the LLM writes from the passages code chose, every sentence is checked before it is shown.

``Writing`` streams one answer: ``tokens()`` for a page that shows the text as it comes, ``sentences()`` for a
terminal that prints each sentence once it is complete and checked, ``answer`` when it is over. Any failure of the
model (unreachable, timeout, refused key, unknown model, context too long, a server dying mid-answer) ends in the
quoted answer with one line saying why: a written answer is an addition, never a new way to fail.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.answer import Answer, AnswerSentence, Source
from assistant.chunking import sentence_spans
from assistant.llm import describe_failure, model_name
from assistant.prompts import PASSAGE, WRITE_SYSTEM, WRITE_USER
from assistant.retrieval import Hit
from assistant.settings import Settings
from assistant.verify import Verifier

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

# "[1]", "[1, 3]", "[1][2]", and what small models write instead: "[Passage 1]", "[source 2]".
_CITATION = re.compile(r"\[\s*(?:passage|source)?\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]", re.IGNORECASE)
_AFTER_STOP = re.compile(r"([.!?])((?:\s*" + _CITATION.pattern + r")+)", re.IGNORECASE)
NOTHING_VERIFIED = "no written sentence is supported by the passage it cites"


def passages_text(hits: list[Hit]) -> str:
    return "\n\n".join(
        PASSAGE.format(n=i, title=h.chunk.metadata.get("title", ""), section=h.chunk.metadata.get("section", ""),
                       text=" ".join(h.text.split()))
        for i, h in enumerate(hits, 1)
    )


def messages(question: str, hits: list[Hit]) -> list[tuple[str, str]]:
    """Everything the server is sent: the system prompt, the numbered passages and the question."""
    return [("system", WRITE_SYSTEM), ("human", WRITE_USER.format(passages=passages_text(hits), question=question))]


def split_written(text: str) -> list[tuple[str, list[int]]]:
    """The written text as (sentence without its markers, the passage numbers it cites), in order.

    A marker standing alone after the full stop ("... 2035. [1]") belongs to the sentence before it.
    """
    # "yearly.[2] Next" / "year. [2]": the markers move before the stop, so the sentence splitter sees the stop.
    text = _AFTER_STOP.sub(lambda m: f" {m.group(2).strip()}{m.group(1)} ", text)
    out: list[tuple[str, list[int]]] = []
    for start, end in sentence_spans(text):
        piece = text[start:end]
        cited = [int(n) for group in _CITATION.findall(piece) for n in re.split(r"[,;]", group)]
        clean = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(_CITATION.sub("", piece).split()))
        if not re.search(r"\w", clean):
            if out and cited:
                out[-1][1].extend(n for n in cited if n not in out[-1][1])
            continue
        out.append((clean, list(dict.fromkeys(cited))))
    return out


@dataclass
class Timing:
    first_token: float | None = None  # seconds from the request to the first token
    total: float | None = None


class Writing:
    """One written answer in progress. Iterate ``tokens()``, ``sentences()`` or ``events()`` once; then read
    ``answer``."""

    def __init__(self, quoted: Answer, model: BaseChatModel | None, verifier: Verifier, settings: Settings) -> None:
        self.quoted = quoted
        self.model = model
        self.verifier = verifier
        self.settings = settings
        self.passages = quoted.hits[: settings.top_k]
        self.timing = Timing()
        self.error: str | None = None
        self._checked: list[AnswerSentence] = []
        self._answer: Answer | None = None
        # A refused question never reaches the model: code decided the documents do not answer it.
        self.asks_model = model is not None and not quoted.refused and bool(self.passages)

    # -- streaming ----------------------------------------------------------------------------------
    def events(self) -> Iterator[tuple[str, str | AnswerSentence]]:
        """("token", text) as the model writes, and ("sentence", checked sentence) as soon as each one is complete:
        for a page that streams the text and marks every sentence while the next is being written."""
        if not self.asks_model:
            return
        assert self.model is not None
        text, done = "", 0
        began = time.perf_counter()
        try:
            for chunk in self.model.stream(messages(self.quoted.question, self.passages)):
                token = chunk.content if isinstance(chunk.content, str) else ""
                if not token:
                    continue
                if self.timing.first_token is None:
                    self.timing.first_token = time.perf_counter() - began
                text += token
                yield "token", token
                parts = split_written(text)
                # A sentence is complete once the next one has begun (its citation marker may come after the stop).
                for sentence, cited in parts[done : max(done, len(parts) - 1)]:
                    yield "sentence", self._check(sentence, cited)
                done = max(done, len(parts) - 1)
        except Exception as error:  # noqa: BLE001 - whatever the model raised, the reader gets the quoted answer
            self.error = describe_failure(error, self.settings, mid_answer=bool(text))
        else:
            for sentence, cited in split_written(text)[done:]:
                yield "sentence", self._check(sentence, cited)
        self.timing.total = time.perf_counter() - began

    def tokens(self) -> Iterator[str]:
        """The model's text as it comes (what ``st.write_stream`` shows)."""
        for kind, value in self.events():
            if kind == "token":
                yield value  # type: ignore[misc]

    def sentences(self) -> Iterator[AnswerSentence]:
        """Each written sentence once complete, checked (``verified``) against the passage it cites."""
        for kind, value in self.events():
            if kind == "sentence":
                yield value  # type: ignore[misc]

    @property
    def answer(self) -> Answer:
        """The written answer (its verified sentences), or the quoted answer labelled as a fallback."""
        if self._answer is None:
            if self.asks_model and self.timing.total is None:
                for _ in self.events():
                    pass
            self._answer = self._finish()
        return self._answer

    # -- checking -----------------------------------------------------------------------------------
    def _check(self, sentence: str, cited: list[int]) -> AnswerSentence:
        given = [n for n in cited if 1 <= n <= len(self.passages)]
        if not given:
            reason = "cites no passage" if not cited else f"cites [{cited[0]}], which was not given"
            checked = AnswerSentence(sentence, cited[0] if cited else 0, 0, 0, verified=False, reason=reason)
        else:
            hits = [self.passages[n - 1] for n in given]
            verdicts = self.verifier.check_many(
                [(sentence, h.text) for h in hits],
                [f"{h.chunk.metadata.get('title', '')}\n{h.chunk.metadata.get('section', '')}" for h in hits],
            )
            n, verdict = max(zip(given, verdicts), key=lambda p: (p[1].supported, p[1].similarity))
            base = self.passages[n - 1].chunk.metadata["start"]
            checked = AnswerSentence(sentence, n, base + verdict.start, base + verdict.end,
                                     verified=verdict.supported, reason=verdict.reason)
        self._checked.append(checked)
        return checked

    def _finish(self) -> Answer:
        quoted = self.quoted
        if not self.asks_model:
            return quoted
        name = model_name(self.model) if self.model is not None else None
        verified = [s for s in self._checked if s.verified]
        if self.error or not verified:
            return replace(quoted, mode="fallback", model=name, error=self.error or NOTHING_VERIFIED,
                           written=list(self._checked))
        cited = sorted({s.n for s in verified})
        return replace(quoted, sentences=verified, sources=[Source(n, self.passages[n - 1]) for n in cited],
                       mode="written", model=name, written=list(self._checked))
