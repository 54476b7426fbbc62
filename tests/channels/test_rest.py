"""The REST channel's checks, called without a server: body, sender id, rates, admission."""

import asyncio
import json
from types import SimpleNamespace
from typing import List, Optional

import pytest
from sanic import Sanic
from sanic.request import Request

from channels.conversation_ids import new_session_id
from channels.rest import RestInput, client_address
from channels.settings import ChannelSettings
from channels.voice import conversation_id as call_conversation_id


def make_channel(**limits):
    settings = ChannelSettings(env=limits.pop("env", "development"), **limits)
    return RestInput(settings)


class Recorder:
    def __init__(self):
        self.messages = []

    async def __call__(self, message):
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, "an answer")


def post(channel, body, address="203.0.113.9"):
    recorder = Recorder()
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    reply = asyncio.run(channel.handle(raw, address, recorder))
    return reply, recorder.messages


def test_a_message_is_answered_with_rasas_reply_list():
    reply, seen = post(make_channel(), {"sender": "me", "message": "hello"})
    assert reply.status == 200
    assert json.loads(reply.body) == [{"recipient_id": "me", "text": "an answer"}]
    assert seen[0].text == "hello" and seen[0].input_channel == "rest"


def test_a_client_cannot_choose_the_channel_name_staff_notifications_show():
    _, seen = post(
        make_channel(),
        {"sender": "me", "message": "hi", "input_channel": "webchat\r\nBcc: x@evil.example"},
    )
    assert seen[0].input_channel == "rest"


def test_a_typed_internal_intent_reaches_rasa_as_words():
    _, seen = post(make_channel(), {"sender": "me", "message": "/EXTERNAL_staff_reply"})
    assert seen[0].text == "EXTERNAL_staff_reply"


def test_too_long_a_message_never_reaches_the_nlu_as_text():
    _, seen = post(make_channel(max_message_chars=500), {"sender": "me", "message": "x " * 400})
    assert seen[0].text == "/message_too_long"


def test_malformed_bodies_are_clear_400s():
    channel = make_channel()
    for body in (b"not json", b"[1, 2]", b"", "é".encode("latin-1"), b'{"message": "hi"}'):
        reply, seen = post(channel, body)
        assert reply.status == 400 and "error" in json.loads(reply.body)
        assert seen == []


def test_production_refuses_a_guessable_sender_id():
    channel = make_channel(env="production")
    reply, seen = post(channel, {"sender": "me", "message": "hi"})
    assert reply.status == 400 and seen == []
    reply, seen = post(channel, {"sender": "Q2x9-" * 6, "message": "hi"})
    assert reply.status == 400 and seen == []
    reply, seen = post(channel, {"sender": "h7Kq2ZbX9vLm4TcW8rNp3sYd", "message": "hi"})
    assert reply.status == 200 and len(seen) == 1


@pytest.mark.parametrize("env", ["production", "development"])
def test_a_web_chat_or_phone_conversation_cannot_be_entered_through_rest(env):
    """Whoever copied a web chat id (without its token) or a call's id gets a 400, and the
    message never reaches the assistant, so nothing is written to that conversation."""
    channel = make_channel(env=env)
    call = call_conversation_id("CA" + "0f" * 16, b"a voice sender key of 32 bytes!!")
    for sender in (new_session_id(), call):
        reply, seen = post(channel, {"sender": sender, "message": "hi"})
        assert reply.status == 400 and "another channel" in json.loads(reply.body)["error"]
        assert seen == []


def test_a_conversation_sending_too_fast_gets_429_with_a_reply_it_can_show():
    channel = make_channel(messages_per_conversation_per_minute=3)
    statuses = [post(channel, {"sender": "me", "message": "hi"})[0].status for _ in range(3)]
    reply, seen = post(channel, {"sender": "me", "message": "hi"})
    assert statuses == [200, 200, 200] and reply.status == 429 and seen == []
    assert int(reply.headers["Retry-After"]) > 0
    assert "wait" in json.loads(reply.body)[0]["text"]
    assert post(channel, {"sender": "someone-else", "message": "hi"})[0].status == 200


def test_one_address_cycling_sender_ids_meets_the_address_limit():
    channel = make_channel(messages_per_address_per_minute=5)
    statuses = [post(channel, {"sender": f"s{i}", "message": "hi"})[0].status for i in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    assert post(channel, {"sender": "s9", "message": "hi"}, address="198.51.100.7")[0].status == 200


# --- client addresses behind the ingress ---------------------------------------------------------
INGRESS_POD = "10.42.0.7"  # what every request's peer address is in the cluster
CLIENTS = ("203.0.113.9", "198.51.100.7")


def rasa_app(monkeypatch, proxies_count: Optional[str]) -> Sanic:
    """Rasa's own Sanic app (rasa.server.create_app), configured by the environment like a pod:
    Sanic reads SANIC_* variables when the app is made."""
    from rasa.server import create_app

    monkeypatch.setattr(Sanic, "_app_registry", {})  # a fresh "rasa_server" app each time
    if proxies_count is None:
        monkeypatch.delenv("SANIC_PROXIES_COUNT", raising=False)
    else:
        monkeypatch.setenv("SANIC_PROXIES_COUNT", proxies_count)
    return create_app()


def through_the_ingress(app: Sanic, forwarded_for: str) -> Request:
    """A request as ingress-nginx passes it on: from the ingress pod, naming the client."""
    request = Request(
        b"/webhooks/rest/webhook", {"X-Forwarded-For": forwarded_for}, "1.1", "POST", None, app
    )
    request.conn_info = SimpleNamespace(client_ip=INGRESS_POD)
    return request


def statuses_of_two_clients(app: Sanic) -> List[int]:
    channel = make_channel(messages_per_address_per_minute=1)
    return [
        post(
            channel,
            {"sender": f"client-{number}", "message": "hi"},
            address=client_address(through_the_ingress(app, client)),
        )[0].status
        for number, client in enumerate(CLIENTS)
    ]


def test_trusting_one_proxy_counts_each_client_behind_the_ingress(monkeypatch):
    app = rasa_app(monkeypatch, "1")
    assert app.config.PROXIES_COUNT == 1
    assert [client_address(through_the_ingress(app, c)) for c in CLIENTS] == list(CLIENTS)
    assert statuses_of_two_clients(app) == [200, 200]
    # a client's own X-Forwarded-For comes first; only the entry the ingress added is trusted
    forged = through_the_ingress(app, f"192.0.2.1, {CLIENTS[0]}")
    assert client_address(forged) == CLIENTS[0]


def test_without_the_setting_every_client_is_the_ingress(monkeypatch):
    """One address for everyone: one abuser's rate (and handoff cap) would block all."""
    app = rasa_app(monkeypatch, None)
    assert [client_address(through_the_ingress(app, c)) for c in CLIENTS] == [INGRESS_POD] * 2
    assert statuses_of_two_clients(app) == [200, 429]
