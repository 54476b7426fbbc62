"""The voice input channel in-process: configuration, signatures, privacy and the call flow.

The webhook logic (`VoiceInput.handle`) is framework-free; a fake assistant stands in for Rasa.
The same paths against the real assistant are in tests/integration/test_voice_channel.py.
"""

import asyncio
import logging
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from rasa.shared.exceptions import InvalidConfigException
from sanic import Sanic
from twilio.request_validator import RequestValidator

from channels.rate_limits import MessageRates
from channels.user_input import TOO_LONG_INTENT
from channels.voice import (
    ENV_AUTH_TOKEN,
    ENV_DEV_INSECURE,
    ENV_PUBLIC_URL,
    ENV_SENDER_SECRET,
    ENV_TRANSFER_NUMBER,
    SIGNATURE_HEADER,
    RedactPhoneNumbers,
    VoiceInput,
    VoiceOutput,
    conversation_id,
    parse_form,
)
from channels.voice_state import InMemoryCallStateStore

TOKEN = "test-auth-token-0123456789abcdef"
SECRET = "test-sender-key-0123456789"
URL = "http://localhost:5005/webhooks/voice/webhook"
CALLER = "+447700900123"
CALL = {"CallSid": "CA0123456789abcdef", "AccountSid": "AC1", "From": CALLER,
        "Caller": CALLER, "To": "+441134960000", "CallStatus": "in-progress",
        "CallerCity": ""}  # fmt: skip
WEBHOOK_PATH = "/webhooks/voice/webhook"
QUESTIONS = ["what is hsct", "is it safe", "how much does it cost"]
URGENT = {"text": "Call your local emergency number now.", "custom": {"type": "urgent_help"}}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (ENV_AUTH_TOKEN, ENV_SENDER_SECRET, ENV_PUBLIC_URL, ENV_TRANSFER_NUMBER,
                 ENV_DEV_INSECURE, "REDIS_URL", "SANIC_WORKERS"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def configured(monkeypatch):
    monkeypatch.setenv(ENV_AUTH_TOKEN, TOKEN)
    monkeypatch.setenv(ENV_SENDER_SECRET, SECRET)


class FakeAssistant:
    """Answers every message with scripted bot messages, and records what it was sent."""

    def __init__(self, *replies):
        self.replies = list(replies) or [[{"text": "Hello."}]]
        self.received = []

    async def __call__(self, message):
        self.received.append(message)
        script = self.replies[min(len(self.received), len(self.replies)) - 1]
        for bot_message in script:
            await message.output_channel.send_response(message.sender_id, dict(bot_message))


def signed(fields, url=URL, token=TOKEN):
    return RequestValidator(token).compute_signature(url, fields)


def post(channel, assistant, fields, signature="sign", url=URL, body=None):
    """One webhook as Twilio sends it; `body` overrides the form (to tamper with it)."""
    if signature == "sign":
        signature = signed(fields, url)
    form = parse_form((body or urllib.parse.urlencode(fields)).encode())
    return asyncio.run(channel.handle(url, form, signature, assistant))


def says(twiml):
    return [e.text for e in ET.fromstring(twiml).iter("Say")]


# --- configuration -------------------------------------------------------------------------
def test_the_channel_and_its_output_are_called_voice(configured):
    channel = VoiceInput.from_credentials(None)
    assert VoiceInput.name() == VoiceOutput.name() == "voice"
    assert channel.settings.language == "en-US" and channel.settings.max_silences == 2
    assert isinstance(channel.state_store, InMemoryCallStateStore)


def test_it_refuses_to_start_without_a_twilio_token(monkeypatch):
    monkeypatch.setenv(ENV_SENDER_SECRET, SECRET)
    with pytest.raises(InvalidConfigException, match=ENV_AUTH_TOKEN):
        VoiceInput.from_credentials({})


@pytest.mark.parametrize("secret", [None, "", "short", "changeme"])
def test_it_refuses_to_start_without_a_real_sender_secret(monkeypatch, secret):
    monkeypatch.setenv(ENV_AUTH_TOKEN, TOKEN)
    if secret is not None:
        monkeypatch.setenv(ENV_SENDER_SECRET, secret)
    with pytest.raises(InvalidConfigException, match=ENV_SENDER_SECRET):
        VoiceInput.from_credentials({})


def test_credentials_may_be_strings_booleans_or_numbers(configured):
    quoted = VoiceInput.from_credentials(
        {"enhanced": "true", "speech_timeout": "4", "timeout": "7", "max_silences": "3"}
    )
    bare = VoiceInput.from_credentials(
        {"enhanced": True, "speech_timeout": 4, "timeout": 7, "max_silences": 3}
    )
    assert quoted.settings == bare.settings
    assert bare.settings.speech_timeout == "4" and bare.settings.max_silences == 3


def test_language_picks_a_matching_voice(configured):
    assert VoiceInput.from_credentials({"language": "en-GB"}).settings.voice == "Polly.Amy-Neural"


@pytest.mark.parametrize(
    "credentials",
    [
        {"language": "fr-FR"},
        {"voice": "robot"},
        {"speech_model": "magic"},
        {"speech_model": "default", "enhanced": "true"},
        {"enhanced": "maybe"},
        {"speech_timeout": "auto"},
        {"speech_timeout": "0"},
        {"max_silences": 0},
        {"max_say_chars": "lots"},
    ],
)
def test_invalid_settings_stop_the_start(configured, credentials):
    with pytest.raises(InvalidConfigException):
        VoiceInput.from_credentials(credentials)


@pytest.mark.parametrize("variable, value", [(ENV_TRANSFER_NUMBER, "0800 123"),
                                             (ENV_PUBLIC_URL, "voice.example.org")])  # fmt: skip
def test_invalid_environment_stops_the_start(configured, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidConfigException, match=variable):
        VoiceInput.from_credentials({})


def test_the_development_switch_is_loud_at_start_and_on_every_request(monkeypatch, caplog):
    monkeypatch.setenv(ENV_DEV_INSECURE, "true")
    with caplog.at_level(logging.WARNING, logger="channels.voice"):
        channel = VoiceInput.from_credentials({})
    assert "NOT verified" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="channels.voice"):
        status, _ = post(channel, FakeAssistant(), CALL, signature=None)
    assert status == 200 and "NOT verified" in caplog.text


