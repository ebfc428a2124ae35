"""The chat model that writes answers: any OpenAI-compatible server, or any LangChain ``BaseChatModel``.

What reaches the server: the system prompt, the question and the numbered passages (assistant.prompts); nothing
else. With ``ASSISTANT_LLM_URL`` unset no model is built and nothing is sent anywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import SecretStr

from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

# An OpenAI-compatible server without keys (Ollama, llama.cpp, vLLM by default) ignores the Authorization header,
# but the OpenAI client refuses to start without a key; this placeholder is what it sends then.
NO_KEY = "no-key"  # noqa: S105 - not a secret: sent only when the user set none


def chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model the settings point at, or None when no LLM is configured."""
    if not settings.llm_url:
        return None
    from langchain_openai import ChatOpenAI

    key = settings.llm_api_key.get_secret_value() or NO_KEY
    return ChatOpenAI(
        base_url=settings.llm_url,
        model=settings.llm_model or "default",
        api_key=SecretStr(key),
        timeout=settings.llm_timeout,
        # A retry doubles the wait before the quoted answer appears; a failure is shown and the user can ask again.
        max_retries=0,
        max_tokens=settings.llm_max_tokens,
        # Deterministic wording: the same question gets the same answer, and eval runs are repeatable.
        temperature=0,
    )


def model_name(model: BaseChatModel) -> str:
    """What the page and the run file show as the model that answered."""
    for attribute in ("model_name", "model", "model_id"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


def describe_failure(error: BaseException, settings: Settings | None = None, mid_answer: bool = False) -> str:
    """One line saying why the written answer failed, in words a user can act on (never the API key).

    ``mid_answer``: tokens had arrived, so a lost connection means the server went away while writing."""
    import httpx
    import openai

    where = f" at {settings.llm_url}" if settings and settings.llm_url else ""
    model = f" {settings.llm_model!r}" if settings and settings.llm_model else ""
    if isinstance(error, openai.APITimeoutError | httpx.TimeoutException):
        seconds = f" within {settings.llm_timeout:g} s" if settings else ""
        return f"The LLM server{where} did not answer{seconds}."
    if isinstance(error, openai.APIConnectionError | httpx.TransportError | httpx.StreamError):
        if mid_answer or isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
            return f"The LLM server{where} stopped in the middle of the answer."
        return f"The LLM server{where} cannot be reached."
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        return f"The LLM server{where} refused the API key (HTTP {error.status_code}); check ASSISTANT_LLM_API_KEY."
    if isinstance(error, openai.NotFoundError):
        return f"The LLM server{where} does not know the model{model} (HTTP 404); check ASSISTANT_LLM_MODEL."
    if isinstance(error, openai.APIStatusError):
        message = str(error).lower()
        if "context" in message or "too long" in message or "maximum" in message and "token" in message:
            return f"The question and passages are longer than the model{model} can read (HTTP {error.status_code})."
        return f"The LLM server{where} failed (HTTP {error.status_code}): {_first_line(error)}"
    return f"The LLM failed: {type(error).__name__}: {_first_line(error)}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else ""
