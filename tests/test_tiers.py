"""The test tiers stay honest: an unmarked (unit) test cannot start a server or a browser, and
`make test` still runs every tier and every check."""

import re
import sys
from typing import List

import pytest

import tests.browsers
from tests.conftest import ROOT, MarkedPopen, started_server


def test_a_server_is_recognised_by_the_module_python_runs():
    assert started_server([sys.executable, "-m", "rasa", "run", "--port", "5005"]) == "rasa"
    rasa_with_patches = [sys.executable, "-m", "addons.rasa_server", "run"]
    assert started_server(rasa_with_patches) == "addons.rasa_server"
    assert started_server([sys.executable, "-m", "actions.server"]) == "actions.server"
    assert started_server([sys.executable, "-m", "inbox"]) == "inbox"
    # a tool that merely names a server further on starts none itself
    command = [sys.executable, "-m", "secrets_check", "X", "--", "python", "-m", "rasa"]
    assert started_server(command) is None
    assert started_server([sys.executable, "-m", "inbox.accounts", "create"]) is None
    assert started_server("python -m rasa run") is None  # a shell string: not how we start them


def test_an_unmarked_test_that_starts_a_server_fails_before_it_runs():
    with pytest.raises(pytest.fail.Exception, match=r"without @pytest.mark.server"):
        MarkedPopen([sys.executable, "-m", "rasa", "--version"])


def test_an_unmarked_test_that_opens_a_browser_fails_before_it_launches():
    with pytest.raises(pytest.fail.Exception, match=r"without @pytest.mark.browser"):
        tests.browsers.sync_playwright()


def prerequisites(target: str) -> List[str]:
    """The prerequisites of one Makefile target, as written on its rule line."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rule = re.search(rf"^{re.escape(target)}:([^#\n]*)", makefile, re.MULTILINE)
    assert rule, f"the Makefile has no {target} target"
    return rule[1].split()


def test_make_test_runs_every_tier_and_every_check():
    tiers = ["check", "unit", "integration", "browser", "widget-test", "nlu"]
    assert prerequisites("test") == tiers
    assert prerequisites("check") == ["lint", "evidence-check", "validate"]
    assert prerequisites("nlu") == ["validate", "test-stories", "eval", "eval-real"]


def test_lint_needs_only_the_virtual_environment():
    assert prerequisites("lint") == ["$(VENV)/.installed"]
