"""The web chat socket.io channel: one event per message, session persistence, history."""

import time
import urllib.error
import urllib.request
import uuid

import pytest
import socketio

from tests.integration.conftest import make_stack

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
        self.bot, self.history, self.confirmed, self.echoes = [], [], [], []
        self.client = socketio.Client()
        self.client.on("bot_uttered", self.bot.append)
        self.client.on("history", self.history.append)
        self.client.on("session_confirm", self.confirmed.append)
        self.client.on("user_echo", self.echoes.append)
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


def test_a_second_tab_sees_the_question_as_well_as_the_answer(assistant):
    session_id = uuid.uuid4().hex
    first = WebChatSession(assistant.rasa_url, session_id)
    second = WebChatSession(assistant.rasa_url, session_id)
    try:
        first.say("/ask_cost_insurance", metadata={"display": "Cost"})
        wait_for(lambda: second.echoes and second.bot)
    finally:
        first.close()
        second.close()
    assert second.echoes == [{"text": "Cost"}] and first.echoes == []
    assert second.bot[0]["custom"]["topic"] == "cost_insurance"


def handshake_status(url, origin):
    """The engine.io handshake a browser on `origin` would make (long-polling)."""
    request = urllib.request.Request(
        f"{url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def test_only_allowed_sites_may_connect(tmp_path):
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        "rest:\nchannels.webchat.WebChatInput:\n  session_persistence: true\n"
        "  allowed_origins: ['https://clinic.example']\n"
    )
    stack = make_stack(tmp_path)
    stack.credentials = credentials
    with stack:
        assert handshake_status(stack.rasa_url, "https://clinic.example") == 200
        assert handshake_status(stack.rasa_url, "https://elsewhere.example") == 400
