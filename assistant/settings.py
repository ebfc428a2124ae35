"""One settings object, read from environment variables prefixed ``ASSISTANT_`` (e.g. ``ASSISTANT_INDEX_DIR``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    index_dir: Path = Field(Path("index"), description="Folder of the on-disk index (Chroma, BM25, manifest).")
    chroma_url: str | None = Field(
        None, description="http://host:port of a `chroma run` server; unset: Chroma runs in-process under index_dir."
    )
    collection: str = Field("policies", description="Chroma collection name.")
    embedder: Literal["minilm", "e5"] = Field(
        "minilm", description="minilm: all-MiniLM-L6-v2 (English, fast); e5: multilingual-e5-small (Chinese+English)."
    )
    chunk_size: int = Field(1500, description="Largest chunk in characters; paragraphs are kept whole below it.")
    sentence_vectors: bool = Field(
        True,
        description="Also embed every sentence; a chunk's dense score is then its own cosine plus its best "
        "sentence's. Needed for questions in another language than the text; costs ~2x ingest time and index size.",
    )
    embed_context: bool = Field(True, description="Prefix the document title and section to the text that is embedded.")
    candidates: int = Field(50, description="Hits taken from each retriever (dense, BM25) before fusion.")
    fusion: Literal["rrf", "convex"] = Field(
        "convex", description="How dense and BM25 are fused: reciprocal rank (rrf) or min-max-scaled scores (convex)."
    )
    rrf_k: int = Field(60, description="Reciprocal-rank-fusion constant: larger flattens the rank curve.")
    dense_weight: float = Field(0.35, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(0.65, description="Weight of the BM25 ranking in the fusion.")
    prf_terms: int = Field(0, description="Terms from the first passages added to the BM25 query (0: no feedback).")
    prf_docs: int = Field(3, description="How many first passages the feedback terms are drawn from.")
    prf_weight: float = Field(0.5, description="Weight of the feedback terms' BM25 score against the question's.")
    top_k: int = Field(5, description="Passages shown as sources and scanned for answer sentences.")
    answer_sentences: int = Field(3, description="Most sentences an extractive answer holds.")
    refusal_threshold: float = Field(
        0.6, description="Below this answerability score the assistant says the documents do not answer."
    )
    max_upload_mb: int = Field(50, description="Largest file the page accepts for upload, in MB.")
    eval_dir: Path = Field(Path(".eval-cache"), description="Where `assistant eval` keeps the index of each corpus.")


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (tests, CLI flags) taking precedence."""
    return Settings(**overrides)
