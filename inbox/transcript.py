"""The conversation before a handoff, read from the assistant's tracker (Rasa's HTTP API).

Pure functions: a tracker (JSON) in, the messages staff read out. What the person typed (or the
label of the button they pressed), what the assistant answered, and for evidence answers the
sources it cited (`data.custom.sources` of the bot event, see docs/architecture.md). External
events the inbox itself triggered (`EXTERNAL_staff_reply`, ...) are nobody's words: left out.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

STAFF_MESSAGE = "staff_message"
KINDS = {
    "evidence_answer": "evidence",
    "specialist_deferral": "deferral",
    "urgent_help": "urgent",
    "handoff_status": "status",
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
                checked_claim=source.get("role") == "checked_claim",
            )
        )
    return found


def _is_external(event: Dict[str, Any]) -> bool:
    intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
    return intent.startswith("EXTERNAL_") or str(event.get("text") or "").startswith("EXTERNAL: ")


def transcript(
    tracker: Optional[Dict[str, Any]], before: Optional[dt.datetime] = None
) -> List[Entry]:
    """The person's and the assistant's messages, oldest first, up to `before` (the handoff)."""
    entries: List[Entry] = []
    for event in (tracker or {}).get("events") or []:
        at = _time(event)
        if before is not None and at is not None and at >= before:
            break
        if event.get("event") == "user":
            if _is_external(event):
                continue
            shown = (event.get("metadata") or {}).get("display") or event.get("text")
            if shown:
                entries.append(Entry("person", str(shown), at))
        elif event.get("event") == "bot":
            data = event.get("data") or {}
            custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
            kind = KINDS.get(str(custom.get("type")))
            text = str(event.get("text") or "")
            buttons = [
                str(b.get("title"))
                for b in (data.get("buttons") or data.get("quick_replies") or [])
                if isinstance(b, dict) and b.get("title")
            ]
            if not text and not buttons:
                continue
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
