"""The queue updates a waiting person gets (inbox/wait_updates.py), without servers."""

import asyncio
from typing import Any, Dict, List, Tuple

import pytest

from handoff.store import HandoffStore
from inbox.wait_updates import WaitUpdates, announce_claim
from tests.handoff.test_store import add_staff


class RecordingAssistant:
    def __init__(self) -> None:
        self.sent: List[Tuple[str, Dict[str, Any]]] = []
        self.down = False

    async def handoff_status(self, conversation_id: str, status: Dict[str, Any]) -> None:
        if self.down:
            raise ConnectionError("the assistant is down")
        self.sent.append((conversation_id, status))


async def run_blocking(function, *args, **kwargs):
    return function(*args, **kwargs)


@pytest.fixture
def store(tmp_path):
    store = HandoffStore.from_url(f"sqlite:///{tmp_path / 'handoff.db'}")
    yield store
    store.engine.dispose()


def updates(store, assistant):
    return WaitUpdates(store, assistant, run_blocking, default_wait_minutes=9, timeout_seconds=2)


def test_each_web_chat_person_hears_their_place_once_and_again_when_it_changes(store):
    assistant = RecordingAssistant()
    pushing = updates(store, assistant)
    first = store.open_handoff("conv-a", "webchat", "requested")
    store.open_handoff("conv-phone", "rest", "requested")  # no live connection: not told
    store.open_handoff("conv-c", "webchat", "requested")
    assert asyncio.run(pushing.push_changes()) == 2
    assert assistant.sent == [
        ("conv-a", {"state": "waiting", "position": 1, "minutes": 9}),
        ("conv-c", {"state": "waiting", "position": 3, "minutes": 9}),
    ]
    assert asyncio.run(pushing.push_changes()) == 0  # nothing changed
    store.claim(first.id, add_staff(store))
    assert asyncio.run(pushing.push_changes()) == 1
    conversation, status = assistant.sent[-1]
    assert conversation == "conv-c" and status["position"] == 2
    assert status["minutes"] == store.estimated_wait_minutes(9)


def test_an_unreachable_assistant_is_tried_again_at_the_next_round(store):
    assistant = RecordingAssistant()
    pushing = updates(store, assistant)
    store.open_handoff("conv-a", "webchat", "requested")
    assistant.down = True
    assert asyncio.run(pushing.push_changes()) == 0
    assistant.down = False
    assert asyncio.run(pushing.push_changes()) == 1
    assert assistant.sent[0][0] == "conv-a"


def test_a_claim_is_announced_with_the_staff_name_on_the_web_chat_only(store):
    assistant = RecordingAssistant()
    webchat = store.open_handoff("conv-a", "webchat", "requested")
    rest = store.open_handoff("conv-b", "rest", "requested")
    assert asyncio.run(announce_claim(assistant, webchat, "Lee", 2)) is True
    assert asyncio.run(announce_claim(assistant, rest, "Lee", 2)) is False
    assert assistant.sent == [("conv-a", {"state": "claimed", "staff_name": "Lee"})]
    assistant.down = True
    assert asyncio.run(announce_claim(assistant, webchat, "Lee", 2)) is False
