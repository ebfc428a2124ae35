"""One settings object, read from environment variables prefixed ``ASSISTANT_`` (e.g. ``ASSISTANT_INDEX_DIR``).

A name that is not a setting is an error, not silently ignored (``get_settings(topk=3)`` would otherwise leave
``top_k`` at 5), and numbers have bounds, so a typo fails at start-up with a message that names it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import SettingsError

ENV_PREFIX = "ASSISTANT_"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    index_dir: Path = Field(Path("index"), description="Folder of the on-disk index (Chroma, BM25, manifest).")
    chroma_url: str | None = Field(
        None, description="http://host:port of a `chroma run` server; unset: Chroma runs in-process under index_dir."
    )
    collection: str = Field("policies", min_length=3, description="Chroma collection name.")
    embedder: Literal["minilm", "e5"] = Field(
        "minilm", description="minilm: all-MiniLM-L6-v2 (English, fast); e5: multilingual-e5-small (Chinese+English)."
    )
    chunk_size: int = Field(
        1500, ge=200, le=20_000, description="Largest chunk in characters; paragraphs are kept whole below it."
    )
    sentence_vectors: bool = Field(
        True,
        description="Also embed every sentence; a chunk's dense score is then its own cosine plus its best "
        "sentence's. Needed for questions in another language than the text; costs ~2x ingest time and index size.",
    )
    embed_context: bool = Field(True, description="Prefix the document title and section to the text that is embedded.")
    candidates: int = Field(
        50, ge=1, le=1000, description="Hits taken from each retriever (dense, BM25) before fusion."
    )
    fusion: Literal["rrf", "convex"] = Field(
        "convex", description="How dense and BM25 are fused: reciprocal rank (rrf) or min-max-scaled scores (convex)."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant: larger flattens the rank curve.")
    dense_weight: float = Field(0.35, ge=0, le=1, description="Weight of the dense ranking in the fusion.")
    bm25_weight: float = Field(0.65, ge=0, le=1, description="Weight of the BM25 ranking in the fusion.")
    prf_terms: int = Field(
        0, ge=0, le=100, description="Terms from the first passages added to the BM25 query (0: no feedback)."
    )
    prf_docs: int = Field(3, ge=1, le=50, description="How many first passages the feedback terms are drawn from.")
    prf_weight: float = Field(0.5, ge=0, description="Weight of the feedback terms' BM25 score against the question's.")
    top_k: int = Field(5, ge=1, le=50, description="Passages shown as sources and scanned for answer sentences.")
    answer_sentences: int = Field(3, ge=1, le=20, description="Most sentences an extractive answer holds.")
    refusal_threshold: float | None = Field(
        None, ge=0, le=3, description="Below this answerability score the assistant says the documents do not "
        "answer; unset: the learned model's own threshold (assistant/answerability.json)."
    )
    learned_answerability: bool = Field(
        False, description="Pick the answer passage and decide refusal with the learned model "
        "(assistant/answerability.json) instead of the hand-set rule."
    )
    max_upload_mb: int = Field(50, ge=1, le=2000, description="Largest file the page accepts for upload, in MB.")
    max_file_mb: int = Field(
        50, ge=1, le=2000,
        description="Largest file ingest reads (command line, library and page), in MB; a larger one is refused "
        "unread.",
    )
    max_expanded_mb: int = Field(
        100, ge=1, le=4000,
        description="Largest total a DOCX may unpack to, in MB, checked from its zip directory before parsing.",
    )
    max_pdf_pages: int = Field(
        2000, ge=1, le=100_000, description="Most pages read from one PDF; longer ones are refused."
    )
    read_timeout_s: float = Field(
        60, gt=0, le=3600, description="Longest one file may take to read; a reader still busy then is stopped."
    )
    auth: Literal["none", "password", "oidc"] = Field(
        "none", description="Who may use the page: none (anyone who reaches it, as an editor), password (users of "
        "the users file) or oidc (the office's identity provider through Streamlit's st.login)."
    )
    users_file: Path | None = Field(
        None, description="The users file of `assistant users` (names, roles, bcrypt hashes); unset: users.json in "
        "index_dir, so one folder holds all the server's state and its permissions and backups cover it."
    )
    oidc_editors: str = Field(
        "", description="With auth oidc: comma-separated e-mail addresses of the editors; everyone else who signs "
        "in is a reader."
    )
    allow_anonymous_network: bool = Field(
        False, description="Allow serving on an address other than loopback with auth none (anyone on the network "
        "can then read, upload and delete)."
    )
    eval_dir: Path = Field(Path(".eval-cache"), description="Where `assistant eval` keeps the index of each corpus.")
    llm_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible server (e.g. http://127.0.0.1:11434/v1 for Ollama) that "
        "writes answers from the passages found; unset: answers are quotations and nothing is sent anywhere."
    )
    llm_model: str = Field("", description="Model name the server is asked for (e.g. llama3.2, gpt-4o-mini).")
    llm_api_key: SecretStr = Field(
        SecretStr(""), description="API key sent to the LLM server as a Bearer token; never printed or logged."
    )
    # 60 s: SmolLM2-135M on 2 shared CPU cores starts answering within ~2 s; a 7B model on a laptop CPU can take
    # tens of seconds for five passages. Past a minute, the quoted answer is shown instead.
    llm_timeout: float = Field(
        60.0, gt=0, le=600, description="Seconds to wait for the LLM server (connect, first token, each read)."
    )
    llm_max_tokens: int = Field(
        400, ge=16, le=8192, description="Most tokens a written answer may take (a few cited sentences need ~200)."
    )

    @property
    def users_path(self) -> Path:
        return self.users_file or Path(self.index_dir) / "users.json"


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with explicit overrides (tests, CLI flags) taking precedence.

    Raises SettingsError naming each unknown setting or value out of range.
    """
    unknown = sorted(k for k in os.environ if k.startswith(ENV_PREFIX) and k[len(ENV_PREFIX):].lower() not in
                     Settings.model_fields)
    if unknown:  # pydantic-settings ignores environment variables that match no field: a typo would go unnoticed
        known = ", ".join(ENV_PREFIX + name.upper() for name in sorted(Settings.model_fields))
        raise SettingsError(f"Unknown setting(s) in the environment: {', '.join(unknown)}; the settings are: {known}")
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise SettingsError(describe(error)) from None


def describe(error: ValidationError) -> str:
    """One line per problem, in the words of the environment variable a user would set."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "?"
        where = f"{ENV_PREFIX}{name.upper()}"
        if problem["type"] == "extra_forbidden":
            known = ", ".join(sorted(Settings.model_fields))
            lines.append(f"unknown setting {name!r} ({where}); the settings are: {known}")
        else:
            lines.append(f"{where}={problem.get('input')!r}: {problem['msg']}")
    return "Invalid settings: " + "; ".join(lines)
