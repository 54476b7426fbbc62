"""Bringing in a person when the assistant is not enough.

The person asks (or accepts an offer), consents to sharing the conversation, and joins the
queue; while staff handle it (dialogue/handoff_policy.py) their messages are forwarded, staff
replies are delivered, and when staff close it the assistant takes over again. With nobody
on duty, a callback request is taken instead. The queue itself is handoff/queue.py.

Anyone may ask, without signing in: new handoffs and callback requests are capped per
conversation, per client address and overall (handoff/limits.py). Over a cap the person is told
so, starting with the emergency number, and staff are alerted.

Every database call runs in a worker thread (`asyncio.to_thread`): the action server runs all
conversations' actions on one event loop, which a slow query must not hold up.
"""

import asyncio
import datetime as dt
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from handoff.limits import LimitReached
from handoff.settings import get_settings
from handoff.store import HandoffStore, get_store
from inbox.sessions import staff_signed_in
from messages.contract import STAFF_MESSAGE

VOICE_CHANNEL = "voice"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
REASON_BY_INTENT = {"emergency": "emergency", "give_feedback": "feedback"}
# what a person hears when a cap refuses their request (both start with the emergency number)
LIMIT_RESPONSES = {
    "conversation": "utter_handoff_limit_reached",
    "address": "utter_handoff_too_many_requests",
    "overall": "utter_handoff_too_many_requests",
}
ADDRESS_KEY_CHARS = 64  # handoff/schema.py address_key


def handoff_store() -> HandoffStore:
    """Blocking: the first call in a process connects and creates missing tables."""
    return get_store(get_settings().db_url)


def staff_available(store: HandoffStore, channel: str, now: Optional[dt.datetime] = None) -> bool:
    """On duty, and (for the chat) someone signed in to the inbox. A phone call goes to the
    staff line, which does not depend on the inbox."""
    settings = get_settings()
    now = now or dt.datetime.now(dt.timezone.utc)
    if not settings.on_duty.is_on_duty(now):
        return False
    return channel == VOICE_CHANNEL or staff_signed_in(store.engine, settings.presence_seconds, now)


def address_key(tracker: Tracker) -> Optional[str]:
    """The channels' keyed hash of the client address (channels/conversation_ids.py), or None
    when the message came without one (then only the other caps apply)."""
    metadata = tracker.latest_message.get("metadata") or {}
    key = metadata.get("address_key") if isinstance(metadata, dict) else None
    return key if isinstance(key, str) and 0 < len(key) <= ADDRESS_KEY_CHARS else None


def tell_limit_reached(dispatcher: CollectingDispatcher, cap: str) -> None:
    dispatcher.utter_message(response=LIMIT_RESPONSES.get(cap, "utter_handoff_too_many_requests"))


def person_text(tracker: Tracker) -> str:
    """What the person wrote (or the label of the button they pressed)."""
    metadata = tracker.latest_message.get("metadata") or {}
    return str(metadata.get("display") or tracker.latest_message.get("text") or "")


class ActionOfferStaff(Action):
    """Offers a person after an emergency, saying that the conversation would be shared."""

    def name(self) -> Text:
        return "action_offer_staff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = REASON_BY_INTENT.get(intent, "misunderstood")
        if reason == "emergency" and tracker.get_latest_input_channel() == VOICE_CHANNEL:
            # on the phone the urgent help already offered the transfer: don't ask again
            return []
        dispatcher.utter_message(
            response="utter_offer_staff_urgent" if reason == "emergency" else "utter_offer_staff"
        )
        return [SlotSet("pending_offer", "handoff"), SlotSet("handoff_reason", reason)]


class ActionAskHandoffConsent(Action):
    """The person asked for a human: ask before sharing the conversation with staff."""

    def name(self) -> Text:
        return "action_ask_handoff_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_ask_handoff_consent")
        return [
            SlotSet("pending_offer", "handoff"),
            SlotSet("handoff_reason", tracker.get_slot("handoff_reason") or "requested"),
        ]


class ActionOpenHandoff(Action):
    """Consent given: join the queue, transfer the call, or offer a callback request."""

    def name(self) -> Text:
        return "action_open_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        settings = get_settings()
        store = await asyncio.to_thread(handoff_store)
        cleared = [SlotSet("pending_offer", None), SlotSet("fallback_misses", 0.0)]
        channel = tracker.get_latest_input_channel() or "unknown"
        limits, key = settings.request_limits, address_key(tracker)
        if not await asyncio.to_thread(staff_available, store, channel):
            # asked before the name and contact, so nobody gives them for a refused request
            full = await asyncio.to_thread(
                store.check_request_limits, tracker.sender_id, key, limits
            )
            if full:
                tell_limit_reached(dispatcher, full)
                return cleared + [SlotSet("handoff_reason", None)]
            dispatcher.utter_message(response="utter_no_staff_available", hours=settings.hours_text)
            return cleared + [SlotSet("pending_offer", "callback")]
        if channel == VOICE_CHANNEL:
            # a phone call is put through to the staff line (the voice channel dials it, or
            # says whom to call when no number is configured)
            dispatcher.utter_message(response="utter_handoff_transfer")
            return cleared
        reason = tracker.get_slot("handoff_reason") or "requested"
        try:
            handoff = await asyncio.to_thread(
                store.open_handoff,
                tracker.sender_id,
                channel,
                reason,
                urgent=reason == "emergency",
                address_key=key,
                limits=limits,
            )
        except LimitReached as refused:
            tell_limit_reached(dispatcher, refused.cap)
            return cleared + [SlotSet("handoff_reason", None)]
        position = await asyncio.to_thread(store.queue_position, handoff.id)
        minutes = await asyncio.to_thread(
            store.estimated_wait_minutes, settings.default_wait_minutes
        )
        dispatcher.utter_message(
            response="utter_handoff_queued", position=position or 1, minutes=minutes
        )
        return cleared + [SlotSet("handoff_active", True), SlotSet("handoff_reason", None)]


