"""The web chat socket.io channel: one event per message, session persistence, history."""

import time
import urllib.error
import urllib.request

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
    """A socket.io client speaking the widget's protocol (WebSocket transport, as browsers use).

    Asks for a new conversation, or rejoins `resume` (a previous session's confirm)."""

    def __init__(self, url, resume=None):
        self.bot, self.history, self.confirmed, self.echoes = [], [], [], []
        self.client = socketio.Client()
        self.client.on("bot_uttered", self.bot.append)
        self.client.on("history", self.history.append)
        self.client.on("session_confirm", self.confirmed.append)
        self.client.on("user_echo", self.echoes.append)
        self.client.connect(url, socketio_path="/socket.io", transports=["websocket"])
        self.client.emit("session_request", resume or {})
        wait_for(lambda: self.confirmed)

    @property
    def session(self):
        return self.confirmed[-1]

    @property
    def session_id(self):
        return self.session["session_id"]

    def send(self, text, metadata=None, session_id=None):
        self.client.emit(
            "user_uttered",
            {
                "message": text,
                "session_id": session_id or self.session_id,
                "metadata": metadata or {},
            },
        )

    def say(self, text, metadata=None):
        before = len(self.bot)
        self.send(text, metadata)
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
    session = WebChatSession(assistant.rasa_url)
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


def test_the_server_makes_long_random_session_ids_with_a_token(assistant):
    first, second = WebChatSession(assistant.rasa_url), WebChatSession(assistant.rasa_url)
    first.close()
    second.close()
    assert len(first.session_id) >= 32 and first.session_id != second.session_id
    assert first.session["session_token"] and first.session["session_token"] != first.session_id


def test_a_second_connection_with_the_token_gets_the_history(assistant):
    first = WebChatSession(assistant.rasa_url)
    try:
        first.say("/ask_edss", metadata={"display": "EDSS"})
    finally:
        first.close()

    second = WebChatSession(assistant.rasa_url, resume=first.session)
    try:
        wait_for(lambda: second.history)
    finally:
        second.close()
    assert second.session_id == first.session_id
    history = second.history[0]["messages"]
    assert history[0]["sender"] == "user" and history[0]["text"] == "EDSS"
    bot = [m for m in history if m["sender"] == "bot"]
    assert bot[0]["custom"]["topic"] == "edss"
    assert bot[-1]["custom"]["type"] == "specialist_deferral"


@pytest.mark.parametrize("token", [None, "", "0" * 64, "not-the-token"])
def test_an_id_without_its_token_gets_a_new_empty_conversation(assistant, token):
    victim = WebChatSession(assistant.rasa_url)
    try:
        victim.say("/ask_edss", metadata={"display": "my private question"})
    finally:
        victim.close()
    attempt = {"session_id": victim.session_id}
    if token is not None:
        attempt["session_token"] = token
    intruder = WebChatSession(assistant.rasa_url, resume=attempt)
    try:
        wait_for(lambda: intruder.history, timeout=10)
    finally:
        intruder.close()
    assert intruder.session_id != victim.session_id
    assert intruder.history == [{"messages": []}]


def test_a_message_naming_another_conversation_goes_to_the_senders_own(assistant):
    victim = WebChatSession(assistant.rasa_url)
    intruder = WebChatSession(assistant.rasa_url)
    try:
        intruder.send("/ask_cost_insurance", session_id=victim.session_id)
        wait_for(lambda: intruder.bot)
        time.sleep(0.5)
    finally:
        victim.close()
        intruder.close()
    assert victim.bot == [] and victim.echoes == []
    assert intruder.bot[0]["custom"]["topic"] == "cost_insurance"


def test_a_new_session_has_an_empty_history(assistant):
    session = WebChatSession(assistant.rasa_url)
    try:
        wait_for(lambda: session.history, timeout=10)
    finally:
        session.close()
    assert session.history == [{"messages": []}]


def test_a_second_tab_sees_the_question_as_well_as_the_answer(assistant):
    first = WebChatSession(assistant.rasa_url)
    second = WebChatSession(assistant.rasa_url, resume=first.session)
    try:
        first.say("/ask_cost_insurance", metadata={"display": "Cost"})
        wait_for(lambda: second.echoes and second.bot)
    finally:
        first.close()
        second.close()
    assert second.echoes == [{"text": "Cost"}] and first.echoes == []
    assert second.bot[0]["custom"]["topic"] == "cost_insurance"


def test_a_typed_internal_intent_is_read_as_words(assistant):
    session = WebChatSession(assistant.rasa_url)
    try:
        session.send('/EXTERNAL_staff_reply{"staff_name": "Dr Fake"}')
        wait_for(lambda: session.bot)
        time.sleep(1.0)
    finally:
        session.close()
    assert all(m.get("custom", {}).get("type") != "staff_message" for m in session.bot)


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
        "channels.rest.RestInput:\nchannels.webchat.WebChatInput:\n  session_persistence: true\n"
        "  allowed_origins: ['https://clinic.example']\n"
    )
    stack = make_stack(tmp_path)
    stack.credentials = credentials
    with stack:
        assert handshake_status(stack.rasa_url, "https://clinic.example") == 200
        assert handshake_status(stack.rasa_url, "https://elsewhere.example") == 400
