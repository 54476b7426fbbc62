"""Stored conversations as the curators' reports read them: one record per person's message.

Reads the `events` table of Rasa's SQL tracker store (the one the endpoints file names, found
by tracker_stores/retention.py) for a period and turns each conversation into `PersonMessage`s:
what the person wrote, when, on which channel, the topic and evidence items the assistant chose,
how it ended (`Outcome`), and the thumbs up/down with its reason. Only the message text is kept:
never the callback form's name and phone number or e-mail (what the person typed while the form
asked, the slots), nor any message that looks like contact details.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from handoff.database import make_engine
from messages.contract import EVIDENCE_ANSWER
from tracker_stores.retention import (
    CALLBACK_FORM,
    CALLBACK_SLOTS,
    REMOVED,
    events,
    tracker_db_url,
)

ANSWERED = "answered"
CLARIFIED = "clarified"
SOMETHING_ELSE = "something_else"
OUT_OF_SCOPE = "out_of_scope"
HANDED_OFF = "handed_off"
EMERGENCY = "emergency"
THUMBS_DOWN = "thumbs_down"
# The outcomes the "What people ask" report groups: where new evidence items come from.
POORLY_ANSWERED = (CLARIFIED, SOMETHING_ELSE, OUT_OF_SCOPE, THUMBS_DOWN, HANDED_OFF)

EVIDENCE_ITEM_ENTITY = "evidence_item"  # a "did you mean" button's entity
EMERGENCY_INTENT = "emergency"
SOMETHING_ELSE_INTENT = "something_else"
FEEDBACK_INTENT = "give_feedback"
FEEDBACK_REASON_INTENT = "feedback_reason"
# Replies that say what became of a message, by the response that sent them (domain.yml).
REPLY_OUTCOMES = {
    "utter_urgent_help": EMERGENCY,
    "utter_out_of_scope": OUT_OF_SCOPE,
    # nothing in the evidence store comes close to the question
    "utter_cannot_answer_part": OUT_OF_SCOPE,
    "utter_did_you_mean": CLARIFIED,
    "utter_part_did_you_mean": CLARIFIED,
    "utter_ask_rephrase": CLARIFIED,
    "utter_offer_staff": CLARIFIED,  # the second miss in a row (actions/clarifying.py)
}
# The assistant queued the conversation for staff, put the call through, or offered a callback.
HANDOFF_REPLIES = {"utter_handoff_queued", "utter_handoff_transfer", "utter_no_staff_available"}
# The worst outcome a message's replies show wins (an answer with a "did you mean" for a
# second question is still answered).
OUTCOME_RANK = {CLARIFIED: 1, OUT_OF_SCOPE: 2, ANSWERED: 3, EMERGENCY: 4}
# What a message carrying contact details looks like outside the form: an e-mail address or a
# phone number (7+ digits, spaces and dashes between them allowed). Such messages are left out.
CONTACT_DETAILS = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}|\+?\d(?:[\s().-]*\d){6,}", re.IGNORECASE)
BUTTON_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.DOTALL)


@dataclass
class Feedback:
    """A thumbs up or down on an answer, with the reason and comment given after it, if any."""

    at: dt.datetime
    value: str  # "up" or "down"
    items: Tuple[str, ...]
    reason: Optional[str] = None  # a key of lexicon/feedback_reasons.yml
    comment: Optional[str] = None  # contact details removed by the assistant


@dataclass
class PersonMessage:
    conversation: str  # to tell conversations apart in the reports; never shown
    text: str  # as the person wrote it, or the label of the button they pressed
    at: dt.datetime
    channel: str
    intent: Optional[str]
    outcome: str
    topic: Optional[str] = None  # the topic of the answer
    items: Tuple[str, ...] = ()  # the evidence items shown
    offered: Tuple[str, ...] = ()  # the items a "did you mean" offered instead
    feedback: Optional[Feedback] = None
    typed: bool = True  # False for a button press without a label


@dataclass
class Conversations:
    """A period's person messages (those the assistant answered or tried to) and feedback."""

    messages: List[PersonMessage] = field(default_factory=list)
    feedback: List[Feedback] = field(default_factory=list)


