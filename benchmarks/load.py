"""Many people at once against one page server on 127.0.0.1: real sessions, one server, on this machine.

    .venv/bin/python benchmarks/load.py [--users 1,5,10,20] [--questions 3] [--client protocol,browser]
                                        [--hostile-users 10] [--hostile-seconds 60] [--skip-cold]

1. **Cold start to first answer**: the server process is started, one browser (already open, as a user's is)
   loads the page as soon as it answers its health check and asks one question; the time runs from starting the
   server until the cited answer is visible. Measured for `make serve`'s launcher (assistant/page/startup.py,
   which loads the library as the server starts) and, as the baseline, plain `streamlit run app.py` (which loads
   it on the first visit).
2. **N users at once** against one `make serve` server, all started together, each asking --questions questions
   one after another: page load (until the question box is there) and time to answer (question sent until its
   cited answer is there), p50/p95, and errors (a step past --timeout, an error or exception on the page). Two
   clients: `protocol` (benchmarks/page_client.py: Streamlit's websocket protocol, what the server does for a
   tab; no rendering) and `browser` (one Chromium context per user: also the rendering, which on an office
   network happens on each user's machine but here shares the server's 2 cores). The 1-user round is the
   baseline of the others.
3. **Hostile uploads**: --hostile-users - 1 protocol users ask, tab after tab, for --hostile-seconds while one
   browser tab uploads issue 11's probe files over and over (HTML nested 100,000 levels deep, a DOCX that unpacks
   to 210 MB), against the same round with that tab open and idle, in the same run.

The results go to --out as JSON; a Markdown table is printed. A benchmark, not a test: nothing fails on a slow
machine. Needs Chromium at /usr/bin/chromium (`make chromium`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmarks.hostile, and the assistant package of this checkout

from benchmarks.hostile import deep_html, docx_bomb  # noqa: E402
from benchmarks.page_client import PageSession  # noqa: E402
from benchmarks.page_server import Server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Seed questions the seed index answers with a cited passage (the seed eval set, 18 of 18 answered), so every
# question of the benchmark ends in a visible [1]; users start at different ones so answers are not all alike.
QUESTIONS = [
    "Which industries does the plan say should grow faster during the 14th Five-Year Plan?",
    "What new energy technologies should get more research and development?",
    "What does the plan say about hydrogen fuel cell vehicles?",
    "Which cutting-edge new materials are to be developed?",
    "What is said about satellites?",
    "Why is data important for the platform economy?",
    "How should mergers and acquisitions be financed?",
    "What does the plan say about intellectual property?",
    "What creative industries are mentioned?",
    "What should be done to protect consumers in the internet field?",
]
ERROR_SHOWN = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation between closest ranks, as numpy's default; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Round:
    """One round of users at once; times in seconds."""

    name: str
    users: int
    page_loads: list[float] = field(default_factory=list)
    answers: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    uploads: list[float] = field(default_factory=list)  # hostile upload until its refusal is shown
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after the round

    def summary(self) -> dict:
        return {"name": self.name, "users": self.users, "answers": len(self.answers), "errors": len(self.errors),
                "page_load_p50": percentile(self.page_loads, 50), "page_load_p95": percentile(self.page_loads, 95),
                "answer_p50": percentile(self.answers, 50), "answer_p95": percentile(self.answers, 95),
                "uploads": len(self.uploads), "upload_p50": percentile(self.uploads, 50),
                "load_average": self.load_average}


# ---------------------------------------------------------------- one user


async def open_page(page, url: str) -> float:  # noqa: ANN001 - a Playwright Page
    """Seconds from navigation until the question box is there."""
    started = time.monotonic()
    await page.goto(url)
    await page.locator('[data-testid="stChatInputTextArea"]').wait_for(state="visible")
    return time.monotonic() - started


async def ask(page, question: str, turn: int) -> float:  # noqa: ANN001 - a Playwright Page
    """Seconds from sending the question until the turn-th answer shows its [1] (the cited answer)."""
    box = page.locator('[data-testid="stChatInputTextArea"]')
    await box.fill(question)
    started = time.monotonic()
    await box.press("Enter")
    answer = page.locator('[class*="st-key-answer-"]').nth(turn)
    await answer.get_by_role("button", name="[1]").first.wait_for(state="visible")
    return time.monotonic() - started


async def check_no_error(page) -> None:  # noqa: ANN001 - a Playwright Page
    shown = page.locator(ERROR_SHOWN)
    if await shown.count():
        raise RuntimeError(f"the page shows an error: {(await shown.first.inner_text())[:200]!r}")


async def asker(browser, url: str, user: int, questions: int, result: Round, start: asyncio.Event,  # noqa: ANN001
                timeout: float) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(timeout * 1000)
    page = await context.new_page()
    try:
        await start.wait()
        result.page_loads.append(await open_page(page, url))
        for turn in range(questions):
            result.answers.append(await ask(page, QUESTIONS[(user + turn) % len(QUESTIONS)], turn))
            await check_no_error(page)
    except Exception as error:  # noqa: BLE001 - every failure is one counted error, the others go on
        result.errors.append(f"user {user}: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        await context.close()


async def protocol_asker(url: str, user: int, questions: int, result: Round, start: asyncio.Event,
                         timeout: float, until: asyncio.Event | None = None) -> None:
    """One user through Streamlit's protocol (benchmarks/page_client.py): the server's side of a browser tab.

    Opens a tab and asks ``questions`` questions; with ``until``, opens a fresh tab and asks again until it is set
    (a fresh tab, not a longer conversation: every turn is redrawn on each question, so answers would slow)."""
    await start.wait()
    while True:
        session = PageSession(url)
        try:
            started = time.monotonic()
            await asyncio.wait_for(session.load(), timeout)
            result.page_loads.append(time.monotonic() - started)
            for turn in range(questions):
                started = time.monotonic()
                await asyncio.wait_for(session.ask(QUESTIONS[(user + turn) % len(QUESTIONS)]), timeout)
                result.answers.append(time.monotonic() - started)
        except Exception as error:  # noqa: BLE001 - every failure is one counted error, the others go on
            result.errors.append(f"user {user}: {type(error).__name__}: "
                                 f"{(str(error).splitlines() or [''])[0][:200]}")
        finally:
            await session.close()
        if until is None or until.is_set():
            return


async def uploader(browser, url: str, files: list[Path], result: Round, ready: asyncio.Event,  # noqa: ANN001
                   done: asyncio.Event, seconds: float, timeout: float) -> None:
    """A browser tab that uploads the hostile files in turn for ``seconds``, each until its refusal is shown, and
    sets ``ready`` as its first upload starts; with no files it stays open and idle for as long (the same browser
    cost in the round without uploads)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(timeout * 1000)
    page = await context.new_page()
    try:
        await open_page(page, url)
        ready.set()
        end = time.monotonic() + seconds
        if not files:
            await asyncio.sleep(seconds)
        while files and time.monotonic() < end:
            for path in files:
                # app.py draws a fresh uploader (key upload-<round+1>) once an upload has been handled
                # (the newest one: during a rerun the previous uploader can still be in the page, and taking it
                # counted uploads that never reached the server, 0.02-0.11 s each, in an earlier run)
                boxes = page.locator('[class*="st-key-upload-"]')
                classes = await boxes.evaluate_all("els => els.map(e => e.className)")
                round_ = max(int(n) for c in classes for n in re.findall(r"st-key-upload-(\d+)", c))
                box = page.locator(f".st-key-upload-{round_}")
                started = time.monotonic()
                await box.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(path)
                await page.locator(f'.st-key-upload-{round_ + 1}').wait_for(state="visible")
                sidebar_error = '[data-testid="stSidebar"] [data-testid="stAlertContentError"]'
                notice = page.locator(sidebar_error, has_text=path.name)
                try:  # handled means refused with the one line that names the file
                    await notice.first.wait_for(state="visible", timeout=10_000)
                except Exception:  # noqa: BLE001
                    result.errors.append(f"uploader: {path.name} was not refused")
                result.uploads.append(time.monotonic() - started)
    except Exception as error:  # noqa: BLE001
        result.errors.append(f"uploader: {type(error).__name__}: {str(error).splitlines()[0][:200]}")
    finally:
        ready.set()
        done.set()
        await context.close()


