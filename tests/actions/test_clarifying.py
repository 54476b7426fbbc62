"""Low confidence: "did you mean" with the likeliest topics, then an offer of staff."""

import asyncio

from rasa_sdk.events import SlotSet

from actions.clarifying import ActionClarifyTopic, ActionDeclineOffer
from tests.conftest import responses_sent

RANKING = [
    {"name": "nlu_fallback", "confidence": 0.25},
    {"name": "ask_cost_insurance", "confidence": 0.22},
    {"name": "greet", "confidence": 0.2},
    {"name": "ask_clinical_trials", "confidence": 0.18},
    {"name": "ask_finding_a_center", "confidence": 0.1},
    {"name": "ask_edss", "confidence": 0.05},
]


def run(action, dispatcher, tracker, domain):
    return asyncio.run(action.run(dispatcher, tracker, domain))


def test_did_you_mean_always_offers_something_else(domain):
    # a static button of the response itself, after the suggestions action_answer_question adds
    static = domain["responses"]["utter_did_you_mean"][0]["buttons"]
    assert static == [{"title": "Something else", "payload": "/something_else"}]


def test_something_else_after_a_suggestion_is_the_second_miss(dispatcher, make_tracker, domain):
    tracker = make_tracker(intent="something_else", slots={"fallback_misses": 1.0})
    events = run(ActionClarifyTopic(), dispatcher, tracker, domain)
    assert responses_sent(dispatcher) == ["utter_offer_staff"]
    assert SlotSet("pending_offer", "handoff") in events
    assert SlotSet("handoff_reason", "misunderstood") in events
    assert SlotSet("fallback_misses", 2.0) in events


def test_something_else_on_its_own_asks_to_rephrase(dispatcher, make_tracker, domain):
    tracker = make_tracker(intent="something_else", intent_ranking=RANKING[1:])
    run(ActionClarifyTopic(), dispatcher, tracker, domain)
    assert responses_sent(dispatcher) == ["utter_ask_rephrase"]


def test_saying_no_clears_the_offer(dispatcher, make_tracker, domain):
    tracker = make_tracker(
        intent="deny", slots={"pending_offer": "handoff", "fallback_misses": 2.0}
    )
    events = run(ActionDeclineOffer(), dispatcher, tracker, domain)
    assert responses_sent(dispatcher) == ["utter_ok_what_else"]
    assert events == [SlotSet("pending_offer", None), SlotSet("fallback_misses", 0.0)]


def test_offer_buttons_lead_to_a_person_or_back(domain):
    buttons = domain["responses"]["utter_offer_staff"][0]["buttons"]
    assert [b["payload"] for b in buttons] == ["/affirm", "/deny"]
