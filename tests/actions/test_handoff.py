"""Handoff actions: consent, the queue, forwarding, delivery, ending, callback requests."""

import asyncio
import datetime as dt

import pytest
from rasa_sdk.events import SlotSet

import handoff.store as store_module
from actions.handoff import (
    ActionAskHandoffConsent,
    ActionDeliverStaffMessages,
    ActionEndHandoff,
    ActionForwardToStaff,
    ActionOfferStaff,
    ActionOpenHandoff,
    ActionSubmitCallback,
    ValidateCallbackForm,
)
from handoff.settings import get_settings
from tests.conftest import responses_sent
from tests.handoff.test_store import add_staff


@pytest.fixture
def queue(monkeypatch, tmp_path):
    """A fresh handoff database; staff on duty at all hours unless a test says otherwise."""
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path / 'handoff.db'}")
    monkeypatch.setenv("HANDOFF_HOURS", "always")
    get_settings.cache_clear()
    store_module._stores.clear()
    yield store_module.get_store(get_settings().db_url)
    get_settings.cache_clear()
    store_module._stores.clear()


def run(action, dispatcher, tracker, domain):
    return asyncio.run(action.run(dispatcher, tracker, domain))


def with_channel(tracker, channel):
    tracker.events.append({"event": "user", "input_channel": channel, "text": "x"})
    return tracker


def sign_in_staff(queue):
    return add_staff(queue, last_seen=store_module.utcnow())


def test_asking_for_a_human_asks_consent_first(dispatcher, make_tracker, domain):
    events = run(ActionAskHandoffConsent(), dispatcher, make_tracker("request_human"), domain)
    assert responses_sent(dispatcher) == ["utter_ask_handoff_consent"]
    assert events == [SlotSet("pending_offer", "handoff"), SlotSet("handoff_reason", "requested")]


def test_after_an_emergency_staff_are_offered_as_urgent(dispatcher, make_tracker, domain):
    events = run(ActionOfferStaff(), dispatcher, make_tracker("emergency"), domain)
    assert responses_sent(dispatcher) == ["utter_offer_staff_urgent"]
    assert SlotSet("handoff_reason", "emergency") in events


def test_on_the_phone_an_emergency_does_not_ask_about_staff_again(dispatcher, make_tracker, domain):
    tracker = with_channel(make_tracker("emergency"), "voice")
    assert run(ActionOfferStaff(), dispatcher, tracker, domain) == []
    assert dispatcher.messages == []


def test_a_phone_call_outside_hours_gets_a_callback_offer(
    queue, monkeypatch, dispatcher, make_tracker, domain
):
    monkeypatch.setenv("HANDOFF_HOURS", "never")
    get_settings.cache_clear()
    run(ActionOpenHandoff(), dispatcher, with_channel(make_tracker("affirm"), "voice"), domain)
    assert responses_sent(dispatcher) == ["utter_no_staff_available"]