def test_the_development_switch_is_off_unless_set(configured, monkeypatch):
    monkeypatch.setenv(ENV_DEV_INSECURE, "false")
    assert VoiceInput.from_credentials({}).validator is not None


# --- signatures ----------------------------------------------------------------------------
def test_a_signed_request_reaches_the_assistant(configured):
    assistant = FakeAssistant()
    status, twiml = post(VoiceInput.from_credentials({}), assistant, CALL)
    assert status == 200 and says(twiml) == ["Hello."]
    assert len(assistant.received) == 1


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl"])
def test_unsigned_or_forged_requests_are_refused(configured, signature):
    assistant = FakeAssistant()
    status, body = post(VoiceInput.from_credentials({}), assistant, CALL, signature=signature)
    assert status == 403 and "Forbidden" in body
    assert assistant.received == []


def test_a_tampered_body_is_refused(configured):
    assistant = FakeAssistant()
    fields = {**CALL, "SpeechResult": "what is hsct"}
    tampered = urllib.parse.urlencode({**fields, "SpeechResult": "/ask_cost_insurance"})
    status, _ = post(VoiceInput.from_credentials({}), assistant, fields, body=tampered)
    assert status == 403 and assistant.received == []


def test_a_request_signed_with_another_token_is_refused(configured):
    channel = VoiceInput.from_credentials({})
    status, _ = post(channel, FakeAssistant(), CALL, signature=signed(CALL, token="x" * 32))
    assert status == 403


def test_blank_fields_are_part_of_the_signature():
    # Twilio signs every field, blank ones too; Sanic's request.form would drop them
    assert parse_form(b"CallSid=CA1&CallerCity=&SpeechResult=hi")["CallerCity"] == [""]


class SanicSees:
    """The parts of a Sanic request the channel reads to know the URL Twilio signed."""

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        self.url, self.path, self.query_string = url, parsed.path, parsed.query


