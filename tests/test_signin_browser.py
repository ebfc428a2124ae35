"""Both sign-in modes end to end in Chromium against the served page: password sign-in with a users file made by
`assistant users add`, and OpenID Connect through the page's st.login against a real OpenID provider on 127.0.0.1
(oidc-provider-mock: a real OIDC server for tests, with a form to pick the user to sign in as)."""

from __future__ import annotations

import io
import json
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from assistant import cli
from tests.browser_server import CHROMIUM, CHROMIUM_ARGS, ROOT, _stop, ensure_chromium, serve, streamlit_command
from tests.conftest import copy_index, free_port

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
SLOW = 120_000  # ms: the first page after sign-in loads the model
EDITOR = {"sub": "eve", "email": "eve@office.example", "name": "Eve Editor"}


@contextmanager
def provider(log_path: Path, timeout: float = 60) -> Iterator[str]:
    """oidc-provider-mock's own command on a free port of 127.0.0.1; its base URL while it runs."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "oidc_provider_mock", "-H", "127.0.0.1", "-p", str(port),
               "--user-claims", json.dumps(EDITOR)]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the OpenID provider did not start; see {log_path}") from None
                    time.sleep(0.3)
            yield url
        finally:
            _stop(process)


@pytest.fixture(scope="module")
def oidc_url(tmp_path_factory: pytest.TempPathFactory, seed_index: Path) -> Iterator[str]:
    reason = ensure_chromium()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("oidc")
    index = copy_index(seed_index, folder / "index")
    ARTIFACTS.mkdir(exist_ok=True)
    port = free_port()
    with provider(ARTIFACTS / "oidc-provider.log") as issuer:
        # Streamlit reads [auth] from secrets.toml; the provider accepts any client id and secret.
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            'client_id = "policy-qa"\n'
            'client_secret = "policy-qa-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n')
        command = streamlit_command(port, "--secrets.files", str(secrets_file))
        env = {"ASSISTANT_AUTH": "oidc", "ASSISTANT_OIDC_EDITORS": EDITOR["email"]}
        with serve(index, ARTIFACTS / "oidc-server.log", port=port, command=command, env=env) as url:
            yield url


def shown(locator) -> str:  # noqa: ANN001 - a Playwright Locator
    """The text a reader sees: word joiners (which keep e-mail addresses from becoming links) are invisible."""
    return locator.inner_text().replace("\u2060", "")


def sign_in(page, url: str, pick: str | None = None, typed: str | None = None) -> None:  # noqa: ANN001
    """Open the page signed out, sign in through the provider's form (a listed user, or a typed subject)."""
    from playwright.sync_api import expect

    page.goto(url)
    button = page.get_by_role("button", name="Sign in with your organisation's account")
    expect(button).to_be_visible(timeout=SLOW)
    expect(page.locator('[data-testid="stChatInput"]')).to_have_count(0)  # signed out: only the sign-in
    button.click()
    page.wait_for_url("**/oauth2/authorize**")
    if pick:
        page.get_by_role("button", name=pick).click()
    else:
        page.locator('input[name="sub"]').fill(typed)
        page.get_by_role("button", name="Authorize").click()


def test_oidc_editor_and_reader(oidc_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(SLOW)
            sidebar = page.locator('[data-testid="stSidebar"]')

            sign_in(page, oidc_url, pick=EDITOR["sub"])
            expect(sidebar).to_contain_text("Signed in as", timeout=SLOW)
            assert "Signed in as eve@office.example · editor" in shown(sidebar)
            expect(sidebar.locator('input[type="file"]')).to_have_count(1)
            sidebar.locator('[data-testid="stExpander"] summary').first.click()  # the document's own controls
            expect(sidebar.get_by_role("button", name="Delete")).to_have_count(1)
            page.screenshot(path=str(ARTIFACTS / "oidc-editor.png"), full_page=True)

            sidebar.get_by_role("button", name="Sign out").click()
            # st.logout drops Streamlit's cookie and sends the browser to the provider's end-session page.
            page.wait_for_url("**/oauth2/end_session**")
            sign_in(page, oidc_url, typed="rita@office.example")  # the mock gives a typed subject that e-mail
            expect(sidebar).to_contain_text("Signed in as", timeout=SLOW)
            assert "Signed in as rita@office.example · reader" in shown(sidebar)
            expect(page.locator('[data-testid="stChatInput"]')).to_have_count(1)
            expect(sidebar.locator('input[type="file"]')).to_have_count(0)
            sidebar.locator('[data-testid="stExpander"] summary').first.click()
            expect(sidebar).to_contain_text("passages")  # the document's details are open to a reader
            expect(sidebar.get_by_role("button", name="Delete")).to_have_count(0)
            expect(sidebar.get_by_role("button", name="Re-index")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "oidc-reader.png"), full_page=True)
        finally:
            browser.close()


PASSWORDS = {"rita": "reader-pass-1", "eve": "editor-pass-1"}


def test_password_reader_and_editor(tmp_path: Path, seed_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import expect, sync_playwright

    reason = ensure_chromium()
    if reason:
        pytest.skip(reason)
    index = copy_index(seed_index, tmp_path / "index")
    for name, role in (("rita", "reader"), ("eve", "editor")):
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORDS[name] + "\n"))
        assert cli.main(["--index-dir", str(index), "users", "add", name, "--role", role, "--password-stdin"]) == 0
    port = free_port()
    with serve(index, ARTIFACTS / "password-server.log", port=port, command=streamlit_command(port),
               env={"ASSISTANT_AUTH": "password"}) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(SLOW)
            sidebar = page.locator('[data-testid="stSidebar"]')
            page.goto(url)
            for name in ("rita", "eve"):
                page.get_by_role("textbox", name="User name").fill(name)
                page.get_by_role("textbox", name="Password").fill(PASSWORDS[name])
                expect(page.locator('[data-testid="stChatInput"]')).to_have_count(0)  # signed out: the form only
                page.get_by_role("button", name="Sign in").click()
                expect(sidebar).to_contain_text("Signed in as", timeout=SLOW)
                role = "reader" if name == "rita" else "editor"
                assert f"Signed in as {name} · {role}" in shown(sidebar)
                expect(sidebar.locator('input[type="file"]')).to_have_count(0 if name == "rita" else 1)
                sidebar.locator('[data-testid="stExpander"] summary').first.click()
                expect(sidebar).to_contain_text("passages")
                expect(sidebar.get_by_role("button", name="Delete")).to_have_count(0 if name == "rita" else 1)
                page.screenshot(path=str(ARTIFACTS / f"password-{role}.png"), full_page=True)
                sidebar.get_by_role("button", name="Sign out").click()
                expect(page.get_by_role("textbox", name="User name")).to_be_visible()
        finally:
            browser.close()
