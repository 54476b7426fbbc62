"""Thumbs up / down: acknowledged; a thumbs-down offers a person, its reason is thanked for."""

import asyncio

from rasa_sdk.events import SlotSet

from actions.feedback import ActionRecordFeedback, ActionThankFeedbackReason
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


def test_a_reason_after_a_thumbs_down_is_thanked_for_without_offering_a_person_again(
    dispatcher, make_tracker, domain
):
    tracker = make_tracker(
        intent="feedback_reason",
        entities=[entity("feedback_reason", "out_of_date")],
        slots={"pending_offer": "handoff"},
    )
    events = asyncio.run(ActionThankFeedbackReason().run(dispatcher, tracker, domain))
    assert responses_sent(dispatcher) == ["utter_feedback_reason_thanks"]
    assert events == []  # the thumbs-down's offer of a person is neither repeated nor withdrawn
    assert "buttons" not in domain["responses"]["utter_feedback_reason_thanks"][0]


def test_the_reason_is_declared_as_an_entity_and_a_slot_filled_from_it(domain):
    assert "feedback_reason" in domain["intents"]
    assert "feedback_reason" in domain["entities"]
    mapping = domain["slots"]["feedback_reason"]["mappings"][0]
    assert mapping == {"type": "from_entity", "entity": "feedback_reason"}
