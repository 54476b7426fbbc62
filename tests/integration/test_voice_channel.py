"""The phone channel against the real assistant: Twilio-format webhooks, signed or forged.

One assistant for the module, started with a credentials file that registers
channels.voice.VoiceInput and the environment a deployment behind a proxy would have (the public
URL Twilio signs differs from the local one the test posts to). Every TwiML reply is parsed.
"""

import hashlib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from twilio.request_validator import RequestValidator

from channels.voice import conversation_id
from channels.voice_lexicon import load_lexicon
from tests.integration.conftest import make_stack, tracker

pytestmark = pytest.mark.server

TOKEN = "test-twilio-auth-token-0123456789"
SECRET = "test-voice-sender-key-0123456789"
PUBLIC_URL = "https://voice.example.test"
WEBHOOK_PATH = "/webhooks/voice/webhook"
TRANSFER = "+441134960999"
CALLER = "+447700900123"
MARKUP = ("*", "[", "](", "http", "www.", "#", "`", "_")


@pytest.fixture(scope="module")
def voice(tmp_path_factory):
    directory = tmp_path_factory.mktemp("voice")
    credentials = directory / "credentials.yml"
    credentials.write_text(
        "rest:\n"
        "channels.voice.VoiceInput:\n"
        '  language: "en-GB"\n'
        '  speech_model: "phone_call"\n'
        '  enhanced: "true"\n'
        '  max_silences: "2"\n'
        # short parts, so every two-item answer is split and "more" is tried end to end
        '  max_say_chars: "300"\n'
    )
    stack = make_stack(directory)
    stack.credentials = credentials
    stack.extra_env |= {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "VOICE_SENDER_SECRET": SECRET,
        "VOICE_PUBLIC_URL": PUBLIC_URL,
        "VOICE_TRANSFER_NUMBER": TRANSFER,
        "LOG_LEVEL": "DEBUG",  # the privacy test reads everything the server logged
    }
    stack.start()
    yield stack
    stack.stop()


def assert_never_empty(twiml):
    root = ET.fromstring(twiml)
    assert root.tag == "Response" and len(root), twiml
    assert any(root.iter(tag) for tag in ("Say", "Dial", "Hangup")), twiml


def says(twiml):
    return [element.text for element in ET.fromstring(twiml).iter("Say")]