async def run_round(browser, url: str, name: str, users: int, questions: int, timeout: float,  # noqa: ANN001
                    client: str) -> Round:
    """``users`` askers at once, each asking ``questions`` questions in one tab."""
    result = Round(f"{name} ({client})", users)
    before = os.getloadavg()[0]
    start = asyncio.Event()
    askers = [asyncio.create_task(asker(browser, url, u, questions, result, start, timeout) if client == "browser"
                                  else protocol_asker(url, u, questions, result, start, timeout))
              for u in range(users)]
    await asyncio.sleep(1)  # the contexts are created before the clock matters; then everyone starts at once
    start.set()
    await asyncio.gather(*askers)
    result.load_average = (before, os.getloadavg()[0])
    return result


async def hostile_round(browser, url: str, name: str, users: int, questions: int, timeout: float,  # noqa: ANN001
                        files: list[Path], seconds: float) -> Round:
    """``users`` protocol askers ask, tab after tab, while one browser tab uploads ``files`` (or idles) for
    ``seconds``; they start when its first upload starts."""
    result = Round(name, users)
    before = os.getloadavg()[0]
    ready, done = asyncio.Event(), asyncio.Event()
    upload = asyncio.create_task(uploader(browser, url, files, result, ready, done, seconds, timeout))
    await asyncio.gather(*(protocol_asker(url, u, questions, result, ready, timeout, done) for u in range(users)))
    await upload
    result.load_average = (before, os.getloadavg()[0])
    return result


