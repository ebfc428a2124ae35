"""Answering a question set into a run file and scoring it; where each corpus's eval index lives."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from assistant.answer import Answer
from assistant.errors import AssistantError
from assistant.evaluation.beir import beir_corpus_to_files, evaluate_beir
from assistant.evaluation.files import load_jsonl, write_jsonl
from assistant.evaluation.metrics import score_run

if TYPE_CHECKING:
    from assistant.settings import Settings


class Asker(Protocol):
    """The part of :class:`assistant.library.Library` that :func:`evaluate` needs (keeps this module import-light)."""

    def ask(self, question: str, docs: list[str] | None = None) -> Answer: ...


def run_record(question: dict, answer: Answer) -> dict:
    """One run-file line: the answer's ranked passages, its text, the passages it cites (full text), its refusal."""
    return {"id": question["id"], **answer.to_dict()}


def evaluate(
    library: Asker,
    questions: list[dict],
    k: int = 5,
    limit: int | None = None,
    run_out: Path | None = None,
    progress: bool = False,
    llm: bool = False,
) -> dict:
    """Ask every question (the first ``limit``), optionally write the run file, and score it like score.py.

    ``llm``: written answers (assistant.evaluation.written), scored the same way, plus faithfulness and F1."""
    questions = questions[:limit] if limit is not None else questions
    if llm:
        from assistant.evaluation.written import summarise, written_records

        pairs = [written_records(library, q) for q in _progress(questions, progress, "questions")]  # type: ignore[arg-type]
        if run_out is not None:
            write_jsonl(run_out, [record for record, _ in pairs])
        return score_run(questions, [record for record, _ in pairs], k=k) | summarise([t for _, t in pairs])
    records = []
    for q in _progress(questions, progress, "questions"):
        # Questions tied to one document (PolicyQA) are asked within that document only.
        answer = library.ask(q["question"], docs=[q["doc"]] if q.get("doc") else None)
        records.append(run_record(q, answer))
    if run_out is not None:
        write_jsonl(run_out, records)
    # Scored against the same slice, so a --limit run does not report the rest as missing.
    return score_run(questions, records, k=k)


def _progress(items: list, enabled: bool, unit: str) -> Iterable:
    if not enabled:
        return items
    from tqdm import tqdm  # only needed for interactive CLI runs

    return tqdm(items, unit=unit)

# The modules whose code decides what an index holds (reading, cleaning, chunking, embedding, storing): a change to
# any of them must not be answered from an index built by the old code.
INDEX_CODE = (
    "documents.py", "cleaning.py", "chunking.py", "embeddings.py", "lexical.py", "chroma.py", "catalog.py", "store.py",
    "integrity.py", "library.py", "torch_e5.py",
)


def eval_index_dir(settings: Settings, docs_dir: Path) -> Path:
    """Where the eval index of one corpus lives: its folder name plus a hash of what the index is built from.

    The key is the corpus's content (not its path, so a fresh clone or a copy of the eval sets finds the index
    already built), the settings that change what is stored (embedder, chunk size, context prefix, sentence
    vectors) and the code of the modules in INDEX_CODE, so an index is never reused after any of them changed.
    Search-time settings (fusion weights, top_k) do not count.
    """
    resolved = Path(docs_dir).resolve()
    key = {
        "corpus": _folder_digest(resolved),
        "code": _code_digest(),
        "embedder": settings.embedder,
        "chunk_size": settings.chunk_size,
        "embed_context": settings.embed_context,
        "sentence_vectors": settings.sentence_vectors,
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:10]
    return Path(settings.eval_dir) / f"{resolved.name}-{digest}"


def _folder_digest(folder: Path) -> str:
    """sha256 over every file's relative path and bytes (a corpus of a few MB hashes in well under a second)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _code_digest() -> str:
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for name in INDEX_CODE:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


def evaluate_corpus(
    settings: Settings,
    questions: Path | None = None,
    docs: Path | None = None,
    beir: Path | None = None,
    method: str = "ours",
    k: int = 5,
    limit: int | None = None,
    run_out: Path | None = None,
    progress: bool = False,
    llm: bool = False,
) -> dict:
    """Index the corpus in its own eval index (cheap when unchanged), answer the questions with ``method``, score.

    ``beir`` (a BEIR folder) gives nDCG@10/recall@100; otherwise ``questions`` (with ``docs``, default ``docs/``
    beside the questions file) gives the score.py metrics.
    """
    from assistant.evaluation.baselines import open_method  # heavy (Chroma): imported only when an eval runs

    if beir:
        docs_dir = beir_corpus_to_files(beir, _beir_files_dir(settings, beir))
    elif questions:
        docs_dir = Path(docs or Path(questions).parent / "docs")
        if not docs_dir.is_dir():
            raise AssistantError(f"no documents folder {docs_dir}: name the folder the questions are about with --docs")
    else:
        raise AssistantError("assistant eval needs --questions FILE (with --docs FOLDER) or --beir FOLDER")
    # In-process Chroma under the eval folder: a shared server collection would mix corpora and settings.
    index = eval_index_dir(settings, docs_dir)
    if llm and (method != "ours" or beir or not settings.llm_url):
        raise AssistantError("assistant eval --llm needs ASSISTANT_LLM_URL set, --questions, and the method 'ours'")
    asker = open_method(method, settings, docs_dir, index, progress=progress)
    if beir:
        return evaluate_beir(asker, beir, limit=limit, progress=progress)
    return evaluate(asker, load_jsonl(questions), k=k, limit=limit, run_out=run_out, progress=progress, llm=llm)


def _beir_files_dir(settings: Settings, folder: Path) -> Path:
    """Where a BEIR corpus is written out as one file per doc, keyed by the corpus path (not by index settings)."""
    resolved = Path(folder).resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:10]
    return Path(settings.eval_dir) / "beir-files" / f"{resolved.name}-{digest}"
