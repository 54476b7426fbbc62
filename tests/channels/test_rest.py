"""The REST channel's checks, called without a server: body, sender id, rates, admission."""

import asyncio
import json

from channels.rest import RestInput
from channels.settings import ChannelSettings


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
    assert reply.status == 200 and len(seen) == 1


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