# ---------------------------------------------------------------- the phases


async def cold_start(browser, launcher: str, index: Path, folder: Path, timeout: float) -> dict:  # noqa: ANN001
    server = Server(launcher, index, folder / f"cold-{launcher}.log")
    context = await browser.new_context()
    context.set_default_timeout(timeout * 1000)
    page = await context.new_page()
    try:
        started = server.start(timeout)
        up = time.monotonic() - started
        await open_page(page, server.url)
        shown = time.monotonic() - started
        await ask(page, QUESTIONS[2], 0)
        return {"launcher": launcher, "healthy_s": up, "page_s": shown, "first_answer_s": time.monotonic() - started}
    finally:
        await context.close()
        server.stop()


def build_index(index: Path) -> None:
    """The seed index, built with the command line as `make run` does."""
    subprocess.run([sys.executable, "-m", "assistant.cli", "ingest", "seeds/"], cwd=ROOT, check=True,
                   env={**os.environ, "ASSISTANT_INDEX_DIR": str(index)}, stdout=subprocess.DEVNULL)


async def main_async(args: argparse.Namespace, folder: Path) -> dict:
    from playwright.async_api import async_playwright

    index = folder / "index"
    build_index(index)
    hostile = [deep_html(folder / "deep.html", 100_000), docx_bomb(folder / "bomb.docx", 210)]
    out: dict = {"nproc": os.cpu_count(), "cold_start": [], "rounds": []}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            if not args.skip_cold:
                for launcher in ("streamlit", "startup"):
                    out["cold_start"].append(await cold_start(browser, launcher, index, folder, args.timeout))
                    print(json.dumps(out["cold_start"][-1]), flush=True)
            server = Server("startup", index, args.out.with_suffix(".server.log"))  # kept: errors are explained there
            server.start(args.timeout)
            try:
                server.wait_warm(args.timeout)
                for client in args.client:
                    for users in args.users:
                        result = await run_round(browser, server.url, f"{users} users", users, args.questions,
                                                 args.timeout, client)
                        out["rounds"].append(asdict(result) | {"summary": result.summary()})
                        print(json.dumps(result.summary()), flush=True)
                askers = args.hostile_users - 1
                for name, files in (("asking, idle tab", []), ("asking, tab uploading hostile files", hostile)):
                    if askers > 0:
                        result = await hostile_round(browser, server.url, name, askers, args.questions,
                                                     args.timeout, files, args.hostile_seconds)
                        out["rounds"].append(asdict(result) | {"summary": result.summary()})
                        print(json.dumps(result.summary()), flush=True)
            finally:
                server.stop()
        finally:
            await browser.close()
    return out


def seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def table(out: dict) -> str:
    lines = ["| round | users | answers | errors | page load p50 / p95 | answer p50 / p95 | load avg before → after |",
             "|---|---|---|---|---|---|---|"]
    for item in out["rounds"]:
        s = item["summary"]
        lines.append(f"| {s['name']} | {s['users']} | {s['answers']} | {s['errors']} | "
                     f"{seconds(s['page_load_p50'])} / {seconds(s['page_load_p95'])} | "
                     f"{seconds(s['answer_p50'])} / {seconds(s['answer_p95'])} | "
                     f"{s['load_average'][0]:.1f} → {s['load_average'][1]:.1f} |")
    for cold in out["cold_start"]:
        lines.append(f"\ncold start ({cold['launcher']}): healthy {seconds(cold['healthy_s'])}, page "
                     f"{seconds(cold['page_s'])}, first answer {seconds(cold['first_answer_s'])}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=lambda s: [int(n) for n in s.split(",")], default=[1, 5, 10, 20])
    parser.add_argument("--questions", type=int, default=3, help="questions each user asks, one after another")
    parser.add_argument("--hostile-users", type=int, default=10, help="0: skip the hostile-upload rounds")
    parser.add_argument("--client", type=lambda s: s.split(","), default=["protocol", "browser"],
                        help="protocol (Streamlit's websocket, no rendering) and/or browser (Chromium contexts)")
    parser.add_argument("--hostile-seconds", type=float, default=60,
                        help="how long the hostile rounds ask (and upload, or idle)")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one step may take before an error")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "load.json")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="load-bench-") as folder:
        out = asyncio.run(main_async(args, Path(folder)))
    args.out.write_text(json.dumps(out, indent=1))
    print(table(out))
    for item in out["rounds"]:
        for error in item["errors"]:
            print(f"{item['name']}: {error}")


if __name__ == "__main__":
    main()
