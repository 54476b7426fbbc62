"""The web chat's staff routes: typing and queue updates from the inbox, to the person's room."""

import asyncio
import json
from typing import Any, Dict, List

import pytest

from channels.webchat import (
    HANDOFF_STATUS_EVENT,
    STAFF_EVENT_MAX_BYTES,
    STAFF_TYPING_EVENT,
    WebChatInput,
)

TOKEN = "the-rasa-api-token"


class RecordingServer:
    """Stands in for the socket.io server: records what is emitted, and to which room."""

    def __init__(self) -> None:
        self.emitted: List[Dict[str, Any]] = []

    async def emit(self, event: str, data: Any, room: str = None, **kwargs: Any) -> None:
        self.emitted.append({"event": event, "data": data, "room": room})


@pytest.fixture
def channel(monkeypatch):
    monkeypatch.setenv("RASA_AUTH_TOKEN", TOKEN)
    channel = WebChatInput.from_credentials({})
    channel.sio = RecordingServer()
    return channel


def relay(channel, event, token, body):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return asyncio.run(channel.relay_staff_event(event, token, raw))


def test_the_channel_takes_its_token_from_the_environment(channel):
    assert channel.api_token == TOKEN


@pytest.mark.parametrize("token,status", [(None, 401), ("", 401), ("wrong-token", 403)])
def test_staff_events_are_refused_without_the_token(channel, token, status):
    body = {"conversation_id": "conv-1", "staff_name": "Lee"}
    assert relay(channel, STAFF_TYPING_EVENT, token, body)[0] == status
    assert relay(channel, HANDOFF_STATUS_EVENT, token, {**body, "state": "claimed"})[0] == status
    assert channel.sio.emitted == []


def test_without_a_configured_token_every_staff_event_is_refused(monkeypatch):
    monkeypatch.delenv("RASA_AUTH_TOKEN", raising=False)
    channel = WebChatInput.from_credentials({})
    channel.sio = RecordingServer()
    assert relay(channel, STAFF_TYPING_EVENT, "anything", {"conversation_id": "c"})[0] == 403
    assert channel.sio.emitted == []


def test_typing_is_emitted_to_the_conversations_room_with_the_name(channel):
    status, _ = relay(
        channel, STAFF_TYPING_EVENT, TOKEN, {"conversation_id": "conv-1", "staff_name": " Lee  S "}
    )
    assert status == 200
    [emitted] = channel.sio.emitted
    assert emitted["event"] == "staff_typing" and emitted["room"] == "conv-1"
    assert emitted["data"]["staff_name"] == "Lee S"
    assert emitted["data"]["text"].startswith("Lee S ")


def test_typing_without_a_name_says_a_member_of_staff(channel):
    relay(channel, STAFF_TYPING_EVENT, TOKEN, {"conversation_id": "conv-1"})
    data = channel.sio.emitted[0]["data"]
    assert data["staff_name"] is None and "member of staff" in data["text"]


def test_queue_updates_and_a_claim_are_emitted_as_handoff_status(channel):
    waiting = {"conversation_id": "conv-2", "state": "waiting", "position": 2, "minutes": 7}
    assert relay(channel, HANDOFF_STATUS_EVENT, TOKEN, waiting)[0] == 200
    claimed = {"conversation_id": "conv-2", "state": "claimed", "staff_name": "Lee"}
    assert relay(channel, HANDOFF_STATUS_EVENT, TOKEN, claimed)[0] == 200
    first, second = channel.sio.emitted
    assert (first["event"], first["room"]) == ("handoff_status", "conv-2")
    assert first["data"]["position"] == 2 and first["data"]["minutes"] == 7
    assert "2" in first["data"]["text"] and "7" in first["data"]["text"]
    assert second["data"]["state"] == "claimed" and "Lee" in second["data"]["text"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        {"staff_name": "Lee"},  # no conversation
        {"conversation_id": "c", "state": "ended"},
        {"conversation_id": "c", "state": "waiting", "position": 0, "minutes": 5},
        {"conversation_id": "c", "state": "waiting", "position": "2", "minutes": 5},
        {"conversation_id": "c", "state": "waiting", "position": True, "minutes": 5},
    ],
)
def test_malformed_staff_events_are_refused(channel, body):
    event = HANDOFF_STATUS_EVENT if isinstance(body, dict) and "state" in body else None
    status, _ = relay(channel, event or HANDOFF_STATUS_EVENT, TOKEN, body)
    assert status == 400
    assert channel.sio.emitted == []


def test_a_large_body_is_refused(channel):
    body = {"conversation_id": "c", "staff_name": "x" * STAFF_EVENT_MAX_BYTES}
    assert relay(channel, STAFF_TYPING_EVENT, TOKEN, body)[0] == 413
    assert channel.sio.emitted == []


def test_the_blueprint_has_both_routes(channel):
    async def on_message(message):
        return None

    blueprint = channel.blueprint(on_message)
    paths = {route.uri for route in blueprint._future_routes}
    assert {"/staff_typing", "/handoff_status"} <= paths
