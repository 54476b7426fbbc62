"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright."""

import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from devtools.model import ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Without these, Chromium stalls on this machine's closed network (first-run and update checks).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "results" / "screenshots"
TIMEOUT_MS = 30_000  # the longest wait for the assistant's reply; tests wait for selectors


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (make chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True
        )
        yield browser
        browser.close()
