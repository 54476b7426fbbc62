"""Shared fixtures: the real domain, a collecting dispatcher and a tracker factory; and the
check that keeps the test tiers honest (a test that starts a server or a browser is marked)."""

import os
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The channels default to production mode (fail closed); tests that check it set it themselves.
os.environ.setdefault("ASSISTANT_ENV", "development")


def pytest_collection_modifyitems(items):
    """Browser tests last: Playwright's sync API keeps an event loop running in the main
    thread for the rest of the session, where asyncio.run() would no longer work."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


# --- tiers: `make unit` runs the tests with neither marker --------------------------------------
# A server or a browser started by an unmarked test would make the unit tier slow and need a
# trained model, silently; it fails instead, naming the marker the test lacks.
# `python -m <module>` starts a server (addons.rasa_server: Rasa with the project's patches)
SERVER_MODULES = ("rasa", "addons.rasa_server", "actions.server", "inbox")
_running: Dict[str, pytest.Item] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _running["test"] = item  # before its fixtures: a module or session stack starts for it


def refuse_unmarked(marker: str, what: str) -> None:
    test = _running.get("test")
    if test is not None and test.get_closest_marker(marker) is None:
        pytest.fail(f"{test.nodeid} starts {what} without @pytest.mark.{marker}", pytrace=False)


def started_server(args: Any) -> Optional[str]:
    """The server module a command line starts (`python -m rasa run ...`), if any."""
    argv = [str(arg) for arg in args] if isinstance(args, (list, tuple)) else []
    if len(argv) > 2 and argv[1] == "-m" and argv[2] in SERVER_MODULES:
        return argv[2]
    return None


class MarkedPopen(subprocess.Popen):
    def __init__(self, args: Any, *rest: Any, **options: Any) -> None:
        module = started_server(args)
        if module:
            refuse_unmarked("server", f"a server (python -m {module})")
        super().__init__(args, *rest, **options)


@pytest.fixture(scope="session", autouse=True)
def servers_and_browsers_are_marked() -> Iterator[None]:
    import tests.browsers

    def marked_playwright(*args: Any, **kwargs: Any) -> Any:
        refuse_unmarked("browser", "a browser (Playwright)")
        return playwright(*args, **kwargs)

    playwright = tests.browsers.sync_playwright
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(subprocess, "Popen", MarkedPopen)
        patch.setattr(tests.browsers, "sync_playwright", marked_playwright)
        yield


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    with open(ROOT / "domain.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


TrackerFactory = Callable[..., Tracker]


@pytest.fixture
def make_tracker() -> TrackerFactory:
    """A tracker whose latest message has the given intent, entities, ranking and slots."""

    def factory(
        intent: str = "greet",
        text: str = "",
        entities: Optional[List[Dict[str, Any]]] = None,
        intent_ranking: Optional[List[Dict[str, Any]]] = None,
        slots: Optional[Dict[str, Any]] = None,
        sender_id: str = "test-user",
        parse: Optional[Dict[str, Any]] = None,
    ) -> Tracker:
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": entities or [],
            "intent_ranking": intent_ranking or [{"name": intent, "confidence": 0.9}],
            **(parse or {}),  # what the NLU components add: item_ranking, question_parts
        }
        return Tracker(
            sender_id=sender_id,
            slots=slots or {},
            latest_message=latest,
            events=[],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return factory


# --- one running assistant per configuration, shared by the session ---------------------------
@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Iterator[Any]:
    """The assistant with the default settings, for every test that only talks to it under its
    own conversation ids: REST and web chat (tests/integration) and the widget in the browser
    (tests/widget), so it serves the demo page too when widget/dist/ is built. Each stack costs
    about 14 s to start and stop; a test that restarts it, needs other settings or a fresh
    database starts its own with tests.integration.conftest.make_stack."""
    from devtools.static_site import demo_available
    from tests.integration.conftest import free_port, make_stack

    stack = make_stack(tmp_path_factory.mktemp("assistant"))
    if demo_available():
        stack.web_port = free_port()
    with stack:
        yield stack


def entity(label: str, value: str) -> Dict[str, Any]:
    return {"entity": label, "value": value, "start": 0, "end": 1, "extractor": "test"}


def responses_sent(dispatcher: CollectingDispatcher) -> List[str]:
    return [message.get("response") for message in dispatcher.messages]
