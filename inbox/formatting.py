"""How times, waits and codes are shown to staff (Jinja filters, also used for live events)."""

import datetime as dt
import re
from typing import Any, Callable, Dict, Optional
from zoneinfo import ZoneInfo

from handoff.models import utcnow

REASONS = {
    "requested": "Asked for a person",
    "misunderstood": "Assistant did not understand",
    "feedback": "Unhappy with an answer",
    "emergency": "Emergency",
    "other": "Other",
}
STATUSES = {
    "waiting": "Waiting",
    "claimed": "Being answered",
    "closed": "Closed",
    "returned": "Returned to the assistant",
}
CHANNELS = {
    "webchat": "Web chat",
    "rest": "Web (REST)",
    "voice": "Phone",
    "unknown": "Unknown",
    "other": "Other",  # a name the client made up (handoff.models.known_channel)
}
CAPS = {  # handoff/limits.py CAPS: which cap on requests for staff refused someone
    "conversation": "Per conversation",
    "address": "Per address",
    "overall": "Overall",
    "other": "Other",
}
ACTIONS = {
    "sign_in": "Signed in",
    "sign_out": "Signed out",
    "sign_in_failed": "Failed sign-in",
    "sign_in_blocked": "Sign-in blocked (too many failures)",
    "view": "Opened conversation",
    "export_transcript": "Downloaded a transcript",
    "export_curation": "Downloaded a curators' report",
    "view_callback": "Opened callback request",
    "claim": "Claimed",
    "reply": "Replied",
    "closed": "Closed",
    "returned": "Returned to the assistant",
    "callback_done": "Callback done",
    "retention": "Deleted old records",
    "account_disabled": "Disabled an account",
    "account_enabled": "Enabled an account",
    "canned_reply_added": "Added a saved reply",
    "canned_reply_edited": "Edited a saved reply",
    "canned_reply_deleted": "Deleted a saved reply",
}


def local_time(
    value: Optional[dt.datetime], zone: dt.tzinfo, now: Optional[dt.datetime] = None
) -> str:
    """ "14:05" today, "21 Nov 14:05" otherwise, in the centre's time zone."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    today = (now or utcnow()).astimezone(zone).date()
    if local.date() == today:
        return local.strftime("%H:%M")
    if local.year == today.year:
        return local.strftime("%-d %b %H:%M")
    return local.strftime("%-d %b %Y %H:%M")


def waited(since: Optional[dt.datetime], now: Optional[dt.datetime] = None) -> str:
    """How long ago, in words staff scan quickly: "just now", "7 min", "2 h 5 min", "3 days"."""
    if since is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - since).total_seconds()))
    if seconds < 60:
        return "just now"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def duration(seconds: float) -> str:
    """A span of time as `waited` words it ("under a minute", "7 min", "2 h 5 min")."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")


def unmarked(text: Optional[str]) -> str:
    """An answer's Markdown as plain text for staff pages (the widget renders it; the inbox
    shows it as text, where "**70%**" would be noise): bold markers go, a link keeps its
    address in brackets."""
    if not text:
        return ""
    return LINK.sub(r"\1 (\2)", EMPHASIS.sub(r"\2", text))


def iso(value: Optional[dt.datetime]) -> str:
    return value.astimezone(dt.timezone.utc).isoformat() if value else ""


def filters(timezone: str) -> Dict[str, Callable[..., Any]]:
    zone = ZoneInfo(timezone)
    return {
        "local_time": lambda value: local_time(value, zone),
        "waited": waited,
        "duration": duration,
        "iso": iso,
        "unmarked": unmarked,
        "reason_label": lambda code: REASONS.get(code, code),
        "status_label": lambda code: STATUSES.get(code, code),
        "channel_label": lambda code: CHANNELS.get(code, code),
        "action_label": lambda code: ACTIONS.get(code, code),
        "short_id": lambda value: (value or "")[:8],
    }
