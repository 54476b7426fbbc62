"""The web chat socket.io channel: one event per message, session persistence, history."""

import time
import uuid

import pytest
import socketio

pytestmark = pytest.mark.server


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise TimeoutError("nothing arrived")


class WebChatSession:
    """A socket.io client speaking the widget's protocol (WebSocket transport, as browsers use)."""

    def __init__(self, url, session_id):
        self.session_id = session_id
        self.bot, self.history, self.confirmed = [], [], []
        self.client = socketio.Client()
        self.client.on("bot_uttered", self.bot.append)
        self.client.on("history", self.history.append)
        self.client.on("session_confirm", self.confirmed.append)
        self.client.connect(url, socketio_path="/socket.io", transports=["websocket"])
        self.client.emit("session_request", {"session_id": session_id})
        wait_for(lambda: self.confirmed)

    def say(self, text, metadata=None):
        before = len(self.bot)
        self.client.emit(
            "user_uttered",
            {"message": text, "session_id": self.session_id, "metadata": metadata or {}},
        )
        wait_for(
            lambda: any(
                m.get("custom", {}).get("type") in ("specialist_deferral", "urgent_help")
                for m in self.bot[before:]
            )
        )
        return self.bot[before:]

    def close(self):
        self.client.disconnect()


def test_an_answer_arrives_as_whole_messages_with_their_citations(assistant):
    session = WebChatSession(assistant.rasa_url, uuid.uuid4().hex)
    try:
        messages = session.say("how much does hsct cost")
    finally:
        session.close()
    answer = messages[0]
    assert answer["custom"]["type"] == "evidence_answer"
    assert answer["custom"]["topic"] == "cost_insurance"
    assert "Sources:" in answer["text"] and "\n\n" in answer["text"]  # one message, not split
    assert any(m.get("quick_replies") for m in messages)
    assert messages[-1]["custom"]["type"] == "specialist_deferral" and messages[-1]["text"]


def test_a_second_connection_gets_the_history(assistant):
    session_id = uuid.uuid4().hex
    first = WebChatSession(assistant.rasa_url, session_id)
    try:
        first.say("/ask_edss", metadata={"display": "EDSS"})
    finally:
        first.close()

    second = WebChatSession(assistant.rasa_url, session_id)
    try:
        wait_for(lambda: second.history)
    finally:
        second.close()
    history = second.history[0]["messages"]
    assert history[0]["sender"] == "user" and history[0]["text"] == "EDSS"
    bot = [m for m in history if m["sender"] == "bot"]
    assert bot[0]["custom"]["topic"] == "edss"
    assert bot[-1]["custom"]["type"] == "specialist_deferral"


def test_a_new_session_has_an_empty_history(assistant):
    session = WebChatSession(assistant.rasa_url, uuid.uuid4().hex)
    try:
        wait_for(lambda: session.history, timeout=10)
    finally:
        session.close()
    assert session.history == [{"messages": []}]
