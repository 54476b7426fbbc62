"""A person's message on the web chat: too long a message is asked to be shortened (the NLU
never reads it), and a conversation or an address sending too fast is told to wait. Through
the channel's `receive` with a fake socket.io server; no Rasa, no sockets."""

import asyncio
from types import SimpleNamespace

import pytest

from channels.rate_limits import MessageRates
from channels.replies import channel_reply
from channels.user_input import SHOWN_CHARS, TOO_LONG_INTENT
from channels.webchat import ECHO_EVENT, WebChatInput
from tests.channels.test_webchat_staff_events import RecordingServer

ADDRESS = "203.0.113.9"


class SocketServer(RecordingServer):
    """A socket.io server whose sockets have joined conversations (sid -> session id), all from
    one address."""

    def __init__(self, joined, address=ADDRESS):
        super().__init__()
        self.joined = joined
        self.address = address

    async def get_session(self, sid, namespace=None):
        return {"session_id": self.joined[sid]} if sid in self.joined else {}

    def get_environ(self, sid, namespace=None):
        request = SimpleNamespace(remote_addr=self.address, ip=self.address)
        return {"sanic.request": request}


class Assistant:
    def __init__(self):
        self.received = []

    async def __call__(self, message):
        self.received.append(message)


@pytest.fixture
def channel(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MESSAGES_PER_CONVERSATION_PER_MINUTE", "2")
    monkeypatch.setenv("ASSISTANT_MESSAGES_PER_ADDRESS_PER_MINUTE", "3")
    channel = WebChatInput.from_credentials({})
    # a clock that stands still: every message falls in the same minute
    channel.rates = MessageRates.from_settings(channel.settings, clock=lambda: 1000.0)
    channel.sio = SocketServer({"tab-1": "conv-1", "tab-2": "conv-2", "tab-3": "conv-3"})
    return channel


def send(channel, assistant, sid, text, metadata=None):
    data = {"message": text, "metadata": metadata or {}}
    asyncio.run(channel.receive(sid, data, assistant))


def told(channel, sid):
    return [e["data"]["text"] for e in channel.sio.emitted if e["room"] == sid]


def test_a_message_over_the_limit_asks_to_shorten_it_and_the_nlu_never_reads_it(channel):
    assistant = Assistant()
    paste = "My story. " * (channel.settings.max_message_chars // 10 + 1)
    send(channel, assistant, "tab-1", paste)
    [message] = assistant.received
    assert message.text == TOO_LONG_INTENT  # answered by utter_message_too_long
    shown = message.metadata["display"]
    assert shown.startswith("My story. My story.") and len(shown) <= SHOWN_CHARS
    [echo] = [e for e in channel.sio.emitted if e["event"] == ECHO_EVENT]
    assert echo["data"]["text"] == shown  # other tabs show the start too, not the paste


def test_a_message_at_the_limit_is_read(channel):
    assistant = Assistant()
    text = "a" * channel.settings.max_message_chars
    send(channel, assistant, "tab-1", text)
    assert [m.text for m in assistant.received] == [text]


def test_a_conversation_sending_too_fast_is_told_to_wait(channel):
    assistant = Assistant()
    for question in ("what is hsct", "is it safe", "how much does it cost"):
        send(channel, assistant, "tab-1", question)
    assert [m.text for m in assistant.received] == ["what is hsct", "is it safe"]
    assert told(channel, "tab-1") == [channel_reply("slow_down", seconds=61)]
    send(channel, assistant, "tab-2", "what is hsct")  # another conversation goes on
    assert len(assistant.received) == 3


def test_an_address_sending_too_fast_is_told_to_wait_in_every_conversation(channel):
    assistant = Assistant()
    for sid in ("tab-1", "tab-2", "tab-3", "tab-3"):
        send(channel, assistant, sid, "hello")
    assert len(assistant.received) == 3
    assert told(channel, "tab-3") == [channel_reply("slow_down", seconds=61)]


def test_a_refused_message_costs_no_budget(channel):
    assistant = Assistant()
    for _ in range(5):
        send(channel, assistant, "tab-1", "hello")
    send(channel, assistant, "tab-2", "hello")  # the address has used 2 of its 3
    assert len(assistant.received) == 3
