"""Thumbs up / down: acknowledged; a thumbs-down offers a person."""

import asyncio

from rasa_sdk.events import SlotSet

from actions.feedback import ActionRecordFeedback
from tests.conftest import entity, responses_sent


def run(dispatcher, tracker, domain):
    return asyncio.run(ActionRecordFeedback().run(dispatcher, tracker, domain))


def test_thumbs_down_apologises_and_offers_staff(dispatcher, make_tracker, domain):
    tracker = make_tracker(intent="give_feedback", entities=[entity("feedback_value", "down")])
    events = run(dispatcher, tracker, domain)
    assert responses_sent(dispatcher) == ["utter_feedback_negative"]
    assert events == [SlotSet("pending_offer", "handoff"), SlotSet("handoff_reason", "feedback")]


def test_thumbs_up_thanks(dispatcher, make_tracker, domain):
    tracker = make_tracker(intent="give_feedback", entities=[entity("feedback_value", "up")])
    assert run(dispatcher, tracker, domain) == []
    assert responses_sent(dispatcher) == ["utter_feedback_thanks"]


def test_typed_feedback_without_a_rating_is_not_read_from_an_old_slot(
    dispatcher, make_tracker, domain
):
    tracker = make_tracker(intent="give_feedback", slots={"feedback_value": "down"})
    run(dispatcher, tracker, domain)
    assert responses_sent(dispatcher) == ["utter_feedback_thanks"]
