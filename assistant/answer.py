"""What a question gets back: one ``Answer`` (cited sentences, their sources, or a refusal), and its renderings.

The CLI prints ``to_text``, the page's export and ``assistant ask --format markdown`` use ``to_markdown``, the eval
run file and ``--format json`` use ``to_dict``: one answer, one place that turns it into each form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.markdown import citation_label, md_escape, shorten, source_label, where
from assistant.retrieval import Hit

REFUSAL = "The documents do not answer this question."
NEAREST_LABEL = "Not an answer — nearest passages"
NEAREST_SHOWN = 3  # nearest passages shown with a refusal


@dataclass
class Source:
    n: int  # the number shown as [n]
    hit: Hit


@dataclass
class AnswerSentence:
    text: str
    n: int  # which source it came from
    start: int  # offsets of the sentence in the source document's text (written: of its supporting sentence)
    end: int
    verified: bool = True  # a written sentence the cited passage supports (quoted sentences are the passage's own)
    reason: str = ""  # why a written sentence was not verified


@dataclass
class AnswerGroup:
    """An overview's points from one section of one document."""

    doc: str
    title: str
    section: str
    sentences: list[AnswerSentence] = field(default_factory=list)


@dataclass
class Answer:
    question: str
    sentences: list[AnswerSentence] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    refused: bool = False
    nearest: list[Hit] = field(default_factory=list)  # shown on a refusal, labelled as not an answer
    hits: list[Hit] = field(default_factory=list)  # every passage retrieved for it, best first
    answerability: float | None = None  # the score the refusal was decided on (None: nothing to score)
    topic: str | None = None  # set for a topic overview, whose points are grouped by section
    groups: list[AnswerGroup] = field(default_factory=list)
    # quoted: sentences of a passage; written: an LLM's sentences, the verified ones in ``sentences``;
    # fallback: the quoted answer shown because the written one failed (``error``) or had no verified sentence.
    mode: str = "quoted"
    model: str | None = None  # the LLM asked, when one was
    error: str | None = None  # one line: why the written answer is not shown
    written: list[AnswerSentence] = field(default_factory=list)  # every written sentence in order, checked or not
    # A refusal decided before any passage was judged (compose.LANGUAGE_NOTICE: the index cannot read the question's
    # language): shown instead of REFUSAL, with no nearest passages.
    notice: str | None = None
    # A refusal by the subject rule (compose.Composer.off_subject): the question's names, as written, that the
    # document of the closest passage never mentions; the reader is told, so a name spelt otherwise can be re-asked.
    unmentioned: list[str] = field(default_factory=list)
    # The scored sentences the answer or refusal was decided from (compose.Candidate: features, probability); not
    # rendered, kept so the decision can be inspected and so scripts/train_answerability.py can learn from it.
    candidates: list[Any] = field(default_factory=list, repr=False)

    @property
    def dropped(self) -> list[AnswerSentence]:
        """Written sentences their cited passage does not support: never printed, shown marked on the page."""
        return [s for s in self.written if not s.verified]

    @property
    def label(self) -> str:
        """What a reader is told about how the answer was made, when it is not the default quotation."""
        if self.mode == "written":
            return f"Written by {self.model}; every sentence checked against the passage it cites"
        if self.mode == "fallback":
            return f"Quoted answer (the written answer is not shown: {self.error})"
        return ""

    @property
    def refusal(self) -> str:
        """What a refusal says: REFUSAL, and the names the closest document does not mention when that decided it."""
        return f"{REFUSAL} {self.unmentioned_note}" if self.unmentioned else REFUSAL

    @property
    def unmentioned_note(self) -> str:
        names = ", ".join(f"“{name}”" for name in self.unmentioned)
        return f"The closest passage is from a document that does not mention {names}." if names else ""

    @property
    def text(self) -> str:
        if self.refused:
            return self.notice or self.refusal
        return " ".join(f"{s.text} [{s.n}]" for s in self.sentences)

    def source(self, n: int) -> Source:
        """The source numbered [n]."""
        return next(s for s in self.sources if s.n == n)

    def cited_spans(self, n: int) -> list[tuple[int, int]]:
        """Offsets (in the document) of the sentences taken from source [n]."""
        return [(s.start, s.end) for s in self.sentences if s.n == n]

    @property
    def cited_docs(self) -> list[str]:
        return sorted({s.hit.doc for s in self.sources})

    # -- renderings ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; holds the run-file fields of ../shared/eval/README.md (``retrieved``, ``answer``,
        ``citations`` with the full passage text, ``refused``)."""
        cited = {s.n for s in self.sentences}
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "answerability": self.answerability,
            "mode": self.mode,
            "notice": self.notice,
            "unmentioned": self.unmentioned,
            **(self._written_dict() if self.mode != "quoted" else {}),
            "sentences": [{"text": s.text, "n": s.n, "start": s.start, "end": s.end} for s in self.sentences],
            # Only sources a sentence actually cites: listing uncited ones would inflate citation_hit.
            "citations": [_passage(s.hit) | {"n": s.n} for s in self.sources if s.n in cited],
            "retrieved": [_passage(h) | {"score": float(h.score)} for h in self.hits],
        }

    def _written_dict(self) -> dict[str, Any]:
        return {"model": self.model, "error": self.error, "written_sentences": len(self.written),
                "verified": len(self.written) - len(self.dropped), "dropped": len(self.dropped),
                "kept": len(self.sentences),
                "unsupported": [{"text": s.text, "n": s.n, "reason": s.reason} for s in self.dropped]}

    def to_text(self) -> str:
        """Plain text for a terminal: the answer and its numbered sources, or the refusal and the nearest passages."""
        if self.notice:
            return self.notice
        if self.refused:
            lines = [f"{self.refusal} The nearest passages (not an answer):"]
            for i, hit in enumerate(self.nearest[:NEAREST_SHOWN], 1):
                lines += [f"{i:>2}. {where(hit.chunk.metadata)} ({hit.doc})", f"    {shorten(hit.text, 200)}"]
            return "\n".join(lines)
        lines = ([f"{self.label}:"] if self.mode == "fallback" else []) + [self.text, "", "Sources:"]
        lines += [f"[{s.n}] {where(s.hit.chunk.metadata)} ({s.hit.doc})" for s in self.sources]
        return "\n".join(lines)

    def body_markdown(self) -> str:
        """The answer itself as escaped Markdown, each sentence followed by its [n]."""
        if self.notice:
            return md_escape(self.notice)
        if self.refused:
            return f"{REFUSAL} {md_escape(self.unmentioned_note)}" if self.unmentioned else REFUSAL
        if self.groups:
            parts = [f"**Overview: {md_escape(self.topic or self.question)}**"]
            for group in self.groups:
                parts.append(f"*{md_escape(shorten(group.section, 100))}*")
                parts.append("\n".join(f"- {_sentence_md(s)}" for s in group.sentences))
            return "\n\n".join(parts)
        return " ".join(_sentence_md(s) for s in self.sentences)

    def to_markdown(self) -> str:
        """The answer with its sources, each quoting the sentences taken from it; or the refusal and nearest."""
        lines = [self.body_markdown(), ""]
        if self.notice:
            return "\n".join(lines)
        if self.refused:
            lines += [f"*{NEAREST_LABEL}:*", ""]
            for i, hit in enumerate(self.nearest[:NEAREST_SHOWN], 1):
                lines.append(f"{i}. {source_label(hit.chunk.metadata)}: {md_escape(shorten(hit.text, 300))}")
            return "\n".join(lines) + "\n"
        lines += ["**Sources**", ""]
        for source in self.sources:
            lines.append(f"{citation_label(source.n)} {source_label(source.hit.chunk.metadata)}")
            quoted = [s.text for s in self.sentences if s.n == source.n] or [shorten(source.hit.text, 300)]
            lines += [f"> {md_escape(' '.join(text.split()))}" for text in quoted]
            lines.append("")
        return "\n".join(lines)


def _sentence_md(sentence: AnswerSentence) -> str:
    return f"{md_escape(sentence.text)} **{citation_label(sentence.n)}**"


def _passage(hit: Hit) -> dict[str, Any]:
    meta = hit.chunk.metadata
    return {"text": hit.text, "doc": hit.doc, "title": meta.get("title", ""), "section": meta.get("section", ""),
            "page": meta.get("page")}