class ActionForwardToStaff(Action):
    """During a handoff: the person's message goes to the staff inbox; the bot stays quiet."""

    def name(self) -> Text:
        return "action_forward_to_staff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        store = await asyncio.to_thread(handoff_store)
        handoff = await asyncio.to_thread(store.active_handoff, tracker.sender_id)
        if handoff is None:
            # staff ended it while the assistant was not told (e.g. it was restarting)
            dispatcher.utter_message(response="utter_handoff_ended_ask_again")
            return [SlotSet("handoff_active", False)]
        urgent = (tracker.latest_message.get("intent") or {}).get("name") == "emergency"
        await asyncio.to_thread(
            store.add_person_message, handoff.id, person_text(tracker), urgent=urgent
        )
        await deliver_staff_messages(dispatcher, store, tracker.sender_id)
        return []


async def deliver_staff_messages(
    dispatcher: CollectingDispatcher, store: HandoffStore, conversation_id: str
) -> int:
    pending = await asyncio.to_thread(store.undelivered_staff_messages, conversation_id)
    for message in pending:
        dispatcher.utter_message(
            text=message["text"],
            json_message={"type": STAFF_MESSAGE, "staff_name": message.get("staff_name")},
        )
    await asyncio.to_thread(store.mark_delivered, [m["id"] for m in pending])
    return len(pending)


class ActionDeliverStaffMessages(Action):
    """Run by the inbox (Rasa's HTTP API) when staff reply: sends their messages to the person."""

    def name(self) -> Text:
        return "action_deliver_staff_messages"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        store = await asyncio.to_thread(handoff_store)
        await deliver_staff_messages(dispatcher, store, tracker.sender_id)
        return []


class ActionEndHandoff(Action):
    """Run by the inbox when staff close the handoff or return it: the assistant resumes."""

    def name(self) -> Text:
        return "action_end_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        store = await asyncio.to_thread(handoff_store)
        await deliver_staff_messages(dispatcher, store, tracker.sender_id)
        if await asyncio.to_thread(store.active_handoff, tracker.sender_id) is not None:
            return []  # still open (e.g. a second handoff was opened since): nothing to end
        if tracker.get_slot("handoff_active"):
            dispatcher.utter_message(response="utter_handoff_ended")
        return [SlotSet("handoff_active", False)]


class ValidateCallbackForm(FormValidationAction):
    """Name and a phone number or e-mail for a callback request."""

    def name(self) -> Text:
        return "validate_callback_form"

    def validate_callback_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        name = " ".join(str(value or "").split())
        if not 1 <= len(name) <= 120:
            dispatcher.utter_message(response="utter_invalid_callback_name")
            return {"callback_name": None}
        if name.islower():  # a phone recogniser's transcript: "sam jones" -> "Sam Jones"
            name = name.title()
        return {"callback_name": name}

    def validate_callback_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        contact = str(value or "").strip()
        digits = re.sub(r"\D", "", contact)
        if EMAIL.match(contact) or (PHONE.match(contact) and 7 <= len(digits) <= 15):
            return {"callback_contact": contact}
        dispatcher.utter_message(response="utter_invalid_callback_contact")
        return {"callback_contact": None}


class ActionSubmitCallback(Action):
    """Stores the callback request and tells the person what happens next."""

    def name(self) -> Text:
        return "action_submit_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        name, contact = tracker.get_slot("callback_name"), tracker.get_slot("callback_contact")
        store = await asyncio.to_thread(handoff_store)
        try:
            await asyncio.to_thread(
                store.create_callback,
                tracker.sender_id,
                tracker.get_latest_input_channel() or "unknown",
                name,
                contact,
                address_key=address_key(tracker),
                limits=get_settings().request_limits,
            )
        except LimitReached as refused:  # others asked in the meantime: nothing is kept
            tell_limit_reached(dispatcher, refused.cap)
        else:
            dispatcher.utter_message(
                response="utter_callback_recorded", callback_name=name, callback_contact=contact
            )
        # the request is stored in the handoff database; the slots need not keep a copy
        return [
            SlotSet("callback_name", None),
            SlotSet("callback_contact", None),
            SlotSet("pending_offer", None),
        ]
