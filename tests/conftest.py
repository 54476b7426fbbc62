"""Shared fixtures: the real domain, a collecting dispatcher and a tracker factory."""

import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

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


def entity(label: str, value: str) -> Dict[str, Any]:
    return {"entity": label, "value": value, "start": 0, "end": 1, "extractor": "test"}


def responses_sent(dispatcher: CollectingDispatcher) -> List[str]:
    return [message.get("response") for message in dispatcher.messages]
