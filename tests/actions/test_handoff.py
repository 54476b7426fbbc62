"""Handoff actions: consent, the queue, forwarding, delivery, ending, callback requests."""

import asyncio
import datetime as dt

import pytest
import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import actions.handoff as actions_handoff
import handoff.store as store_module
from actions.handoff import (
    LIMIT_RESPONSES,
    ActionAskHandoffConsent,
    ActionDeliverStaffMessages,
    ActionEndHandoff,
    ActionForwardToStaff,
    ActionOfferStaff,
    ActionOpenHandoff,
    ActionSubmitCallback,
    ValidateCallbackForm,
    address_key,
)
from handoff.limits import claim_alerts
from handoff.models import utcnow
from handoff.schema import handoffs
from handoff.settings import get_settings
from tests.conftest import ROOT, responses_sent
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
    return add_staff(queue, last_seen=utcnow())


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
    assert queue.claim(handoff.id, lee)  # only the claimer replies
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
    assert queue.claim(handoff.id, lee)  # only the claimer replies
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


# --- caps on requests for staff (handoff/limits.py): anyone may ask, without signing in ---------
ADDRESS = "5f2b0c4e9a1d7e3b6c8a0f1e2d3c4b5a"  # the channels' keyed hash of the client address


def from_address(tracker, key=ADDRESS):
    tracker.latest_message["metadata"] = {"address_key": key}
    return tracker