def test_behind_a_proxy_the_public_url_is_the_one_verified(configured, monkeypatch):
    monkeypatch.setenv(ENV_PUBLIC_URL, "https://voice.example.org/")
    channel = VoiceInput.from_credentials({})
    public = "https://voice.example.org/webhooks/voice/webhook?attempt=2"
    seen = channel.signed_url(SanicSees("http://10.0.0.5:5005/webhooks/voice/webhook?attempt=2"))
    assert seen == public
    internal = "http://10.0.0.5:5005/webhooks/voice/webhook?attempt=2"
    for signed_for, expected in ((public, 200), (internal, 403)):
        status, _ = post(
            channel, FakeAssistant(), CALL, url=seen, signature=signed(CALL, signed_for)
        )
        assert status == expected
    _, twiml = post(channel, FakeAssistant(), {**CALL, "CallSid": "CA2"}, url=seen)
    action = ET.fromstring(twiml).find("Gather").get("action")
    assert action == "https://voice.example.org/webhooks/voice/webhook"


def test_without_a_public_url_the_url_sanic_saw_is_verified(configured):
    channel = VoiceInput.from_credentials({})
    assert channel.signed_url(SanicSees(URL)) == URL


def test_a_request_without_a_call_is_a_bad_request(configured):
    fields = {k: v for k, v in CALL.items() if k != "CallSid"}
    assert post(VoiceInput.from_credentials({}), FakeAssistant(), fields)[0] == 400


# --- privacy -------------------------------------------------------------------------------
def test_the_conversation_id_is_derived_from_the_call_not_the_number():
    derived = conversation_id("CA0123", SECRET.encode())
    assert derived == conversation_id("CA0123", SECRET.encode())
    assert derived != conversation_id("CA0123", b"another-secret-entirely")
    assert derived != conversation_id("CA0124", SECRET.encode())
    assert "CA0123" not in derived and CALLER not in derived


def test_phone_numbers_never_reach_the_assistant_or_the_logs(configured, caplog):
    channel = VoiceInput.from_credentials({})
    assistant = FakeAssistant([{"text": "Hello."}], [URGENT])
    with caplog.at_level(logging.DEBUG):
        post(channel, assistant, CALL)
        post(channel, assistant, {**CALL, "SpeechResult": "I can't breathe", "Confidence": "0.8"})
        post(channel, assistant, {**CALL, "SpeechResult": "x"}, signature="forged")
        post(channel, assistant, {**CALL, "CallStatus": "completed"})
    assert caplog.records, "the channel logs what it does"
    assert CALLER not in caplog.text and CALLER.lstrip("+") not in caplog.text
    for message in assistant.received:
        assert message.sender_id == conversation_id(CALL["CallSid"], SECRET.encode())
        assert CALLER not in repr(message.metadata) and CALLER not in message.sender_id


def test_the_log_filter_redacts_anything_shaped_like_a_number():
    record = logging.LogRecord("channels.voice", logging.INFO, __file__, 1,
                               "call from %s", ("+44 7700 900123",), None)  # fmt: skip
    RedactPhoneNumbers().filter(record)
    assert record.getMessage() == "call from [number]"


# --- the call flow -------------------------------------------------------------------------
def test_a_spoken_choice_sends_its_button_payload(configured):
    related = {"text": "You can also ask about:", "buttons": [
        {"title": "Side effects", "payload": "/ask_side_effects"},
        {"title": "Safety and risks", "payload": "/ask_mortality_safety"}]}  # fmt: skip
    assistant = FakeAssistant([related], [{"text": "Side effects answer."}])
    channel = VoiceInput.from_credentials({})
    post(channel, assistant, CALL)
    post(channel, assistant, {**CALL, "SpeechResult": "Safety.", "Confidence": "0.71"})
    chosen = assistant.received[-1]
    assert chosen.text == "/ask_mortality_safety"
    address = chosen.metadata.pop("address_key")  # the caller's number, as a keyed hash
    assert chosen.metadata == {"display": "Safety.", "speech_confidence": 0.71}
    assert len(address) == 32 and CALLER not in address
    assert chosen.input_channel == "voice"


def test_recognised_speech_is_normalised_before_nlu(configured):
    assistant = FakeAssistant()
    channel = VoiceInput.from_credentials({})
    post(channel, assistant, CALL)
    post(channel, assistant, {**CALL, "SpeechResult": "What are the side effects of H S C T?"})
    assert assistant.received[-1].text == "what are the side effects of hsct"


def test_the_first_request_of_a_call_greets(configured):
    assistant = FakeAssistant()
    post(VoiceInput.from_credentials({}), assistant, {**CALL, "CallStatus": "ringing"})
    assert assistant.received[0].text == "/greet"