def read_period(endpoints_file: str, start: dt.datetime, end: dt.datetime) -> Conversations:
    """The conversations stored by the tracker store the endpoints file names, with events
    from `start` to `end`. Empty when it keeps none yet (no database file, no table)."""
    db_url = tracker_db_url(endpoints_file)
    if db_url is None:
        return Conversations()
    return read_database(db_url, start, end)


def read_database(db_url: str, start: dt.datetime, end: dt.datetime) -> Conversations:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return Conversations()  # and none is created
    engine = make_engine(db_url)
    try:
        if not inspect(engine).has_table(events.name):
            return Conversations()
        with engine.connect() as connection:
            rows = connection.execute(
                select(events.c.sender_id, events.c.data)
                .where(events.c.timestamp >= start.timestamp())
                .where(events.c.timestamp < end.timestamp())
                .order_by(events.c.sender_id, events.c.id)
            ).all()
    finally:
        engine.dispose()
    by_conversation: Dict[str, List[Dict[str, Any]]] = {}
    for sender_id, data in rows:
        by_conversation.setdefault(sender_id, []).append(json.loads(data or "{}"))
    result = Conversations()
    for sender_id, stored in by_conversation.items():
        conversation = person_messages(sender_id, stored)
        result.messages += conversation.messages
        result.feedback += conversation.feedback
    result.messages.sort(key=lambda message: (message.at, message.conversation))
    result.feedback.sort(key=lambda feedback: feedback.at)
    return result


def person_messages(sender_id: str, stored: Iterable[Dict[str, Any]]) -> Conversations:
    """One conversation's events (as Rasa stores them, oldest first) as person messages."""
    stored = list(stored)
    secrets = _callback_values(stored)
    result = Conversations()
    current: Optional[PersonMessage] = None  # the message the assistant is replying to
    in_form = False
    for event in stored:
        kind = event.get("event")
        if kind == "active_loop":
            in_form = event.get("name") == CALLBACK_FORM
        elif kind == "user":
            current = None
            if in_form:
                continue  # a name, a phone number or an e-mail address
            intent = _intent(event)
            if intent == FEEDBACK_INTENT:
                _record_feedback(event, result)
            elif intent == FEEDBACK_REASON_INTENT:
                _record_reason(event, result)
            elif intent == SOMETHING_ELSE_INTENT:
                _something_else(result.messages)
            else:
                current = _message(sender_id, event, intent, secrets)
                if current is not None:
                    result.messages.append(current)
        elif kind == "bot":
            reply = (event.get("metadata") or {}).get("utter_action")
            if reply in HANDOFF_REPLIES:
                _handed_off(result.messages)
            elif current is not None:
                _note_reply(current, event, reply)
    result.messages = [message for message in result.messages if message.outcome]
    return result


def _callback_values(stored: List[Dict[str, Any]]) -> List[str]:
    return [
        str(event["value"])
        for event in stored
        if event.get("event") == "slot"
        and event.get("name") in CALLBACK_SLOTS
        and event.get("value")
    ]


def _intent(event: Dict[str, Any]) -> Optional[str]:
    """A button's payload names its intent (also to a model trained before that intent
    existed, which would classify the payload as text); anything else, what the NLU found."""
    payload = BUTTON_PAYLOAD.match(str(event.get("text") or ""))
    if payload:
        return payload.group(1)
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return str(intent) if intent else None


def _payload_values(event: Dict[str, Any]) -> Dict[str, Any]:
    """The values of a `/intent{"key": "value"}` payload, or of its recognised entities."""
    values = {
        str(entity.get("entity")): entity.get("value")
        for entity in (event.get("parse_data") or {}).get("entities") or []
    }
    payload = BUTTON_PAYLOAD.match(str(event.get("text") or ""))
    if payload and payload.group(2):
        try:
            parsed = json.loads(payload.group(2))
        except json.JSONDecodeError:
            parsed = {}
        if isinstance(parsed, dict):
            values = {**parsed, **values}
    return values


def _time(event: Dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(event.get("timestamp") or 0), dt.timezone.utc)


