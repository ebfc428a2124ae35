"""Written answers through a real OpenAI-compatible server on loopback (xllamacpp + SmolLM2-135M).

A 135M model writes poorly; these tests check the plumbing a user depends on: tokens stream, citations are parsed,
only verified sentences are kept, and every failure ends in one line and the quoted answer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr
from streamlit.testing.v1 import AppTest

from assistant.cli import main
from assistant.library import Library
from assistant.markdown import md_escape
from assistant.settings import Settings
from assistant.write import NOTHING_VERIFIED, split_written
from tests.browser_server import free_port
from tests.conftest import ROOT, make_settings
from tests.llm_server import API_KEY, LLMServer, llm_server, needs_server

TEXTS = [
    "Hydrogen plan\n\nBy 2035, the Ministry of Industry shall raise the share of hydrogen vehicles to 45 percent of "
    "new sales. Refuelling stations will be built along the main freight corridors.",
    "Water rules\n\nFarms must report their water use every year. The water agency inspects large farms twice a year.",
]
QUESTION = "What share of new sales should hydrogen vehicles reach by 2035?"


def test_citations_are_parsed_whatever_form_the_model_gives_them() -> None:
    written = "Stations will be built [1]. Farms report yearly.[2] Both apply [1, 2]. Inspections twice a year. [2]"
    assert split_written(written) == [
        ("Stations will be built.", [1]), ("Farms report yearly.", [2]), ("Both apply.", [1, 2]),
        ("Inspections twice a year.", [2]),
    ]
    assert split_written("It says so [Passage 3].") == [("It says so.", [3])]
    assert split_written("No citation here.") == [("No citation here.", [])]


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("write") / "index"
    Library(make_settings(index_dir)).add_texts(TEXTS, [{"doc": "hydrogen.txt"}, {"doc": "water.txt"}])
    return index_dir


def _settings(index_dir: Path, **llm: object) -> Settings:
    return make_settings(index_dir, top_k=1, **llm)


def test_without_an_llm_a_written_answer_is_the_quoted_one(small_index: Path) -> None:
    library = Library(_settings(small_index))
    assert library.llm is None
    written, quoted = library.write(QUESTION), library.ask(QUESTION)
    assert written.mode == "quoted" and written.text == quoted.text and written.error is None


def test_an_unreachable_server_gives_one_line_and_the_quoted_answer(small_index: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    answer = Library(_settings(small_index, llm_url=url, llm_model="m", llm_api_key="s3cret-key")).write(QUESTION)
    assert answer.mode == "fallback" and answer.error == f"The LLM server at {url} cannot be reached."
    assert "45 percent" in answer.text and answer.to_text().startswith("Quoted answer (the written answer is not")
    assert "s3cret-key" not in answer.to_text() + str(answer.to_dict())


def test_a_refused_question_never_reaches_the_llm(small_index: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # were it asked, the answer would carry "cannot be reached"
    answer = Library(_settings(small_index, llm_url=url, llm_model="m")).write("Who won the 1998 football world cup?")
    assert answer.refused and answer.mode == "quoted" and answer.error is None


def _model(url: str, max_tokens: int, key: str = API_KEY) -> ChatOpenAI:
    return ChatOpenAI(base_url=url, model="smollm2", api_key=SecretStr(key), max_tokens=max_tokens, temperature=0,
                      max_retries=0, timeout=120)


# llama.cpp's server takes a grammar in the request: the real server then writes exactly this, token by token.
SUPPORTED = "By 2035 the Ministry of Industry shall raise hydrogen vehicles to 45 percent of new sales [1]."
UNSUPPORTED = "The Ministry of Finance will ban all cars by 2050 [1]."


def _writes(url: str, text: str) -> ChatOpenAI:
    model = _model(url, 300)
    model.extra_body = {"grammar": "root ::= " + json.dumps(text)}
    return model


@needs_server
def test_tokens_stream_and_only_verified_cited_sentences_are_kept(server: LLMServer, small_index: Path) -> None:
    writing = Library(_settings(small_index), llm=_writes(server.url, f"{SUPPORTED} {UNSUPPORTED}")).stream(QUESTION)
    tokens = list(writing.tokens())
    answer = writing.answer
    assert len(tokens) > 1 and "".join(tokens) == f"{SUPPORTED} {UNSUPPORTED}"  # streamed, not one block
    assert answer.mode == "written" and answer.model == "smollm2"
    assert answer.text == SUPPORTED.replace(" [1].", ". [1]")  # the unsupported sentence is not in the answer
    assert [s.reason for s in answer.dropped] == ["the passage does not state 2050, Finance"]
    source = answer.sources[0]
    start, end = answer.cited_spans(1)[0]  # what [1] highlights: the supporting sentence of the passage
    assert source.hit.doc == "hydrogen.txt" and "45 percent" in TEXTS[0][start:end]
    assert answer.to_dict() | {} and answer.to_dict()["verified"] == 1 and answer.to_dict()["dropped"] == 1


@needs_server
def test_each_sentence_is_checked_as_soon_as_it_is_complete(server: LLMServer, small_index: Path) -> None:
    """What the page marks while the model writes: the first sentence's verdict arrives before the last token."""
    writing = Library(_settings(small_index), llm=_writes(server.url, f"{SUPPORTED} {UNSUPPORTED}")).stream(QUESTION)
    events = list(writing.events())
    kinds = [kind for kind, _ in events]
    first_verdict, last_token = kinds.index("sentence"), len(kinds) - 1 - kinds[::-1].index("token")
    assert first_verdict < last_token  # checked while the second sentence was still being written
    assert [(v.verified, v.text[:6]) for k, v in events if k == "sentence"] == [(True, "By 203"), (False, "The Mi")]
    assert writing.answer.mode == "written"


