"""The pure renderer: a turn's bot messages -> TwiML the caller hears, and the call's state."""

import re
import xml.etree.ElementTree as ET

import pytest

from actions.evidence_store import get_store
from actions.rendering import related_buttons, rendered_answer
from channels.voice_lexicon import load_lexicon, speakable
from channels.voice_state import CallState
from channels.voice_twiml import (
    SpeechSettings,
    plan_turn,
    render_bot_turn,
    render_hangup,
    render_more,
    render_problem,
    render_repeat,
    render_silence,
)

SETTINGS = SpeechSettings(action_url="https://voice.example.test/webhooks/voice/webhook")
WITH_TRANSFER = SpeechSettings(transfer_number="+441234567890")
MARKUP = re.compile(r"\*|\]\(|https?://|www\.|\[|\]|`|#")


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


def variant(domain, response, channel="voice"):
    """The response's variation for a channel (the default one if it has none)."""
    variants = domain["responses"][response]
    chosen = next((v for v in variants if v.get("channel") == channel), variants[0])
    return {k: v for k, v in chosen.items() if k != "channel"}


def answer_turn(domain, topic_id):
    """What action_answer_question sends on the voice channel for a topic."""
    store = get_store()
    topic = store.topics[topic_id]
    rendered = rendered_answer(store, topic, store.select_items(topic_id))
    answer = {"text": rendered["spoken"], "custom": rendered["payload"]}
    related = variant(domain, "utter_related_topics_with_more")
    related["buttons"] = related.get("buttons", []) + related_buttons(store, topic)
    return [answer, related, variant(domain, "utter_specialist_deferral")]


def says(twiml):
    return [element.text for element in ET.fromstring(twiml).iter("Say")]


def gather(twiml):
    return ET.fromstring(twiml).find("Gather")


def assert_never_empty(twiml):
    root = ET.fromstring(twiml)
    assert root.tag == "Response"
    assert any(root.iter(tag) for tag in ("Say", "Dial", "Hangup")), twiml
    assert all((say.text or "").strip() for say in root.iter("Say"))


def test_a_cited_answer_is_spoken_with_choices_then_the_deferral_last(domain, lexicon):
    reply = render_bot_turn(answer_turn(domain, "eligibility"), CallState(), SETTINGS, lexicon)
    spoken = says(reply.twiml)
    assert_never_empty(reply.twiml)
    assert spoken[0].lower().startswith("according to")
    assert spoken[-1] == speakable(variant(domain, "utter_specialist_deferral")["text"], lexicon)
    assert spoken[-2] == (
        "You can also ask about: more detail, is it right for me, progressive M S, "
        "or the E D S S disability scale."
    )
    assert not any(MARKUP.search(text) for text in spoken)
    assert "evidence_answer" not in reply.twiml  # the citations payload is not read out
    assert [c.payload for c in reply.state.choices] == [
        "/tell_me_more", "/ask_personal_advice", "/ask_progressive_ms", "/ask_edss",
    ]  # fmt: skip
    assert reply.state.pending is None and not reply.hangup


def test_everything_is_said_inside_a_gather_that_listens(domain, lexicon):
    reply = render_bot_turn(answer_turn(domain, "eligibility"), CallState(), SETTINGS, lexicon)
    root = ET.fromstring(reply.twiml)
    listening = gather(reply.twiml)
    assert [child.tag for child in root] == ["Gather", "Redirect"]
    assert listening.get("input") == "speech"
    assert listening.get("action") == SETTINGS.action_url
    assert listening.get("actionOnEmptyResult") == "true"
    assert listening.get("language") == "en-US"
    assert listening.get("speechModel") == "phone_call" and listening.get("enhanced") == "true"
    hints = listening.get("hints").split(", ")
    assert "is it right for me" in hints and "Ocrevus" in hints and "EDSS" in hints
    assert root.find("Redirect").text == SETTINGS.action_url


def test_a_long_answer_is_split_and_more_continues(domain, lexicon):
    turn = answer_turn(domain, "side_effects")
    first = render_bot_turn(turn, CallState(), SETTINGS, lexicon)
    spoken = says(first.twiml)
    assert len(spoken[0]) <= SETTINGS.max_say_chars
    assert spoken[1] == lexicon.phrase("say_more")
    assert spoken[-1] == speakable(variant(domain, "utter_specialist_deferral")["text"], lexicon)
    assert first.state.pending and first.state.choices == []  # choices once the answer is heard

    rest = render_more(first.state, SETTINGS, lexicon)
    continued = says(rest.twiml)
    assert continued[0] == first.state.pending.parts[0]
    assert continued[0] not in spoken
    assert continued[-2].startswith("You can also ask about: more detail, how safe it is")
    assert continued[-1] == spoken[-1]  # the deferral stays last
    assert rest.state.pending is None
    assert [c.payload for c in rest.state.choices][:2] == ["/tell_me_more", "/ask_mortality_safety"]
    assert_never_empty(rest.twiml)