def ask_for_staff(make_tracker, domain, conversation, reason="requested", key=None):
    """The person says yes to an offer of staff: (responses sent, events returned)."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("affirm", sender_id=conversation, slots={"handoff_reason": reason})
    if key:
        from_address(tracker, key)
    events = run(ActionOpenHandoff(), dispatcher, with_channel(tracker, "webchat"), domain)
    return responses_sent(dispatcher), events


def test_one_conversation_asking_five_times_gets_the_limit_reply(queue, make_tracker, domain):
    lee = sign_in_staff(queue)
    replies = []
    for _ in range(5):
        sent, events = ask_for_staff(make_tracker, domain, "test-user")
        replies += sent
        if SlotSet("handoff_active", True) in events:  # staff hand it back to the assistant
            assert queue.end(queue.active_handoff("test-user").id, lee, "returned")
        else:
            assert SlotSet("pending_offer", None) in events  # the rule's ending: nothing pending
    assert replies == ["utter_handoff_queued"] * 3 + ["utter_handoff_limit_reached"] * 2
    assert queue.count_handoffs(["waiting", "claimed", "closed", "returned"]) == 3


def test_ten_conversations_from_one_address_are_capped(queue, make_tracker, domain):
    sign_in_staff(queue)
    replies = [ask_for_staff(make_tracker, domain, f"c-{n}", key=ADDRESS)[0] for n in range(10)]
    assert replies == [["utter_handoff_queued"]] * 5 + [["utter_handoff_too_many_requests"]] * 5
    assert queue.count_handoffs(["waiting"]) == 5
    with queue.engine.connect() as connection:
        assert set(connection.execute(select(handoffs.c.address_key)).scalars()) == {ADDRESS}
    # someone else is still heard
    assert ask_for_staff(make_tracker, domain, "c-x", key="another")[0] == ["utter_handoff_queued"]


def test_the_overall_cap_refuses_everyone_and_alerts_staff_once(
    queue, monkeypatch, make_tracker, domain
):
    monkeypatch.setenv("HANDOFF_LIMIT_OVERALL", "4")
    get_settings.cache_clear()
    sign_in_staff(queue)
    replies = [ask_for_staff(make_tracker, domain, f"c-{n}", key=f"k{n}")[0] for n in range(8)]
    assert replies == [["utter_handoff_queued"]] * 4 + [["utter_handoff_too_many_requests"]] * 4
    [alert] = claim_alerts(queue.engine)
    assert (alert["cap"], alert["refused"], alert["allowed"]) == ("overall", 4, 4)
    ask_for_staff(make_tracker, domain, "c-late")
    assert claim_alerts(queue.engine) == []


def test_an_emergency_over_the_cap_still_hears_the_emergency_number_first(
    queue, dispatcher, make_tracker, domain
):
    """The emergency rule gives urgent help before the offer of staff; if a cap then refuses the
    handoff, the reply starts with the emergency number again, before anything else."""
    rules = yaml.safe_load((ROOT / "data" / "rules.yml").read_text())["rules"]
    for rule in rules:
        steps = rule["steps"]
        for index, step in enumerate(steps):
            if step.get("intent") == "emergency":
                assert steps[index + 1] == {"action": "utter_urgent_help"}, rule["rule"]

    sign_in_staff(queue)
    for n in range(5):
        ask_for_staff(make_tracker, domain, f"c-{n}", key=ADDRESS)
    sent, events = ask_for_staff(make_tracker, domain, "test-user", "emergency", ADDRESS)
    assert sent == ["utter_handoff_too_many_requests"]
    assert SlotSet("handoff_active", True) not in events
    assert queue.active_handoff("test-user") is None
    for name in set(LIMIT_RESPONSES.values()):
        for variation in domain["responses"][name]:
            first = variation["text"].lstrip("*")
            assert first.startswith("If this is an emergency"), (name, variation)
            assert "emergency number" in first.split(".")[0]


def test_off_duty_callback_requests_are_capped_before_details_are_asked(
    queue, monkeypatch, make_tracker, domain
):
    monkeypatch.setenv("HANDOFF_HOURS", "never")
    get_settings.cache_clear()
    replies = []
    for n in range(7):
        sent, events = ask_for_staff(make_tracker, domain, f"c-{n}", key=ADDRESS)
        replies += sent
        if SlotSet("pending_offer", "callback") in events:  # they give a name and a contact
            tracker = make_tracker(
                "inform",
                sender_id=f"c-{n}",
                slots={"callback_name": "Sam", "callback_contact": "07700 900123"},
            )
            run(ActionSubmitCallback(), CollectingDispatcher(), from_address(tracker), domain)
        else:
            assert SlotSet("pending_offer", None) in events
    assert replies == ["utter_no_staff_available"] * 5 + ["utter_handoff_too_many_requests"] * 2
    assert len(queue.list_callbacks()) == 5
    assert {c["address_key"] for c in queue.list_callbacks()} == {ADDRESS}


def test_a_callback_refused_at_submission_is_told_and_not_kept(
    queue, monkeypatch, dispatcher, make_tracker, domain
):
    monkeypatch.setenv("HANDOFF_LIMIT_PER_CONVERSATION", "1")
    get_settings.cache_clear()
    queue.create_callback("test-user", "webchat", "Sam", "07700 900123")  # e.g. from another tab
    tracker = make_tracker(
        "inform", slots={"callback_name": "Sam", "callback_contact": "sam@example.org"}
    )
    events = run(ActionSubmitCallback(), dispatcher, tracker, domain)
    assert responses_sent(dispatcher) == ["utter_handoff_limit_reached"]
    assert [c["contact"] for c in queue.list_callbacks()] == ["07700 900123"]
    assert SlotSet("callback_contact", None) in events and SlotSet("pending_offer", None) in events


def test_a_made_up_address_key_is_ignored(make_tracker):
    assert address_key(from_address(make_tracker(), "x" * 65)) is None
    assert address_key(from_address(make_tracker(), 12345)) is None
    assert address_key(make_tracker()) is None
    assert address_key(from_address(make_tracker())) == ADDRESS


class OffTheLoopOnly:
    """The real store, but each database call fails if it runs on the event loop's thread (where
    it would hold up every other conversation of the action server), and is recorded if not."""

    def __init__(self, store):
        self.engine = store.engine
        self._store = store
        self.calls = []

    def __getattr__(self, name):
        method = getattr(self._store, name)

        def checked(*args, **kwargs):
            off_the_loop(name)
            self.calls.append(name)
            return method(*args, **kwargs)

        return checked


def off_the_loop(what):
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return  # a worker thread: no event loop runs here
    raise AssertionError(f"{what} blocked the event loop")


def test_the_actions_make_no_database_call_on_the_event_loop(
    queue, monkeypatch, dispatcher, make_tracker, domain
):
    guarded = OffTheLoopOnly(queue)
    presence = actions_handoff.staff_signed_in

    def handoff_store():
        off_the_loop("handoff_store")
        return guarded

    def staff_signed_in(*args, **kwargs):
        off_the_loop("staff_signed_in")
        guarded.calls.append("staff_signed_in")
        return presence(*args, **kwargs)

    monkeypatch.setattr(actions_handoff, "handoff_store", handoff_store)
    monkeypatch.setattr(actions_handoff, "staff_signed_in", staff_signed_in)
    lee = sign_in_staff(queue)
    webchat = with_channel(make_tracker("affirm"), "webchat")
    run(ActionOpenHandoff(), dispatcher, webchat, domain)
    handoff = queue.active_handoff("test-user")
    queue.claim(handoff.id, lee)
    queue.add_staff_message(handoff.id, lee, "Hello, I'm Lee.")
    during = make_tracker("greet", text="hi", slots={"handoff_active": True})
    run(ActionForwardToStaff(), dispatcher, during, domain)
    run(ActionDeliverStaffMessages(), dispatcher, during, domain)
    queue.end(handoff.id, lee, "returned")
    run(ActionEndHandoff(), dispatcher, during, domain)
    monkeypatch.setenv("HANDOFF_HOURS", "never")
    get_settings.cache_clear()
    run(ActionOpenHandoff(), dispatcher, make_tracker("affirm"), domain)
    callback = make_tracker("greet", slots={"callback_name": "Sam", "callback_contact": "0770 090"})
    run(ActionSubmitCallback(), dispatcher, callback, domain)

    assert set(guarded.calls) == {
        "staff_signed_in",
        "open_handoff",
        "queue_position",
        "estimated_wait_minutes",
        "active_handoff",
        "add_person_message",
        "undelivered_staff_messages",
        "mark_delivered",
        "check_request_limits",
        "create_callback",
    }
    assert [m["text"] for m in queue.messages(handoff.id)] == ["Hello, I'm Lee.", "hi"]
    assert len(queue.list_callbacks()) == 1
