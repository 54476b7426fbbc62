"""The web chat widget in a real headless Chromium, against the real running assistant.

The session's one default assistant (action server + Rasa server + the demo page's static
site), shared with the REST and web chat tests; one fresh browser context (empty localStorage)
per test. Needs `widget/dist/` built
(`cd widget && npm ci && npm run build`) and Debian's Chromium (`apt-get install -y chromium`).
"""

from pathlib import Path
from typing import Callable, Iterator, List

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from devtools.serve import Stack
from devtools.static_site import demo_available
from tests.browsers import SCREENSHOTS, TIMEOUT_MS, chromium

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def widget_stack(assistant) -> Stack:
    """The session's default assistant (tests/conftest.py), which serves the demo page."""
    if not demo_available() or not assistant.web_port:
        pytest.fail("widget/dist/ is not built: cd widget && npm ci && npm run build")
    return assistant


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


class BrowserSession:
    """A browser context on the demo page, recording script errors and dialogs."""

    def __init__(self, browser: Browser, stack: Stack, **context_options) -> None:
        self.stack = stack
        self.context: BrowserContext = browser.new_context(**context_options)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.errors: List[str] = []
        self.dialogs: List[str] = []

    def new_page(self) -> Page:
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(str(error)))

        def on_dialog(dialog) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return page

    def demo_url(self, server: str = "") -> str:
        server = server or self.stack.rasa_url
        return f"http://localhost:{self.stack.web_port}/?server={server}"

    def close(self) -> None:
        self.context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call":
        item.call_failed = outcome.get_result().failed


def print_what_the_page_showed(sessions: List["BrowserSession"], stack: Stack) -> None:
    """After a failure (seen once in CI, never locally): the chat log as the person saw it,
    and what the servers logged, so the failure can be explained from the CI output alone."""
    for session in sessions:
        for page in session.context.pages:
            entries = page.locator(".log > li").evaluate_all(
                "(items) => items.map((li) => li.className + ': ' + li.textContent.slice(0, 80))"
            )
            print("chat log:", *entries, sep="\n  ")
    for log in sorted(stack.log_dir.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        wanted = [line for line in lines if "Warning" not in line and "warn" not in line]
        print(f"--- {log.name} (last 40 lines without warnings) ---", *wanted[-40:], sep="\n")


@pytest.fixture
def open_session(request, browser, widget_stack) -> Iterator[Callable[..., BrowserSession]]:
    """Opens browser contexts (Playwright context options as keywords); after the test, closes
    them and fails the test if a script error happened on any of their pages."""
    sessions: List[BrowserSession] = []

    def factory(**context_options) -> BrowserSession:
        session = BrowserSession(browser, widget_stack, **context_options)
        sessions.append(session)
        return session

    yield factory
    if getattr(request.node, "call_failed", False):
        print_what_the_page_showed(sessions, widget_stack)
    errors = [error for session in sessions for error in session.errors]
    for session in sessions:
        session.close()
    assert errors == [], f"script errors on the page: {errors}"


@pytest.fixture
def session(open_session) -> BrowserSession:
    return open_session(viewport={"width": 1280, "height": 900})


@pytest.fixture
def mobile_session(open_session) -> BrowserSession:
    return open_session(
        viewport={"width": 320, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
