"""Written answers end to end in Chromium: the page served by `make serve` with the LLM set to the loopback server
(xllamacpp + SmolLM2-135M), then the same page with that server stopped."""

from __future__ import annotations

import re

import pytest

from assistant.library import Library
from tests.browser_server import ensure_chromium, serve, streamlit_command
from tests.conftest import free_port, make_settings
from tests.llm_server import API_KEY, HAS_SERVER, NO_SERVER, llm_server
from tests.test_browser import ARTIFACTS, SLOW, answer_marker, ask, last_reply, sentence_before, shown
from tests.test_browser import page as page  # noqa: F401 - the Chromium page fixture, on this module's page_url
from tests.test_write import QUESTION, TEXTS

pytestmark = [pytest.mark.browser, pytest.mark.llm]
HYDROGEN_SENTENCES = [s.strip() + "." for s in TEXTS[0].split("\n\n")[1].split(".") if s.strip()]
WRITTEN = "Written by smollm2"
FALLBACK = "Quoted answer (the written answer is not shown"


@pytest.fixture(scope="module")
def llm(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - yields a tests.llm_server.LLMServer
    if not HAS_SERVER:
        pytest.skip(NO_SERVER)
    ARTIFACTS.mkdir(exist_ok=True)
    with llm_server(ARTIFACTS / "llm-server.log") as running:
        yield running


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory, llm) -> str:  # noqa: ANN001
    reason = ensure_chromium()
    if reason:
        pytest.skip(reason)
    index = tmp_path_factory.mktemp("written-browser") / "index"
    Library(make_settings(index)).add_texts(TEXTS, [{"doc": "hydrogen.txt"}, {"doc": "water.txt"}])
    # One short passage and 40 tokens: SmolLM2 on a shared CPU writes that in well under a minute.
    env = {"ASSISTANT_LLM_URL": llm.url, "ASSISTANT_LLM_MODEL": "smollm2", "ASSISTANT_LLM_API_KEY": API_KEY,
           "ASSISTANT_LLM_MAX_TOKENS": "40", "ASSISTANT_TOP_K": "1", "ASSISTANT_LLM_TIMEOUT": "120"}
    port = free_port()  # streamlit as `make serve` runs it (same flags), with the venv pytest runs in
    with serve(index, ARTIFACTS / "written-server.log", port=port, command=streamlit_command(port), env=env) as url:
        yield url


def test_a_written_answer_streams_and_its_marker_opens_the_supporting_sentence(page) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    ask(page, QUESTION)
    reply = last_reply(page)
    # While the model writes: its name, and the text arriving (the caption stays until the checked answer is drawn).
    expect(page.get_by_text("Writing with smollm2; checking every sentence")).to_be_visible(timeout=SLOW)
    label = reply.get_by_text(re.compile(f"^({re.escape(WRITTEN)}|{re.escape(FALLBACK)})")).first
    expect(label).to_be_visible(timeout=SLOW)  # neither label: the test fails here
    expect(page.get_by_text("Writing with smollm2; checking every sentence")).to_have_count(0)
    written = label.inner_text().startswith(WRITTEN)
    page.screenshot(path=str(ARTIFACTS / "written-answer.png"), full_page=True)

    marker = answer_marker(reply)
    expect(marker).to_be_visible()
    sentence = sentence_before(marker)
    marker.click()
    mark = page.get_by_role("dialog").locator("mark").first
    expect(mark).to_be_visible()
    if written:  # a sentence SmolLM2 wrote: [1] highlights the passage sentence found to support it
        assert mark.inner_text().strip() in HYDROGEN_SENTENCES, (sentence, mark.inner_text())
    else:  # nothing it wrote was supported: the quoted answer, whose [1] highlights the very sentence quoted
        expect(reply).to_contain_text("45 percent")
        expect(mark).to_have_text(sentence)
    page.screenshot(path=str(ARTIFACTS / "written-passage.png"), full_page=True)


def test_with_the_server_stopped_one_line_and_the_quoted_answer_and_the_page_goes_on(page, llm) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    llm.process.terminate()
    llm.process.wait(timeout=20)
    ask(page, "Where will refuelling stations be built?")
    reply = last_reply(page)
    error = f"The LLM server at {llm.url} cannot be reached."
    alert = reply.get_by_role("alert")
    expect(alert).to_be_visible(timeout=SLOW)
    assert shown(alert).strip() == error  # one line, no traceback
    assert f"{FALLBACK}: {error})" in shown(reply)
    expect(reply).to_contain_text("freight corridors")
    assert "Traceback" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "written-server-down.png"), full_page=True)

    marker = answer_marker(reply)  # the page stays usable: the quoted answer's [1] opens its passage ...
    sentence = sentence_before(marker)
    marker.click()
    expect(page.get_by_role("dialog").locator("mark").first).to_have_text(sentence)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.get_by_text("Written answer by smollm2").click()  # ... and with the switch at "quoted", nothing fails
    ask(page, "How often must farms report their water use?")
    reply = last_reply(page)
    expect(reply).to_contain_text("every year", timeout=SLOW)
    expect(reply.get_by_role("alert")).to_have_count(0)
