"""The handoff policy: forwards everything while staff handle a conversation."""

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from dialogue.handoff_policy import next_action_in_handoff
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


def tracker_with(domain, *events):
    return DialogueStateTracker.from_events("person", list(events), slots=domain.slots)


def said(intent, text="..."):
    return [
        ActionExecuted("action_listen"),
        UserUttered(text, intent={"name": intent, "confidence": 0.9}),
    ]


def test_abstains_outside_a_handoff(domain):
    assert next_action_in_handoff(tracker_with(domain, *said("ask_cost_insurance"))) is None


def test_forwards_any_message_during_a_handoff(domain):
    for intent in ("ask_cost_insurance", "greet", "out_of_scope", "nlu_fallback", "deny"):
        tracker = tracker_with(domain, SlotSet("handoff_active", True), *said(intent))
        assert next_action_in_handoff(tracker) == "action_forward_to_staff"


def test_an_emergency_gets_urgent_help_first_then_is_forwarded(domain):
    tracker = tracker_with(domain, SlotSet("handoff_active", True), *said("emergency"))
    assert next_action_in_handoff(tracker) == "utter_urgent_help"
    tracker.update(ActionExecuted("utter_urgent_help"))
    assert next_action_in_handoff(tracker) == "action_forward_to_staff"


def test_listens_after_forwarding(domain):
    tracker = tracker_with(
        domain,
        SlotSet("handoff_active", True),
        *said("greet"),
        ActionExecuted("action_forward_to_staff"),
    )
    assert next_action_in_handoff(tracker) == "action_listen"


def test_listens_when_forwarding_found_the_handoff_already_ended(domain):
    """Staff closed it while the assistant was not told: the action clears the slot, and the
    turn must end there. Left to the rules it got a fallback, whose revert undid the cleared
    slot, so the next message was forwarded again (a loop back into the ended handoff)."""
    tracker = tracker_with(
        domain,
        SlotSet("handoff_active", True),
        *said("greet"),
        ActionExecuted("action_forward_to_staff"),
        SlotSet("handoff_active", False),
    )
    assert next_action_in_handoff(tracker) == "action_listen"
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("side effects?", intent={"name": "ask_side_effects"}))
    assert next_action_in_handoff(tracker) is None  # the assistant answers again


def test_a_message_right_after_a_staff_event_is_still_forwarded(domain):
    """Staff events run actions with no `action_listen` before the person's next message."""
    tracker = tracker_with(
        domain,
        SlotSet("handoff_active", True),
        UserUttered(intent={"name": "EXTERNAL_staff_reply", "confidence": 1.0}),
        ActionExecuted("action_deliver_staff_messages"),
        UserUttered("thanks, and the cost?", intent={"name": "thank", "confidence": 0.9}),
    )
    assert next_action_in_handoff(tracker) == "action_forward_to_staff"


def test_staff_events_are_left_to_their_rules(domain):
    for intent in ("EXTERNAL_staff_reply", "EXTERNAL_handoff_ended"):
        tracker = tracker_with(domain, SlotSet("handoff_active", True), *said(intent))
        assert next_action_in_handoff(tracker) is None
    after = tracker_with(
        domain,
        SlotSet("handoff_active", True),
        *said("EXTERNAL_staff_reply"),
        ActionExecuted("action_deliver_staff_messages"),
    )
    assert next_action_in_handoff(after) is None
