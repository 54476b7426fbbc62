"""The conversation before a handoff, read from the assistant's tracker (Rasa's HTTP API).

Pure functions: a tracker (JSON) in, the messages staff read out. What the person saw
(messages/contract.py `visible_messages`, as the web chat's history shows it: what they typed or
the label of the button they pressed, never the inbox's own external events), what the
assistant answered, and for evidence answers the sources it cited (`data.custom.sources` of the
bot event, see docs/architecture.md).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional

from messages.contract import (
    CHECKED_CLAIM,
    EVIDENCE_ANSWER,
    HANDOFF_STATUS,
    SPECIALIST_DEFERRAL,
    STAFF_MESSAGE,
    URGENT_HELP,
    custom_type,
    visible_messages,
)

KINDS = {
    EVIDENCE_ANSWER: "evidence",
    SPECIALIST_DEFERRAL: "deferral",
    URGENT_HELP: "urgent",
    HANDOFF_STATUS: "status",
    STAFF_MESSAGE: "staff",
}


@dataclass(frozen=True)
class Source:
    title: str
    publisher: str = ""
    year: Optional[int] = None
    url: Optional[str] = None  # http(s) only
    checked_claim: bool = False  # cited as a claim the answer checked, not as support


@dataclass(frozen=True)
class Entry:
    who: str  # person | assistant | staff
    text: str
    at: Optional[dt.datetime]
    kind: Optional[str] = None  # evidence | deferral | urgent | status | staff
    staff_name: Optional[str] = None
    sources: List[Source] = field(default_factory=list)
    buttons: List[str] = field(default_factory=list)


def _time(event: Dict[str, Any]) -> Optional[dt.datetime]:
    stamp = event.get("timestamp")
    if not isinstance(stamp, (int, float)):
        return None
    return dt.datetime.fromtimestamp(stamp, tz=dt.timezone.utc)


def _sources(custom: Dict[str, Any]) -> List[Source]:
    found = []
    for source in custom.get("sources") or []:
        if not isinstance(source, dict) or not source.get("title"):
            continue
        url = source.get("url")
        year = source.get("year")
        found.append(
            Source(
                title=str(source["title"]),
                publisher=str(source.get("publisher") or ""),
                year=year if isinstance(year, int) else None,
                url=url
                if isinstance(url, str) and url.startswith(("https://", "http://"))
                else None,
                checked_claim=source.get("role") == CHECKED_CLAIM,
            )
        )
    return found


def _until(events: Iterable[Dict[str, Any]], before: Optional[dt.datetime]) -> Iterator[Dict]:
    """The events up to the first one at or after `before`."""
    for event in events:
        at = _time(event)
        if before is not None and at is not None and at >= before:
            return
        yield event


def transcript(
    tracker: Optional[Dict[str, Any]], before: Optional[dt.datetime] = None
) -> List[Entry]:
    """The person's and the assistant's messages, oldest first, up to `before` (the handoff)."""
    entries: List[Entry] = []
    for message in visible_messages(_until((tracker or {}).get("events") or [], before)):
        at = _time(message)
        if message["sender"] == "user":
            entries.append(Entry("person", str(message["text"]), at))
            continue
        custom = message.get("custom") if isinstance(message.get("custom"), dict) else {}
        kind = KINDS.get(custom_type(message) or "")
        text = str(message.get("text") or "")
        buttons = [str(b["title"]) for b in message.get("quick_replies") or [] if b.get("title")]
        if not text and not buttons:
            continue  # nothing for staff to read
        entries.append(
            Entry(
                who="staff" if kind == "staff" else "assistant",
                text=text,
                at=at,
                kind=kind,
                staff_name=custom.get("staff_name") if kind == "staff" else None,
                sources=_sources(custom) if kind == "evidence" else [],
                buttons=buttons,
            )
        )
    return entries