class Call:
    """One phone call, posting what Twilio posts (form-encoded, signed with the public URL)."""

    def __init__(self, stack, call_sid):
        self.stack, self.call_sid = stack, call_sid
        self.transcript = []

    @property
    def sender_id(self):
        return conversation_id(self.call_sid, SECRET.encode())

    def fields(self, speech=None, status="in-progress"):
        fields = {
            "AccountSid": "AC00000000000000000000000000000000",
            "ApiVersion": "2010-04-01",
            "CallSid": self.call_sid,
            "CallStatus": status,
            "Direction": "inbound",
            "From": CALLER,
            "Caller": CALLER,
            "To": "+441134960000",
            "Called": "+441134960000",
            "CallerCity": "",
            "CallerCountry": "GB",
        }
        if speech is not None:
            fields.update({"SpeechResult": speech, "Confidence": "0.87", "Language": "en-GB"})
        return fields

    def post(self, speech=None, status="in-progress", signature="sign", body=None):
        fields = self.fields(speech, status)
        if signature == "sign":
            signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + WEBHOOK_PATH, fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        request = urllib.request.Request(
            self.stack.rasa_url + WEBHOOK_PATH,
            data=(body or urllib.parse.urlencode(fields)).encode(),
            headers=headers,
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status_code, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status_code, text = error.code, error.read().decode()
            error.close()
        if status_code == 200:
            assert_never_empty(text)
            self.transcript.append((speech, text))
        return status_code, text

    def say(self, speech):
        status_code, twiml = self.post(speech)
        assert status_code == 200
        return twiml

    def answer(self):
        status_code, twiml = self.post(status="ringing")
        assert status_code == 200
        return twiml


def user_events(stack, sender_id):
    return [e for e in tracker(stack, sender_id)["events"] if e["event"] == "user"]


def test_the_health_route_answers_without_a_signature(voice):
    with urllib.request.urlopen(voice.rasa_url + "/webhooks/voice/", timeout=30) as response:
        assert json.loads(response.read()) == {"status": "ok"}


def test_forged_requests_are_refused_and_never_reach_the_assistant(voice):
    call = Call(voice, "CAforged0000000000000000000000001")
    fields = call.fields("what is hsct")
    internal = RequestValidator(TOKEN).compute_signature(voice.rasa_url + WEBHOOK_PATH, fields)
    tampered = urllib.parse.urlencode({**fields, "SpeechResult": "/ask_cost_insurance"})
    assert call.post("what is hsct", signature=None)[0] == 403
    assert call.post("what is hsct", signature="bm90IGEgc2lnbmF0dXJl")[0] == 403
    assert call.post("what is hsct", body=tampered)[0] == 403
    assert call.post("what is hsct", signature=internal)[0] == 403  # not the URL Twilio used
    assert user_events(voice, call.sender_id) == []


def test_a_call_is_answered_spoken_and_continued(voice, capsys):
    call = Call(voice, "CAflow00000000000000000000000001")
    greeting = call.answer()
    assert "automated assistant" in " ".join(says(greeting))

    # a recogniser-style question, understood and answered with a named source
    answer = call.say("What are the side effects of H S C T?")
    spoken = says(answer)
    assert re.search(r"according to|society|study|trial", spoken[0].lower())
    assert not any(mark in text for text in spoken for mark in MARKUP)
    assert "Say more to hear the rest" in " ".join(spoken)
    assert "not medical advice" in spoken[-1]  # the deferral is last
    asked = user_events(voice, call.sender_id)[-1]
    assert asked["text"] == "what are the side effects of hsct"
    assert asked["parse_data"]["intent"]["name"] == "ask_side_effects"

    # "more" continues the split answer, then the related topics are offered as choices
    rest = says(call.say("more"))
    assert rest[0] not in spoken and rest[0].endswith(".")
    assert rest[-2].startswith("You can also ask about: more detail, how safe it is")
    assert "not medical advice" in rest[-1]
    assert len(user_events(voice, call.sender_id)) == 2  # "more" never reached the assistant

    # saying a choice's words sends that button's payload
    chosen = says(call.say("how safe is it"))
    picked = user_events(voice, call.sender_id)[-1]
    assert picked["text"] == "/ask_mortality_safety"
    assert picked["metadata"]["display"] == "how safe is it"
    assert chosen[0] not in spoken + rest and "not medical advice" in chosen[-1]

    with capsys.disabled():  # the transcript of three turns, for the record
        print("\n--- voice transcript ---")
        for heard, twiml in call.transcript[1:4]:
            print(f"caller: {heard!r}\n{twiml}\n")


def test_silence_reprompts_then_ends_the_call_politely(voice):
    lexicon = load_lexicon(with_topics=False)
    call = Call(voice, "CAsilence000000000000000000000001")
    call.answer()
    first = call.post()[1]  # Gather timed out: Twilio posts without SpeechResult
    assert says(first) == [lexicon.phrase("didnt_catch"), lexicon.phrase("reprompt")]
    assert ET.fromstring(first).find("Gather") is not None
    second = ET.fromstring(call.post()[1])
    assert [child.tag for child in second] == ["Say", "Hangup"]
    assert second.find("Say").text == lexicon.phrase("goodbye")


def test_an_emergency_gets_urgent_help_first_then_a_transfer(voice):
    call = Call(voice, "CAemergency00000000000000000000001")
    call.answer()
    root = ET.fromstring(call.say("I have a high fever, my transplant was ten days ago"))
    assert root[0].tag == "Say" and "emergency number" in root[0].text
    dial = root.find("Dial")
    assert dial is not None and dial.text == TRANSFER
    children = list(root)
    assert children.index(root[0]) < children.index(dial)
    assert user_events(voice, call.sender_id)[-1]["parse_data"]["intent"]["name"] == "emergency"


@pytest.mark.parametrize("speech", ["", "   ", "???", "qwzx plorb vvvv", "um " * 200])
def test_odd_speech_always_gets_something_said(voice, speech):
    call = Call(voice, "CAodd" + hashlib.sha1(speech.encode()).hexdigest()[:27])
    call.answer()
    status_code, twiml = call.post(speech)
    assert status_code == 200 and says(twiml)


def test_the_caller_s_number_is_in_no_log_and_no_conversation(voice):
    call = Call(voice, "CAprivacy00000000000000000000001")
    call.answer()
    call.say("how much does h s c t cost")
    conversation = tracker(voice, call.sender_id)
    assert conversation["sender_id"] == call.sender_id and CALLER not in call.sender_id
    assert user_events(voice, call.sender_id), "the call reached the assistant"
    assert CALLER not in json.dumps(conversation)
    database = (voice.endpoints.parent / "conversations.db").read_bytes()
    assert CALLER.encode() not in database and call.call_sid.encode() not in database
    logs = "".join(path.read_text(errors="replace") for path in voice.log_dir.glob("*.log"))
    assert call.sender_id in logs  # the server did log this call (at DEBUG) ...
    assert CALLER not in logs and CALLER.lstrip("+") not in logs  # ... but never the number