def test_twilio_retrying_the_first_request_greets_again_not_counted_as_silence(configured):
    assistant = FakeAssistant()
    channel = VoiceInput.from_credentials({})
    post(channel, assistant, {**CALL, "CallStatus": "ringing"})
    _, twiml = post(channel, assistant, {**CALL, "CallStatus": "ringing"})
    assert [m.text for m in assistant.received] == ["/greet", "/greet"]
    assert says(twiml) == ["Hello."]


def test_more_and_repeat_are_answered_by_the_connector(configured):
    long_answer = {"text": " ".join(["This is one sentence of a long answer."] * 20)}
    assistant = FakeAssistant([long_answer])
    channel = VoiceInput.from_credentials({})
    _, first = post(channel, assistant, CALL)
    _, more = post(channel, assistant, {**CALL, "SpeechResult": "more"})
    _, again = post(channel, assistant, {**CALL, "SpeechResult": "say that again"})
    assert len(assistant.received) == 1  # neither went to the assistant
    assert says(more) != says(first) and says(again) == says(more)


def test_emergency_without_a_transfer_number_speaks_and_listens(configured):
    status, twiml = post(VoiceInput.from_credentials({}), FakeAssistant([URGENT]), CALL)
    root = ET.fromstring(twiml)
    assert status == 200 and root[0].text == URGENT["text"]
    assert root.find("Dial") is None and root.find("Hangup") is None
    assert root.find("Gather") is not None


def test_emergency_with_a_transfer_number_dials_it(configured, monkeypatch):
    monkeypatch.setenv(ENV_TRANSFER_NUMBER, "+44 113 496 0999")
    _, twiml = post(VoiceInput.from_credentials({}), FakeAssistant([URGENT]), CALL)
    root = ET.fromstring(twiml)
    assert root[0].text == URGENT["text"] and root.find("Dial").text == "+441134960999"


def test_a_failing_assistant_is_an_apology_not_an_error(configured, caplog):
    async def broken(message):
        raise RuntimeError("tracker store down")

    with caplog.at_level(logging.ERROR):
        status, twiml = post(VoiceInput.from_credentials({}), broken, CALL)
    assert status == 200 and ET.fromstring(twiml).find("Gather") is not None
    assert "failed" in caplog.text


class BrokenStore(InMemoryCallStateStore):
    async def load(self, call_id):
        raise ConnectionError("redis is down")


def test_a_broken_state_store_is_an_apology_not_an_error(configured, caplog):
    channel = VoiceInput.from_credentials({})
    channel.state_store = BrokenStore()
    with caplog.at_level(logging.ERROR):
        status, twiml = post(channel, FakeAssistant(), CALL)
    assert status == 200 and ET.fromstring(twiml).find("Gather") is not None
    assert "Could not read the state" in caplog.text


def test_a_finished_call_is_forgotten(configured):
    channel = VoiceInput.from_credentials({})
    post(channel, FakeAssistant(), CALL)
    call_id = conversation_id(CALL["CallSid"], SECRET.encode())
    assert asyncio.run(channel.state_store.load(call_id)) is not None
    _, twiml = post(channel, FakeAssistant(), {**CALL, "CallStatus": "completed"})
    assert ET.fromstring(twiml).find("Hangup") is not None
    assert asyncio.run(channel.state_store.load(call_id)) is None