def test_buttons_without_a_list_intro_are_offered_with_you_can_say(domain, lexicon):
    clarify = variant(domain, "utter_did_you_mean")
    clarify["buttons"] = [
        {"title": "Side effects", "payload": "/ask_side_effects"},
        {"title": "Safety and risks", "payload": "/ask_mortality_safety"},
    ] + clarify.get("buttons", [])
    reply = render_bot_turn([clarify], CallState(), SETTINGS, lexicon)
    assert says(reply.twiml) == [
        clarify["text"].strip(),
        "You can say: side effects, how safe it is, or something else.",
    ]


def test_urgent_help_is_spoken_first_and_the_call_transferred(domain, lexicon):
    urgent = variant(domain, "utter_urgent_help")
    messages = [{"text": "Anything else."}, urgent]
    reply = render_bot_turn(messages, CallState(), WITH_TRANSFER, lexicon)
    root = ET.fromstring(reply.twiml)
    assert [child.tag for child in root] == ["Say", "Say", "Dial", "Gather", "Redirect"]
    assert root[0].text == urgent["text"].strip()  # first, outside the Gather: not talked over
    assert root[1].text == lexicon.phrase("transfer")
    assert root.find("Dial").text == "+441234567890"
    assert says(reply.twiml)[-1] == "Anything else."
    assert reply.state.urgent and not reply.hangup


def test_urgent_help_without_a_transfer_number_reprompts_instead(domain, lexicon):
    urgent = variant(domain, "utter_urgent_help")
    reply = render_bot_turn([urgent], CallState(), SETTINGS, lexicon)
    root = ET.fromstring(reply.twiml)
    assert root.find("Dial") is None and root.find("Hangup") is None
    assert [child.tag for child in root] == ["Say", "Gather", "Redirect"]
    assert root[0].text == urgent["text"].strip()
    assert says(reply.twiml)[-1] == lexicon.phrase("after_urgent")


def test_urgent_help_can_leave_the_transfer_to_the_dialogue(domain, lexicon):
    settings = SpeechSettings(transfer_number="+441234567890", dial_on_urgent=False)
    reply = render_bot_turn([variant(domain, "utter_urgent_help")], CallState(), settings, lexicon)
    assert ET.fromstring(reply.twiml).find("Dial") is None


def test_a_transfer_message_dials_the_staff_line_when_there_is_one(lexicon):
    transfer = {"text": "Putting you through now.", "custom": {"type": "transfer"}}
    dialled = ET.fromstring(render_bot_turn([transfer], CallState(), WITH_TRANSFER, lexicon).twiml)
    assert [c.tag for c in dialled] == ["Say", "Dial", "Gather", "Redirect"]
    assert dialled[0].text == "Putting you through now."
    unavailable = render_bot_turn([transfer], CallState(), SETTINGS, lexicon)
    assert ET.fromstring(unavailable.twiml).find("Dial") is None
    assert says(unavailable.twiml)[0] == lexicon.phrase("transfer_unavailable")


@pytest.mark.parametrize(
    "messages", [[], [{"text": ""}], [{"custom": {"type": "evidence_answer"}}]]
)
def test_no_bot_reply_is_never_silence(lexicon, messages):
    reply = render_bot_turn(messages, CallState(), SETTINGS, lexicon)
    assert says(reply.twiml) == [lexicon.phrase("no_reply"), lexicon.phrase("reprompt")]
    assert gather(reply.twiml) is not None


def test_silence_reprompts_then_says_goodbye_and_hangs_up(lexicon):
    state = CallState(last_said=["Hello."])
    first = render_silence(state, SETTINGS, lexicon)
    assert says(first.twiml) == [lexicon.phrase("didnt_catch"), lexicon.phrase("reprompt")]
    assert not first.hangup and first.state.silences == 1
    second = render_silence(first.state, SETTINGS, lexicon)
    root = ET.fromstring(second.twiml)
    assert second.hangup and [c.tag for c in root] == ["Say", "Hangup"]
    assert root[0].text == lexicon.phrase("goodbye")


