"""'Was that helpful? Say yes or no.' on the phone: asked after at most every third evidence
answer of a call, once the whole answer has been heard; a plain yes or no rates that answer as
the web chat's thumbs do, anything else is a new message."""

import asyncio
import urllib.parse

import pytest
from twilio.request_validator import RequestValidator

from channels.voice import ENV_AUTH_TOKEN, ENV_SENDER_SECRET, VoiceInput, parse_form
from channels.voice_lexicon import helpful_rating, load_lexicon
from channels.voice_state import CallState
from channels.voice_twiml import (
    ASK_FEEDBACK_EVERY,
    SpeechSettings,
    render_bot_turn,
    render_more,
    render_repeat,
)

SETTINGS = SpeechSettings()
TOKEN = "test-auth-token-0123456789abcdef"
URL = "http://localhost:5005/webhooks/voice/webhook"
CALL = {"CallSid": "CA0123456789feedback", "From": "+447700900123", "CallStatus": "in-progress"}
RELATED = {"text": "You can also ask about:", "buttons": [
    {"title": "Cost", "payload": "/ask_cost_insurance"}]}  # fmt: skip
OFFER = {"text": "Would you like to talk to a person?", "buttons": [
    {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]}  # fmt: skip


def evidence_answer(*ids, text="Infections are the main risk."):
    return {"text": text, "custom": {"type": "evidence_answer", "evidence_ids": list(ids)}}


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon(with_topics=False)


def asked(reply, lexicon):
    return lexicon.phrase("was_that_helpful") in reply.twiml


def call_of(turns, lexicon, state=None):
    """Renders the turns in order, as one call; the replies."""
    state = state or CallState()
    replies = []
    for messages in turns:
        reply = render_bot_turn(messages, state, SETTINGS, lexicon)
        replies.append(reply)
        state = reply.state
    return replies


# --- when it is asked ------------------------------------------------------------------------
def test_the_question_comes_after_every_third_evidence_answer_at_most(lexicon):
    assert ASK_FEEDBACK_EVERY == 3
    turns = [[evidence_answer(f"topic.item{n}"), RELATED] for n in range(1, 8)]
    replies = call_of(turns, lexicon)
    assert [asked(reply, lexicon) for reply in replies] == [
        False, False, True, False, False, True, False]  # fmt: skip
    assert replies[2].state.feedback_on == ["topic.item3"]
    assert replies[3].state.feedback_on == []


def test_the_question_is_the_last_thing_said_and_its_text_is_the_lexicons(lexicon):
    state = CallState(answers_since_question=ASK_FEEDBACK_EVERY - 1)
    reply = render_bot_turn([evidence_answer("a.b"), RELATED], state, SETTINGS, lexicon)
    assert reply.state.last_said[-1] == lexicon.phrase("was_that_helpful")
    assert lexicon.phrase("was_that_helpful") == "Was that helpful? Say yes or no."


def test_turns_that_are_not_evidence_answers_do_not_count(lexicon):
    turns = [[evidence_answer("a.one")], [{"text": "Hello."}], [{"text": "You're welcome."}]]
    turns += [[evidence_answer("a.two")], [evidence_answer("a.three")]]
    replies = call_of(turns, lexicon)
    assert [asked(reply, lexicon) for reply in replies] == [False, False, False, False, True]


def test_a_turn_with_its_own_yes_or_no_question_is_not_asked_about_the_next_one_is(lexicon):
    state = CallState(answers_since_question=ASK_FEEDBACK_EVERY - 1)
    with_offer = render_bot_turn([evidence_answer("a.one"), OFFER], state, SETTINGS, lexicon)
    assert not asked(with_offer, lexicon) and with_offer.state.feedback_on == []
    following = render_bot_turn([evidence_answer("a.two")], with_offer.state, SETTINGS, lexicon)
    assert asked(following, lexicon) and following.state.feedback_on == ["a.two"]


def test_urgent_help_is_never_followed_by_the_question(lexicon):
    state = CallState(answers_since_question=ASK_FEEDBACK_EVERY - 1)
    urgent = {"text": "Call your local emergency number now.", "custom": {"type": "urgent_help"}}
    reply = render_bot_turn([urgent, evidence_answer("a.one")], state, SETTINGS, lexicon)
    assert not asked(reply, lexicon)


def test_a_long_answer_is_asked_about_only_once_it_has_all_been_heard(lexicon):
    long_text = " ".join(["This is one sentence of a long answer."] * 30)
    state = CallState(answers_since_question=ASK_FEEDBACK_EVERY - 1)
    first = render_bot_turn([evidence_answer("a.long", text=long_text)], state, SETTINGS, lexicon)
    assert not asked(first, lexicon) and first.state.feedback_on == []
    reply = first
    while reply.state.pending:
        reply = render_more(reply.state, SETTINGS, lexicon)
    assert asked(reply, lexicon) and reply.state.feedback_on == ["a.long"]
    again = render_repeat(reply.state, SETTINGS, lexicon)  # "say that again" keeps the question
    assert asked(again, lexicon) and again.state.feedback_on == ["a.long"]


def test_the_count_and_the_question_survive_the_state_store(lexicon):
    state = CallState(answers_since_question=2, feedback_on=["a.b", "c.d"])
    assert CallState.from_json(state.to_json()) == state


# --- what the caller answers -----------------------------------------------------------------
@pytest.mark.parametrize(
    "heard, rating",
    [("yes", "up"), ("yeah", "up"), ("yes it was", "up"), ("very helpful", "up"),
     ("no", "down"), ("nope", "down"), ("not really", "down"), ("no it wasn't", "down"),
     ("what does it cost", None), ("no what about the cost", None), ("okay", None)],
)  # fmt: skip
def test_a_plain_yes_or_no_is_a_rating_anything_else_is_not(lexicon, heard, rating):
    assert helpful_rating(heard, lexicon) == rating


class FakeAssistant:
    """Answers every message with an evidence answer, and records what it was sent."""

    def __init__(self):
        self.received = []

    async def __call__(self, message):
        self.received.append(message)
        number = len(self.received)
        await message.output_channel.send_response(
            message.sender_id, evidence_answer(f"topic.item{number}")
        )


@pytest.fixture
def channel(monkeypatch):
    monkeypatch.setenv(ENV_AUTH_TOKEN, TOKEN)
    monkeypatch.setenv(ENV_SENDER_SECRET, "test-sender-key-0123456789")
    return VoiceInput.from_credentials({})


def say(channel, assistant, speech=None):
    fields = {**CALL, **({"SpeechResult": speech} if speech else {})}
    signature = RequestValidator(TOKEN).compute_signature(URL, fields)
    form = parse_form(urllib.parse.urlencode(fields).encode())
    return asyncio.run(channel.handle(URL, form, signature, assistant))


def three_answers(channel, assistant):
    """A call: the greeting (an answer here too), then two questions; the third is asked about."""
    say(channel, assistant)
    say(channel, assistant, "what are the side effects")
    _, twiml = say(channel, assistant, "how long is recovery")
    assert "Was that helpful?" in twiml


@pytest.mark.parametrize("speech, rating", [("Yes.", "up"), ("No, not really.", "down")])
def test_yes_or_no_after_the_question_rates_that_answer(channel, speech, rating):
    assistant = FakeAssistant()
    three_answers(channel, assistant)
    say(channel, assistant, speech)
    sent = assistant.received[-1]
    assert sent.text == '/give_feedback{"feedback_value":"%s"}' % rating
    assert sent.metadata["feedback_on"] == ["topic.item3"]
    assert sent.metadata["display"] == speech


def test_anything_else_after_the_question_is_a_new_message(channel):
    assistant = FakeAssistant()
    three_answers(channel, assistant)
    say(channel, assistant, "What does it cost?")
    sent = assistant.received[-1]
    assert sent.text == "what does it cost"
    assert "feedback_on" not in sent.metadata
    say(channel, assistant, "Yes.")  # the question was not asked again: a plain yes
    assert assistant.received[-1].text == "yes"


def test_a_yes_without_the_question_is_not_a_rating(channel):
    assistant = FakeAssistant()
    say(channel, assistant)
    say(channel, assistant, "Yes.")
    assert assistant.received[-1].text == "yes"
