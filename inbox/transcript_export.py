"""The transcript of an ended handoff as plain text, for the clinical record.

What the conversation page shows, in one file: the handoff's times and staff, the earlier
conversation with the assistant (each answer's sources with their addresses, the specialist
deferral as the person saw it), and the messages with staff. The wording is the template's
(templates/transcript.txt); times are in the inbox's time zone, with the date.
"""

import datetime as dt
from pathlib import Path
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader

from handoff.models import Handoff
from inbox.formatting import CHANNELS, REASONS, STATUSES
from inbox.transcript import Entry

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment(zone: ZoneInfo) -> Environment:
    # plain text: nothing is HTML-escaped
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["when"] = lambda value: (
        value.astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "time unknown"
    )
    return environment


def staff_in(handoff: Handoff, messages: List[Dict[str, Any]], names: Dict[int, str]) -> List[str]:
    """Everyone on the staff side of this handoff, in the order they took part."""
    ids = [handoff.claimed_by] + [m.get("staff_id") for m in messages] + [handoff.ended_by]
    found: List[str] = []
    for staff_id in ids:
        name = names.get(staff_id) if staff_id is not None else None
        if name and name not in found:
            found.append(name)
    return found


def transcript_text(
    handoff: Handoff,
    earlier: Optional[List[Entry]],
    messages: List[Dict[str, Any]],
    names: Dict[int, str],
    zone_name: str,
    exported_by: str,
    exported_at: dt.datetime,
) -> str:
    """The whole file. `earlier` is None when the assistant could not be reached."""
    zone = ZoneInfo(zone_name)
    return (
        _environment(zone)
        .get_template("transcript.txt")
        .render(
            handoff=handoff,
            reason=REASONS.get(handoff.reason, REASONS["other"]),
            channel=CHANNELS.get(handoff.channel, CHANNELS["other"]),
            outcome=STATUSES.get(handoff.status, handoff.status),
            names=names,
            staff=staff_in(handoff, messages, names),
            zone=zone_name,
            earlier=earlier,
            messages=messages,
            exported_by=exported_by,
            exported_at=exported_at,
        )
    )


def file_name(handoff: Handoff) -> str:
    """transcript-<date>-<short id>.txt: the id is the store's uuid hex, safe in a header."""
    day = handoff.created_at.strftime("%Y-%m-%d")
    return f"transcript-{day}-{handoff.id[:8]}.txt"
