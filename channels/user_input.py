"""What every channel does to a person's message before the assistant sees it.

- Too long: replaced by the `message_too_long` intent, so the person is asked to shorten it
  (domain: utter_message_too_long) and the NLU never runs on a pasted book. The start of
  what they sent is kept as the message shown in the conversation.
- Starts with "/": kept only when a button could have sent exactly it (button_payloads);
  otherwise the slashes are dropped and it is understood as the words it contains, so
  "/emergency@1.0" is text, not an internal intent with a chosen confidence.
- Metadata from the client: only the keys the widget sends, with bounded values. Others
  could impersonate the server's own (`is_external` marks staff-inbox events, which the
  transcript and history skip, so a message carrying it would be hidden from staff).
- Starts with Rasa's external-event prefix ("EXTERNAL: "): the space after the colon becomes
  a no-break space. The person's words look the same, but no reader that skips staff-inbox
  events by their text (the widget's history does) can hide them.
- A comment left with a thumbs-down's reason: kept only on that message, at most
  FEEDBACK_COMMENT_MAX_CHARS, and without contact details (channels/contact_details.py), here
  rather than in the widget so that no channel, and no hand-made request, can store them.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Optional

from channels.button_payloads import FEEDBACK_REASON_INTENT, is_allowed_payload, parse_payload
from channels.contact_details import remove_contact_details
from messages.contract import EXTERNAL_TEXT_PREFIX

TOO_LONG_INTENT = "/message_too_long"
SHOWN_CHARS = 300  # how much of a too-long message the conversation shows
DISPLAY_KEY = "display"  # metadata: what the person's own message looks like on screen
FEEDBACK_KEY = "feedback_on"  # metadata: the evidence ids a thumbs up or down is about
MAX_FEEDBACK_IDS = 10
MAX_ID_CHARS = 100
COMMENT_KEY = "feedback_comment"  # metadata: what a person added to a thumbs-down's reason
FEEDBACK_COMMENT_MAX_CHARS = 300  # the widget's textarea has the same maxlength
# a reason's displayed line is its label and the comment ("Reason: {reason}. {comment}",
# widget/src/config.js), so the comment's cap and room for the label
FEEDBACK_DISPLAY_MAX_CHARS = FEEDBACK_COMMENT_MAX_CHARS + 100
NO_BREAK_SPACE = "\u00a0"


@dataclass
class AdmittedMessage:
    text: str
    metadata: Dict[str, Any] = field(default_factory=dict)
    too_long: bool = False


def _shown(text: str, limit: int = SHOWN_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def admit(text: Any, max_chars: int, metadata: Optional[Dict[str, Any]] = None) -> AdmittedMessage:
    """The text and metadata to hand to Rasa for what a person sent."""
    admitted = _admitted(text, max_chars, metadata)
    # last: shortening a display and dropping slashes can both bring the prefix to the front
    admitted.text = _not_external(admitted.text)
    if DISPLAY_KEY in admitted.metadata:
        admitted.metadata[DISPLAY_KEY] = _not_external(admitted.metadata[DISPLAY_KEY])
    return admitted


def _admitted(text: Any, max_chars: int, metadata: Optional[Dict[str, Any]]) -> AdmittedMessage:
    metadata = client_metadata(metadata, max_chars)
    comment = metadata.pop(COMMENT_KEY, None)
    text = text if isinstance(text, str) else ""
    if len(text) > max_chars:
        metadata[DISPLAY_KEY] = _shown(text)
        return AdmittedMessage(TOO_LONG_INTENT, metadata, too_long=True)
    if text.lstrip().startswith("/") and not is_allowed_payload(text):
        words = text.lstrip().lstrip("/")
        metadata.setdefault(DISPLAY_KEY, text)
        return AdmittedMessage(words, metadata)
    if _is_feedback_reason(text):
        return AdmittedMessage(text, _with_comment(metadata, comment))
    return AdmittedMessage(text, metadata)


def _not_external(text: str) -> str:
    """The text, or, when it starts like Rasa's external events, the same words with a no-break
    space after "EXTERNAL:" (Rasa strips the leading spaces a person adds)."""
    words = text.lstrip()
    if not words.startswith(EXTERNAL_TEXT_PREFIX):
        return text
    return EXTERNAL_TEXT_PREFIX.rstrip() + NO_BREAK_SPACE + words[len(EXTERNAL_TEXT_PREFIX) :]


def _is_feedback_reason(text: str) -> bool:
    parsed = parse_payload(text)
    return parsed is not None and parsed.intent == FEEDBACK_REASON_INTENT


def _with_comment(metadata: Dict[str, Any], comment: Any) -> Dict[str, Any]:
    """The comment capped and without contact details; the displayed line repeats the
    comment, so it loses them too. Both are cut to their caps before they are searched for
    contact details: nothing past a cap is kept, and the search's work grows with the text."""
    if isinstance(comment, str) and comment.strip():
        capped = " ".join(comment.split())[:FEEDBACK_COMMENT_MAX_CHARS]
        metadata[COMMENT_KEY] = remove_contact_details(capped).rstrip()
    if DISPLAY_KEY in metadata:
        capped = _shown(metadata[DISPLAY_KEY], FEEDBACK_DISPLAY_MAX_CHARS)
        metadata[DISPLAY_KEY] = remove_contact_details(capped)
    return metadata


def client_metadata(metadata: Any, max_chars: int) -> Dict[str, Any]:
    """The client's metadata keys the assistant reads, bounded; everything else dropped."""
    if not isinstance(metadata, dict):
        return {}
    kept: Dict[str, Any] = {}
    display = metadata.get(DISPLAY_KEY)
    if isinstance(display, str) and display.strip():
        kept[DISPLAY_KEY] = _shown(display, max_chars)
    ids = metadata.get(FEEDBACK_KEY)
    if isinstance(ids, list):
        kept[FEEDBACK_KEY] = [
            i for i in ids[:MAX_FEEDBACK_IDS] if isinstance(i, str) and len(i) <= MAX_ID_CHARS
        ]
    comment = metadata.get(COMMENT_KEY)
    if isinstance(comment, str):
        kept[COMMENT_KEY] = comment[:max_chars]  # admit() keeps it on a feedback reason only
    return kept