def test_too_long_a_speech_asks_to_shorten_it_and_the_nlu_never_reads_it(configured, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_MESSAGE_CHARS", "100")
    assistant = FakeAssistant()
    channel = VoiceInput.from_credentials({})
    post(channel, assistant, CALL)
    post(channel, assistant, {**CALL, "SpeechResult": "and then my neurologist said " * 5})
    assert assistant.received[-1].text == TOO_LONG_INTENT


def test_a_call_talking_faster_than_its_rate_hears_an_apology(configured, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MESSAGES_PER_CONVERSATION_PER_MINUTE", "2")
    assistant = FakeAssistant()
    channel = VoiceInput.from_credentials({})
    channel.rates = MessageRates.from_settings(channel.limits, clock=lambda: 1000.0)
    post(channel, assistant, CALL)  # the greeting is the connector's, not counted
    spoken = [post(channel, assistant, {**CALL, "SpeechResult": q})[1] for q in QUESTIONS]
    assert [m.text for m in assistant.received] == ["/greet", *QUESTIONS[:2]]
    assert says(spoken[-1]) == [channel.lexicon.phrase("technical_problem")]
    assert ET.fromstring(spoken[-1]).find("Gather") is not None  # and it keeps listening
    post(channel, assistant, {**CALL, "CallSid": "CA2", "SpeechResult": "what is hsct"})
    assert assistant.received[-1].text == "what is hsct"  # another call goes on


# --- the webhook route, in process through Sanic's ASGI interface (no server, no socket) ----
class BodyChunks:
    """An ASGI `receive` that hands out a request body in chunks and counts those asked for."""

    def __init__(self, *chunks):
        self.chunks = list(chunks)
        self.read = 0

    async def __call__(self):
        self.read += 1
        chunk = self.chunks[self.read - 1] if self.read <= len(self.chunks) else b""
        return {"type": "http.request", "body": chunk, "more_body": self.read < len(self.chunks)}


async def _webhook(channel, assistant, headers, body):
    app = Sanic("voice_webhook_test")
    app.blueprint(channel.blueprint(assistant), url_prefix="/webhooks/voice")
    lifespan, sent = asyncio.Queue(), []
    started = asyncio.Event()

    async def lifespan_said(message):
        if message["type"] == "lifespan.startup.complete":
            started.set()

    await lifespan.put({"type": "lifespan.startup"})
    running = asyncio.create_task(app({"type": "lifespan"}, lifespan.get, lifespan_said))
    await started.wait()
    scope = {
        "type": "http", "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": WEBHOOK_PATH, "query_string": b"", "root_path": "",
        "headers": [(b"host", b"localhost"), *[(k.encode(), v.encode()) for k, v in headers]],
        "client": ("203.0.113.9", 4000), "server": ("localhost", 80),
    }  # fmt: skip

    async def collect(message):
        sent.append(message)

    await app(scope, body, collect)
    # no shutdown: Sanic 21.12 then goes on to handle the lifespan scope as a request
    running.cancel()
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def webhook(channel, assistant, headers, body, monkeypatch):
    """(status, body) of one POST to the channel's webhook route as Sanic serves it."""
    monkeypatch.setattr(Sanic, "test_mode", True)  # (allows an app of the same name per test)
    return asyncio.run(_webhook(channel, assistant, headers, body))


def test_the_route_answers_a_signed_call_read_in_chunks(configured, monkeypatch):
    channel, assistant = VoiceInput.from_credentials({}), FakeAssistant()
    form = urllib.parse.urlencode(CALL).encode()
    signature = signed(CALL, url=f"http://localhost{WEBHOOK_PATH}")
    body = BodyChunks(form[:40], form[40:])
    status, twiml = webhook(channel, assistant, [(SIGNATURE_HEADER, signature)], body, monkeypatch)
    assert status == 200 and says(twiml) == ["Hello."]
    assert len(assistant.received) == 1


def test_a_request_without_a_signature_is_refused_before_its_body_is_read(configured, monkeypatch):
    channel, assistant = VoiceInput.from_credentials({}), FakeAssistant()
    body = BodyChunks(urllib.parse.urlencode(CALL).encode())
    status, _ = webhook(channel, assistant, [], body, monkeypatch)
    assert status == 403
    assert body.read == 0 and assistant.received == []


def test_a_body_declared_over_the_cap_is_refused_before_it_is_read(configured, monkeypatch):
    channel, assistant = VoiceInput.from_credentials({}), FakeAssistant()
    cap = channel.limits.max_request_bytes
    body = BodyChunks(b"x" * (cap + 1))
    headers = [(SIGNATURE_HEADER, "signed"), ("content-length", str(cap + 1))]
    assert webhook(channel, assistant, headers, body, monkeypatch)[0] == 413
    assert body.read == 0 and assistant.received == []


def test_a_body_sent_without_its_length_is_read_only_up_to_the_cap(configured, monkeypatch):
    channel, assistant = VoiceInput.from_credentials({}), FakeAssistant()
    half = b"x" * (channel.limits.max_request_bytes // 2 + 1)
    body = BodyChunks(half, half, half, half)
    assert webhook(channel, assistant, [(SIGNATURE_HEADER, "signed")], body, monkeypatch)[0] == 413
    assert body.read == 2 and assistant.received == []
