"""End to end in Chromium against the page served by `make serve` on 127.0.0.1, over an index of seeds/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_server import CHROMIUM, CHROMIUM_ARGS, ROOT, ensure_chromium, serve
from tests.conftest import copy_index

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
SCRIPT = "<script>alert(1)</script>"
IMAGE = "![x](http://127.0.0.1:9/x.png)"
HOSTILE = (f"Canteen notice\n\nThe canteen serves hot soup at noon {SCRIPT} and the menu board shows {IMAGE} "
           "beside the soup of the day.\n")
SLOW = 120_000  # ms: the first question loads the model


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory, seed_index: Path) -> str:
    reason = ensure_chromium()
    if reason:
        pytest.skip(reason)
    index = copy_index(seed_index, tmp_path_factory.mktemp("browser") / "index")
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(index, ARTIFACTS / "server.log") as url:
        yield url


@pytest.fixture
def page(page_url: str):  # noqa: ANN201 - a Playwright Page
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(SLOW)
            page.goto(page_url)
            page.get_by_role("heading", name="Policy Q&A").wait_for()
            yield page
        finally:
            browser.close()


def ask(page, question: str) -> None:  # noqa: ANN001 - a Playwright Page
    box = page.locator('[data-testid="stChatInputTextArea"]')
    box.fill(question)
    box.press("Enter")


def last_reply(page):  # noqa: ANN001, ANN201 - Playwright Page and Locator
    return page.locator('[data-testid="stChatMessage"]').last


def answer_marker(reply, n: int = 1):  # noqa: ANN001, ANN201 - Playwright Locators
    """The first [n] inside the answer text (not the Sources list under it), once the stream has ended."""
    return reply.locator('[class*="st-key-answer-"]').get_by_role("button", name=f"[{n}]").first


def shown(locator) -> str:  # noqa: ANN001 - a Playwright Locator
    """The text a reader sees: word joiners (which keep URLs from becoming links) are invisible."""
    return locator.inner_text().replace("\u2060", "")


def sentence_before(marker) -> str:  # noqa: ANN001 - a Playwright Locator
    """The answer sentence a marker follows: the text of its row."""
    row = marker.locator('xpath=ancestor::*[@data-testid="stHorizontalBlock"][1]')
    return row.locator('[data-testid="stMarkdownContainer"]').first.inner_text().strip().lstrip("• ")


def test_answer_marker_opens_the_highlighted_passage(page, tmp_path: Path) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    ask(page, "How should mergers and acquisitions be financed?")
    reply = last_reply(page)
    marker = answer_marker(reply)
    expect(marker).to_be_visible(timeout=SLOW)
    expect(reply).to_contain_text("mergers and acquisitions")
    expect(reply.get_by_text("Sources", exact=True)).to_be_visible()
    # [1] in the answer and again in the Sources list; the list draws after its heading, so wait for it.
    expect(reply.get_by_role("button", name="[1]", exact=True).nth(1)).to_be_visible()
    page.wait_for_timeout(500)  # let the last frame settle before the picture
    page.screenshot(path=str(ARTIFACTS / "answer.png"), full_page=True)

    sentence = sentence_before(marker)
    assert len(sentence) > 30
    marker.click()
    dialog = page.get_by_role("dialog")
    mark = dialog.locator("mark")
    expect(mark.first).to_have_text(sentence)  # the very sentence the answer took, highlighted
    expect(dialog).to_contain_text("[1] ")  # its number, then title — § section
    expect(dialog).to_contain_text("§ ")
    assert len(dialog.inner_text()) > len(sentence) + 200  # the surrounding text is shown
    page.screenshot(path=str(ARTIFACTS / "passage.png"), full_page=True)


def test_upload_and_hostile_text_stays_literal(page, tmp_path: Path) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if ":9/" in r.url else None)

    notice = tmp_path / "canteen-notice.txt"
    notice.write_text(HOSTILE, encoding="utf-8")
    page.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(notice))
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text("Indexed canteen-notice.txt", timeout=SLOW)
    page.screenshot(path=str(ARTIFACTS / "upload.png"), full_page=True)

    ask(page, "When does the canteen serve hot soup?")
    reply = last_reply(page)
    marker = answer_marker(reply)
    expect(marker).to_be_visible(timeout=SLOW)
    expect(reply).to_contain_text("hot soup at noon")
    expect(reply).to_contain_text(SCRIPT)
    assert IMAGE in shown(reply)
    expect(reply).to_contain_text("canteen-notice.txt")
    assert SCRIPT in sentence_before(marker)

    marker.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("mark").first).to_contain_text(SCRIPT)
    assert IMAGE in shown(dialog)
    page.screenshot(path=str(ARTIFACTS / "hostile-passage.png"), full_page=True)

    assert page.locator('img[src*="127.0.0.1:9"]').count() == 0
    assert page.locator('a[href*="127.0.0.1:9"]').count() == 0  # not even a link to click
    assert page.locator("script", has_text="alert(1)").count() == 0
    assert not alerts and not fetched
    assert re.search(r"alert\(1\)", page.content())  # present only as text
