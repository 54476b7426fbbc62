"""Asking for a person by phone: put through to the staff line on duty, a callback otherwise."""

import xml.etree.ElementTree as ET

import pytest

from handoff.store import HandoffStore
from tests.integration.conftest import make_stack
from tests.integration.test_voice_channel import PUBLIC_URL, SECRET, TOKEN, TRANSFER, Call, says

pytestmark = pytest.mark.server


def voice_stack(directory, hours):
    credentials = directory / "credentials.yml"
    credentials.write_text('rest:\nchannels.voice.VoiceInput:\n  language: "en-GB"\n')
    db_url = f"sqlite:///{directory / 'handoff.db'}"
    stack = make_stack(directory)
    stack.credentials = credentials
    stack.extra_env |= {
        "TWILIO_AUTH_TOKEN": TOKEN,
        "VOICE_SENDER_SECRET": SECRET,
        "VOICE_PUBLIC_URL": PUBLIC_URL,
        "VOICE_TRANSFER_NUMBER": TRANSFER,
        "HANDOFF_DB_URL": db_url,
        "HANDOFF_HOURS": hours,
    }
    return stack, HandoffStore.from_url(db_url)


@pytest.fixture(scope="module")
def on_duty(tmp_path_factory):
    stack, store = voice_stack(tmp_path_factory.mktemp("on-duty"), "always")
    with stack:
        yield stack, store


@pytest.fixture(scope="module")
def off_duty(tmp_path_factory):
    stack, store = voice_stack(tmp_path_factory.mktemp("off-duty"), "never")
    with stack:
        yield stack, store


def test_on_duty_a_caller_asking_for_a_person_is_put_through(on_duty):
    stack, _ = on_duty
    call = Call(stack, "CAperson0000000000000000000000001")
    call.answer()
    consent = call.say("can i speak to a nurse please")
    assert any("put you through" in text for text in says(consent))
    root = ET.fromstring(call.say("yes please"))
    dial = root.find("Dial")
    assert dial is not None and dial.text == TRANSFER
    spoken_first = [child for child in root if child.tag == "Say"]
    assert spoken_first and list(root).index(spoken_first[0]) < list(root).index(dial)


def test_off_duty_a_caller_leaves_a_callback_request_by_voice(off_duty):
    stack, store = off_duty
    call = Call(stack, "CAcallback00000000000000000000001")
    call.answer()
    call.say("i want to talk to a real person")
    offer = " ".join(says(call.say("yes")))
    assert "no one from our staff is available" in offer
    assert "name" in " ".join(says(call.say("yes")))
    assert "digit by digit" in " ".join(says(call.say("Sam Jones")))
    done = " ".join(says(call.say("oh seven seven double oh nine oh oh one two three")))
    assert "Sam Jones" in done
    [request] = store.list_callbacks()
    assert request["name"] == "Sam Jones" and request["channel"] == "voice"
    assert request["contact"].replace(" ", "") == "07700900123"
    assert ET.fromstring(call.transcript[-1][1]).find("Dial") is None
