"""The message contract: what a bot message's custom payload is called, how the staff inbox's
own events are recognised, and which tracker events a person sees, in what shape.

One place for what the actions send (actions/rendering.py, actions/handoff.py, domain.yml's
`custom:` responses) and what the readers expect: the web chat's history (channels/webchat.py),
the staff inbox's transcript (inbox/transcript.py), the phone (channels/voice_twiml.py), the
curators' reports and the widget (widget/src/render.js reads these names from the JSON that
messages/widget_export.py writes). Plain Python: no rasa or rasa_sdk, so every service and the
tests import it.
"""

from typing import Any, Dict, Iterable, List, Mapping, Optional

# --- custom payload types: `custom.type` of a bot message (docs/architecture.md) ---------------
EVIDENCE_ANSWER = "evidence_answer"  # an answer's citations (actions/rendering.py)
SPECIALIST_DEFERRAL = "specialist_deferral"  # "ask your MS specialist", last of an answer
URGENT_HELP = "urgent_help"  # emergency guidance, before anything else
HANDOFF_STATUS = "handoff_status"  # queued / ended notices of a staff handoff (`state`)
STAFF_MESSAGE = "staff_message"  # a reply typed by a member of staff (`staff_name`)
TRANSFER = "transfer"  # the phone puts the caller through to staff
END_CALL = "end_call"  # the phone hangs up after this message
PAYLOAD_TYPES = {
    "EVIDENCE_ANSWER": EVIDENCE_ANSWER,
    "SPECIALIST_DEFERRAL": SPECIALIST_DEFERRAL,
    "URGENT_HELP": URGENT_HELP,
    "HANDOFF_STATUS": HANDOFF_STATUS,
    "STAFF_MESSAGE": STAFF_MESSAGE,
    "TRANSFER": TRANSFER,
    "END_CALL": END_CALL,
}

# The `role` of each source in an evidence answer's payload: it supports the answer, or it is a
# claim the answer checked (and corrected), never to be counted as support.
SUPPORTS = "supports"
CHECKED_CLAIM = "checked_claim"
SOURCE_ROLES = {"SUPPORTS": SUPPORTS, "CHECKED_CLAIM": CHECKED_CLAIM}

# --- the staff inbox's own events ------------------------------------------------------------
# Staff replies and the end of a handoff reach the assistant as Rasa's external events
# (trigger_intent): intent EXTERNAL_<name>, stored as a user message "EXTERNAL: EXTERNAL_<name>"
# with metadata {"is_external": true}. Nobody typed them, so nobody is shown them. They are
# recognised by the metadata or the intent, which only trigger_intent sets (the channels drop
# a client's metadata keys and turn a typed "/EXTERNAL_…" into words), never by the text alone,
# which anybody can type.
EXTERNAL_INTENT_PREFIX = "EXTERNAL_"
EXTERNAL_TEXT_PREFIX = "EXTERNAL: "  # Rasa's EXTERNAL_MESSAGE_PREFIX
IS_EXTERNAL_KEY = "is_external"
# metadata: what the person's own message looks like on screen (a button's title, not its
# payload); set by channels/user_input.py
DISPLAY_KEY = "display"

USER = "user"
BOT = "bot"


def custom_type(message: Mapping[str, Any]) -> Optional[str]:
    """The payload type of a bot message (or its `data`), or None."""
    custom = message.get("custom")
    kind = custom.get("type") if isinstance(custom, dict) else None
    return kind if isinstance(kind, str) else None


def is_external(event: Mapping[str, Any]) -> bool:
    """A user event the staff inbox triggered rather than a person typed."""
    metadata = event.get("metadata")
    if isinstance(metadata, dict) and metadata.get(IS_EXTERNAL_KEY):
        return True
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
    return str(intent).startswith(EXTERNAL_INTENT_PREFIX)


def bot_message(message: Mapping[str, Any]) -> Dict[str, Any]:
    """One bot message as a client receives it: `text`, `quick_replies` (from Rasa's buttons)
    and `custom` together, each only when present. Used live and for history alike."""
    shaped: Dict[str, Any] = {}
    if message.get("text"):
        shaped["text"] = message["text"]
    buttons = message.get("buttons") or message.get("quick_replies") or []
    replies = [
        {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")}
        for b in buttons
        if isinstance(b, dict)
    ]
    if replies:
        shaped["quick_replies"] = replies
    if message.get("custom"):
        shaped["custom"] = message["custom"]
    return shaped


def visible_messages(events: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """The messages of a tracker's events (as JSON: `event.as_dict()`, Rasa's HTTP API) that the
    person saw, oldest first: `{"sender": "user", "text", "timestamp"}` with what their screen
    showed, and `{"sender": "bot", "text"?, "quick_replies"?, "custom"?, "timestamp"}`. Other
    events, the inbox's external events and empty messages are left out."""
    messages: List[Dict[str, Any]] = []
    for event in events:
        if event.get("event") == USER:
            if is_external(event):
                continue
            metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
            shown = metadata.get(DISPLAY_KEY) or event.get("text")
            if shown:
                messages.append(
                    {"sender": USER, "text": shown, "timestamp": event.get("timestamp")}
                )
        elif event.get("event") == BOT:
            data = event.get("data") if isinstance(event.get("data"), dict) else {}
            shaped = bot_message({"text": event.get("text"), **data})
            if shaped:
                messages.append({"sender": BOT, **shaped, "timestamp": event.get("timestamp")})
    return messages


def as_json() -> Dict[str, Any]:
    """The names a client needs, for the widget's build (messages/widget_export.py): each
    keyed by its name here, so a renamed constant fails the widget's tests, not a conversation."""
    return {
        "payload_types": dict(PAYLOAD_TYPES),
        "source_roles": dict(SOURCE_ROLES),
        "external_text_prefix": EXTERNAL_TEXT_PREFIX + EXTERNAL_INTENT_PREFIX,
    }