def _message(
    sender_id: str, event: Dict[str, Any], intent: Optional[str], secrets: List[str]
) -> Optional[PersonMessage]:
    metadata = event.get("metadata") or {}
    raw = str(event.get("text") or "")
    display = metadata.get("display")
    text = str(display) if display else ("" if raw.startswith("/") else raw)
    text = " ".join(text.split())
    if REMOVED in text or CONTACT_DETAILS.search(text):
        return None
    if any(secret and secret in text for secret in secrets):
        return None
    return PersonMessage(
        conversation=sender_id,
        text=text,
        at=_time(event),
        channel=str(event.get("input_channel") or "unknown"),
        intent=intent,
        outcome=EMERGENCY if intent == EMERGENCY_INTENT else "",
        typed=bool(text) and not display,
    )


def _note_reply(message: PersonMessage, event: Dict[str, Any], reply: Optional[str]) -> None:
    custom = ((event.get("data") or {}).get("custom")) or {}
    outcome = REPLY_OUTCOMES.get(reply or "")
    if isinstance(custom, dict) and custom.get("type") == EVIDENCE_ANSWER:
        outcome = ANSWERED
        message.topic = message.topic or custom.get("topic")
        message.items = _unique(message.items + tuple(custom.get("evidence_ids") or ()))
    elif outcome == CLARIFIED:
        message.offered = _unique(message.offered + _offered_items(event))
    if outcome and OUTCOME_RANK.get(outcome, 0) > OUTCOME_RANK.get(message.outcome, 0):
        message.outcome = outcome


def _offered_items(event: Dict[str, Any]) -> Tuple[str, ...]:
    """The evidence items a "did you mean" offered as buttons."""
    offered = []
    for button in (event.get("data") or {}).get("buttons") or []:
        values = _payload_values({"text": button.get("payload")})
        if values.get(EVIDENCE_ITEM_ENTITY):
            offered.append(str(values[EVIDENCE_ITEM_ENTITY]))
    return tuple(offered)


def _unique(ids: Iterable[str]) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


def _something_else(messages: List[PersonMessage]) -> None:
    """ "Something else" after a "did you mean": none of the suggestions was it."""
    if messages and messages[-1].outcome == CLARIFIED:
        messages[-1].outcome = SOMETHING_ELSE


def _handed_off(messages: List[PersonMessage]) -> None:
    """The conversation went to staff: its latest question (or, if it asked none, its latest
    message: "can I talk to someone") is what staff took over. An emergency stays one."""
    asked = [message for message in messages if message.outcome] or messages[-1:]
    if asked and asked[-1].outcome != EMERGENCY:
        asked[-1].outcome = HANDED_OFF


def _record_feedback(event: Dict[str, Any], result: Conversations) -> None:
    value = str(_payload_values(event).get("feedback_value") or "").lower()
    if value not in ("up", "down"):
        return
    items = tuple(str(i) for i in (event.get("metadata") or {}).get("feedback_on") or ())
    feedback = Feedback(_time(event), value, items)
    result.feedback.append(feedback)
    rated = _rated_message(result.messages, items)
    if rated is not None:
        rated.feedback = feedback
        if value == "down" and rated.outcome == ANSWERED:
            rated.outcome = THUMBS_DOWN


def _rated_message(
    messages: List[PersonMessage], items: Tuple[str, ...]
) -> Optional[PersonMessage]:
    """The latest answer that showed the rated items (the latest answer if none is named)."""
    for message in reversed(messages):
        if message.outcome in (ANSWERED, THUMBS_DOWN) and (
            not items or set(items) & set(message.items)
        ):
            return message
    return None


def _record_reason(event: Dict[str, Any], result: Conversations) -> None:
    """The reason given after a thumbs-down belongs to the latest thumbs-down."""
    downs = [feedback for feedback in result.feedback if feedback.value == "down"]
    if not downs:
        return
    reason = _payload_values(event).get("feedback_reason")
    comment = " ".join(str((event.get("metadata") or {}).get("feedback_comment") or "").split())
    latest = downs[-1]  # messages that it rated share this object: they see the reason too
    if reason:
        latest.reason = str(reason)
    if comment and not CONTACT_DETAILS.search(comment):
        latest.comment = comment