@needs_server
def test_unsupported_writing_falls_back_to_the_labelled_quoted_answer(server: LLMServer, small_index: Path) -> None:
    answer = Library(_settings(small_index), llm=_writes(server.url, UNSUPPORTED)).write(QUESTION)
    assert answer.mode == "fallback" and answer.error == NOTHING_VERIFIED
    assert "45 percent" in answer.text and "2050" not in answer.to_text()
    assert answer.to_text().startswith("Quoted answer (the written answer is not shown")


@needs_server
def test_ask_streams_verified_sentences_or_the_labelled_quoted_answer(server: LLMServer, small_index: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in {"INDEX_DIR": small_index, "LLM_URL": server.url, "LLM_MODEL": "smollm2",
                        "LLM_API_KEY": API_KEY, "LLM_MAX_TOKENS": 40, "TOP_K": 1}.items():
        monkeypatch.setenv(f"ASSISTANT_{name}", str(value))
    assert main(["-v", "ask", QUESTION]) == 0
    out, err = capsys.readouterr()
    body = out.split("\n\nSources:")[0].strip()
    if body.startswith("Quoted answer"):  # the small model's sentences did not pass: labelled quotation
        assert "45 percent" in body
    else:
        assert re.fullmatch(r"(?:[^\[\]]+ \[1\] ?)+", body), body  # every printed sentence ends in its [1]
    assert "first token" in err and API_KEY not in out + err


@needs_server
def test_a_wrong_api_key_is_one_line_naming_the_setting(server: LLMServer, small_index: Path) -> None:
    settings = _settings(small_index, llm_url=server.url, llm_model="smollm2", llm_api_key="wrong-key")
    answer = Library(settings).write(QUESTION)
    assert answer.mode == "fallback" and "refused the API key (HTTP 401)" in answer.error
    assert "ASSISTANT_LLM_API_KEY" in answer.error and "wrong-key" not in answer.error


@needs_server
def test_passages_longer_than_the_context_give_one_line(server: LLMServer, seed_index: Path) -> None:
    settings = make_settings(seed_index, top_k=5, llm_url=server.url, llm_model="smollm2", llm_api_key=API_KEY)
    answer = Library(settings).write("What does the plan say about hydrogen fuel cell vehicles?")
    assert answer.mode == "fallback" and "longer than the model 'smollm2' can read" in answer.error
    assert "hydrogen" in answer.text


@needs_server
def test_a_server_killed_mid_answer_gives_one_line_and_the_quoted_answer(small_index: Path, tmp_path: Path) -> None:
    with llm_server(tmp_path / "dying.log") as dying:
        writing = Library(_settings(small_index), llm=_model(dying.url, 400)).stream(QUESTION)
        tokens = writing.tokens()
        next(tokens)  # the answer has begun
        dying.process.kill()
        dying.process.wait(timeout=10)
        list(tokens)
    answer = writing.answer
    assert answer.mode == "fallback" and "stopped in the middle of the answer" in answer.error
    assert "45 percent" in answer.text


# ---------------------------------------------------------------- the page


def _page(index: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    for name, value in {"INDEX_DIR": index, "LLM_URL": url, "LLM_MODEL": "smollm2", "LLM_API_KEY": API_KEY,
                        "LLM_MAX_TOKENS": 40, "TOP_K": 1}.items():
        monkeypatch.setenv(f"ASSISTANT_{name}", str(value))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    assert not at.exception
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception
    return at


@needs_server
def test_the_page_names_the_model_and_shows_a_checked_or_labelled_answer(server: LLMServer, small_index: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    at = _page(small_index, server.url, monkeypatch)
    assert any(t.label.startswith("Written answer by smollm2") for t in at.toggle)
    captions = [c.value for c in at.caption]
    assert any(c.startswith(("Written by smollm2", md_escape("Quoted answer ("))) for c in captions), captions
    assert "45 percent" in "\n".join(m.value for m in at.markdown) or any(c.startswith("Written") for c in captions)


def test_with_the_server_down_the_page_shows_one_line_and_the_quoted_answer(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    index = tmp_path / "index"
    Library(make_settings(index)).add_texts(TEXTS, [{"doc": "hydrogen.txt"}, {"doc": "water.txt"}])
    url = f"http://127.0.0.1:{free_port()}/v1"
    at = _page(index, url, monkeypatch)
    assert [w.value for w in at.warning] == [md_escape(f"The LLM server at {url} cannot be reached.")]
    assert "45 percent" in "\n".join(m.value for m in at.markdown)
    assert any(c.value.startswith(md_escape("Quoted answer (the written answer is not shown")) for c in at.caption)
