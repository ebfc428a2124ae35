"""Several page servers, one `chroma run`: what one server's editor uploads or deletes, the other's readers see.

Real processes on loopback: a Chroma server, two pages (each with its own index folder for BM25 and locks), and
Chromium driving both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_server import CHROMIUM, CHROMIUM_ARGS, ROOT, ensure_chromium, serve, streamlit_command
from tests.conftest import free_port
from tests.test_browser import SLOW, answer_marker, ask, last_reply
from tests.test_server import chroma_server  # noqa: F401 - the module-scoped `chroma run` fixture

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
MEMO = "Bicycle allowance\n\nStaff who cycle to work receive a bicycle allowance of 37 euros each month.\n"
QUESTION = "How much is the bicycle allowance each month?"
# How long the second page may take to see the change: it reads the index again on its next question.
SEEN_WITHIN = 15_000  # ms


def _open(browser, url: str):  # noqa: ANN001, ANN202 - Playwright Browser and Page
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(SLOW)
    page.goto(url)
    page.get_by_role("heading", name="Policy Q&A").wait_for()
    return page


def _answer_on(page, question: str, expected: str, timeout: int) -> None:  # noqa: ANN001
    """Ask until the reply holds ``expected`` or ``timeout`` ms pass (each question re-reads a changed index)."""
    from playwright.sync_api import expect

    waited = 0
    while True:
        ask(page, question)
        reply = last_reply(page)
        drawn = reply.get_by_text("Sources", exact=True).or_(reply.get_by_text("do not answer"))
        expect(drawn.first).to_be_visible(timeout=SLOW)  # the first question of a server loads the model
        if expected in reply.inner_text() or waited >= timeout:
            break
        page.wait_for_timeout(2000)
        waited += 2000
    expect(reply).to_contain_text(expected)


def test_an_upload_on_one_server_is_answered_on_the_other_and_a_deletion_too(
    chroma_server: tuple[str, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    reason = ensure_chromium()
    if reason:
        pytest.skip(reason)
    url, _ = chroma_server
    env = {"ASSISTANT_CHROMA_URL": url, "ASSISTANT_COLLECTION": "shared"}
    ARTIFACTS.mkdir(exist_ok=True)
    memo = tmp_path / "bicycle-allowance.txt"
    memo.write_text(MEMO)
    port_a, port_b = free_port(), free_port()
    with (
        serve(tmp_path / "a", ARTIFACTS / "server-a.log", port=port_a, command=streamlit_command(port_a), env=env)
        as url_a,
        serve(tmp_path / "b", ARTIFACTS / "server-b.log", port=port_b, command=streamlit_command(port_b), env=env)
        as url_b,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            editor, reader = _open(browser, url_a), _open(browser, url_b)
            _answer_on(reader, QUESTION, "do not answer", 0)  # nothing about it yet

            editor.locator('[data-testid="stSidebar"] input[type="file"]').set_input_files(str(memo))
            expect(editor.locator('[data-testid="stSidebar"]')).to_contain_text("Indexed bicycle-allowance.txt",
                                                                               timeout=SLOW)
            _answer_on(reader, QUESTION, "37 euros", SEEN_WITHIN)
            expect(answer_marker(last_reply(reader))).to_be_visible()
            expect(last_reply(reader)).to_contain_text("bicycle-allowance.txt")

            sidebar = editor.locator('[data-testid="stSidebar"]')
            sidebar.get_by_text("Bicycle allowance", exact=True).click()
            sidebar.get_by_role("button", name="Delete").click()
            expect(sidebar).not_to_contain_text("Bicycle allowance")
            _answer_on(reader, QUESTION, "do not answer", SEEN_WITHIN)
            reader.screenshot(path=str(ARTIFACTS / "two-servers.png"), full_page=True)
        finally:
            browser.close()