def test_consent_with_staff_on_duty_joins_the_queue(queue, dispatcher, make_tracker, domain):
    sign_in_staff(queue)
    tracker = with_channel(make_tracker("affirm", slots={"handoff_reason": "feedback"}), "webchat")
    events = run(ActionOpenHandoff(), dispatcher, tracker, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_handoff_queued"
    assert message["position"] == 1 and message["minutes"] == 10
    assert SlotSet("handoff_active", True) in events
    handoff = queue.active_handoff("test-user")
    assert (handoff.channel, handoff.reason, handoff.status) == ("webchat", "feedback", "waiting")


def test_nobody_signed_in_offers_a_callback(queue, dispatcher, make_tracker, domain):
    events = run(ActionOpenHandoff(), dispatcher, make_tracker("affirm"), domain)
    assert responses_sent(dispatcher) == ["utter_no_staff_available"]
    assert "always" in dispatcher.messages[0]["hours"]
    assert SlotSet("pending_offer", "callback") in events
    assert queue.active_handoff("test-user") is None


def test_outside_hours_offers_a_callback(queue, monkeypatch, dispatcher, make_tracker, domain):
    sign_in_staff(queue)
    monkeypatch.setenv("HANDOFF_HOURS", "never")
    get_settings.cache_clear()
    run(ActionOpenHandoff(), dispatcher, make_tracker("affirm"), domain)
    assert responses_sent(dispatcher) == ["utter_no_staff_available"]


def test_a_phone_call_is_put_through_even_with_nobody_in_the_inbox(
    queue, dispatcher, make_tracker, domain
):
    tracker = with_channel(make_tracker("affirm"), "voice")
    events = run(ActionOpenHandoff(), dispatcher, tracker, domain)
    assert responses_sent(dispatcher) == ["utter_handoff_transfer"]
    assert domain["responses"]["utter_handoff_transfer"][0]["custom"]["type"] == "transfer"
    assert SlotSet("handoff_active", True) not in events


def test_messages_go_to_staff_and_replies_come_back(queue, dispatcher, make_tracker, domain):
    lee = sign_in_staff(queue)
    handoff = queue.open_handoff("test-user", "webchat", "requested")
    queue.add_staff_message(handoff.id, lee, "Hello, I'm Lee.")
    tracker = make_tracker(
        "ask_cost_insurance", text="how much is it in the UK?", slots={"handoff_active": True}
    )
    assert run(ActionForwardToStaff(), dispatcher, tracker, domain) == []
    assert [m["text"] for m in queue.messages(handoff.id)] == [
        "Hello, I'm Lee.",
        "how much is it in the UK?",
    ]
    # a staff reply waiting for delivery goes out with the next turn, once
    assert [(m["text"], m["custom"]) for m in dispatcher.messages] == [
        ("Hello, I'm Lee.", {"type": "staff_message", "staff_name": "Nurse Lee"})
    ]
    dispatcher.messages.clear()
    run(ActionDeliverStaffMessages(), dispatcher, tracker, domain)
    assert dispatcher.messages == []


def test_a_button_press_is_forwarded_as_its_label(queue, dispatcher, make_tracker, domain):
    handoff = queue.open_handoff("test-user", "webchat", "requested")
    tracker = make_tracker("request_human", text="/request_human")
    tracker.latest_message["metadata"] = {"display": "Talk to a person"}
    run(ActionForwardToStaff(), dispatcher, tracker, domain)
    assert [m["text"] for m in queue.messages(handoff.id)] == ["Talk to a person"]


def test_an_emergency_during_a_handoff_is_flagged(queue, dispatcher, make_tracker, domain):
    handoff = queue.open_handoff("test-user", "webchat", "requested")
    run(ActionForwardToStaff(), dispatcher, make_tracker("emergency", text="chest pain"), domain)
    assert queue.get_handoff(handoff.id).urgent


def test_forwarding_after_staff_ended_it_hands_back_to_the_bot(
    queue, dispatcher, make_tracker, domain
):
    lee = sign_in_staff(queue)
    handoff = queue.open_handoff("test-user", "webchat", "requested")
    queue.end(handoff.id, lee, "closed")
    events = run(ActionForwardToStaff(), dispatcher, make_tracker("greet", text="hi"), domain)
    assert responses_sent(dispatcher) == ["utter_handoff_ended_ask_again"]
    assert events == [SlotSet("handoff_active", False)]


def test_ending_tells_the_person_and_resumes_the_bot(queue, dispatcher, make_tracker, domain):
    lee = sign_in_staff(queue)
    handoff = queue.open_handoff("test-user", "webchat", "requested")
    queue.add_staff_message(handoff.id, lee, "Take care!")
    queue.end(handoff.id, lee, "returned")
    tracker = make_tracker("greet", slots={"handoff_active": True})
    events = run(ActionEndHandoff(), dispatcher, tracker, domain)
    assert [m.get("text") or m["response"] for m in dispatcher.messages] == [
        "Take care!",
        "utter_handoff_ended",
    ]
    assert events == [SlotSet("handoff_active", False)]


def test_end_does_nothing_while_a_handoff_is_still_open(queue, dispatcher, make_tracker, domain):
    queue.open_handoff("test-user", "webchat", "requested")
    tracker = make_tracker("greet", slots={"handoff_active": True})
    assert run(ActionEndHandoff(), dispatcher, tracker, domain) == []
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    "slot, value, expected",
    [
        ("callback_name", "  Sam   Jones ", "Sam Jones"),
        ("callback_name", "sam jones", "Sam Jones"),
        ("callback_name", "de Souza", "de Souza"),
        ("callback_name", "", None),
        ("callback_name", "x" * 200, None),
        ("callback_contact", "07700 900123", "07700 900123"),
        ("callback_contact", "+44 (0)20 7946 0958", "+44 (0)20 7946 0958"),
        ("callback_contact", "sam@example.org", "sam@example.org"),
        ("callback_contact", "call me maybe", None),
        ("callback_contact", "123", None),
    ],
)
def test_callback_details_are_validated(slot, value, expected, dispatcher, make_tracker, domain):
    validate = getattr(ValidateCallbackForm(), f"validate_{slot}")
    assert validate(value, dispatcher, make_tracker("greet"), domain) == {slot: expected}
    if expected is None:
        assert responses_sent(dispatcher) == [f"utter_invalid_{slot}"]


def test_submitting_a_callback_stores_it_and_forgets_the_slots(
    queue, dispatcher, make_tracker, domain
):
    tracker = make_tracker(
        "greet", slots={"callback_name": "Sam", "callback_contact": "sam@example.org"}
    )
    events = run(ActionSubmitCallback(), dispatcher, with_channel(tracker, "webchat"), domain)
    [request] = queue.list_callbacks()
    assert (request["name"], request["contact"], request["channel"]) == (
        "Sam",
        "sam@example.org",
        "webchat",
    )
    assert dispatcher.messages[0]["response"] == "utter_callback_recorded"
    assert SlotSet("callback_contact", None) in events
    assert request["consented_at"] <= dt.datetime.now(dt.timezone.utc)