def test_the_silence_limit_is_configurable_and_reprompts_remind_of_the_choices(domain, lexicon):
    settings = SpeechSettings(max_silences=3)
    turn = answer_turn(domain, "eligibility")
    state = render_bot_turn(turn, CallState(), settings, lexicon).state
    for _ in range(2):
        reply = render_silence(state, settings, lexicon)
        assert not reply.hangup
        assert says(reply.twiml)[-1].startswith("You can say: more detail, is it right for me")
        state = reply.state
    assert render_silence(state, settings, lexicon).hangup


def test_after_urgent_help_the_goodbye_repeats_the_emergency_advice(lexicon):
    reply = render_silence(CallState(silences=1, urgent=True), SETTINGS, lexicon)
    assert says(reply.twiml) == [lexicon.phrase("goodbye_after_urgent")]


def test_say_that_again_repeats_the_last_turn(domain, lexicon):
    first = render_bot_turn(answer_turn(domain, "eligibility"), CallState(), SETTINGS, lexicon)
    again = render_repeat(first.state, SETTINGS, lexicon)
    assert says(again.twiml) == says(first.twiml)
    assert again.state.choices == first.state.choices


def test_goodbye_ends_the_call(domain, lexicon):
    goodbye = {**variant(domain, "utter_goodbye"), "utter_action": "utter_goodbye"}
    reply = render_bot_turn([goodbye], CallState(), SETTINGS, lexicon)
    assert reply.hangup and ET.fromstring(reply.twiml).find("Hangup") is not None
    assert says(reply.twiml) == [goodbye["text"].strip()]


def test_urgent_help_is_never_followed_by_a_hang_up(domain, lexicon):
    goodbye = {**variant(domain, "utter_goodbye"), "utter_action": "utter_goodbye"}
    reply = render_bot_turn(
        [variant(domain, "utter_urgent_help"), goodbye], CallState(), SETTINGS, lexicon
    )
    assert not reply.hangup and gather(reply.twiml) is not None


def test_a_problem_is_an_apology_that_listens(lexicon):
    reply = render_problem(CallState(), SETTINGS, lexicon)
    assert says(reply.twiml) == [lexicon.phrase("technical_problem")]
    assert gather(reply.twiml) is not None


def test_a_finished_call_just_hangs_up():
    assert_never_empty(render_hangup())


def test_plan_turn_sorts_messages_whatever_order_they_come_in(domain, lexicon):
    deferral = variant(domain, "utter_specialist_deferral")
    urgent = variant(domain, "utter_urgent_help")
    turn = plan_turn([deferral, {"text": "Body."}, urgent], lexicon)
    assert turn.urgent and turn.body == ["Body."] and turn.closing


def test_no_path_returns_an_empty_response(domain, lexicon):
    state = CallState()
    replies = [
        render_bot_turn(answer_turn(domain, t), state, s, lexicon)
        for t in ("side_effects", "cost_insurance", "personal_advice")
        for s in (SETTINGS, WITH_TRANSFER)
    ]
    replies += [
        render_bot_turn([variant(domain, "utter_urgent_help")], state, WITH_TRANSFER, lexicon),
        render_more(CallState(), SETTINGS, lexicon),
        render_repeat(CallState(), SETTINGS, lexicon),
        render_silence(CallState(), SETTINGS, lexicon),
        render_silence(CallState(silences=5), SETTINGS, lexicon),
        render_problem(CallState(), SETTINGS, lexicon),
    ]
    for reply in replies:
        assert_never_empty(reply.twiml)


def test_several_questions_are_spoken_one_answer_at_a_time_behind_more(domain, lexicon):
    """Short answers to two questions are still two parts: the caller hears one, then "more"."""
    store = get_store()
    turn = []
    for question, item_id in (
        ("how much does it cost", "cost_insurance.us_cost"),
        ("is it safe", "mortality_safety.overall_risk"),
    ):
        heading = variant(domain, "utter_question_part")
        heading["text"] = heading["text"].format(question=question)
        heading["utter_action"] = "utter_question_part"
        item = store.item(item_id)
        rendered = rendered_answer(store, store.topics[item.topic], [item])
        turn += [heading, {"text": rendered["spoken"], "custom": rendered["payload"]}]
    turn.append(variant(domain, "utter_specialist_deferral"))

    first = render_bot_turn(turn, CallState(), SETTINGS, lexicon)
    spoken = says(first.twiml)
    assert spoken[0].startswith("You asked: how much does it cost")
    assert not any("is it safe" in text for text in spoken)
    assert lexicon.phrase("say_more") in spoken
    assert first.state.pending is not None

    second = render_more(first.state, SETTINGS, lexicon)
    assert says(second.twiml)[0].startswith("You asked: is it safe")
    assert says(second.twiml)[-1] == spoken[-1]  # the one deferral, last
