"""What the handoff tables hold, as Python values: a handoff, its states, the channels.

Plain data shared by every module that reads or writes the queue; no database access here.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, Optional

ACTIVE = ("waiting", "claimed")
ENDED = ("closed", "returned")
REASONS = ("requested", "misunderstood", "feedback", "emergency")
# The channels of credentials.yml. Rasa's REST channel takes `input_channel` from the client's
# request, so any other name is stored as "other": it is shown to staff and sent in notifications.
CHANNELS = ("webchat", "rest", "voice", "unknown")


def known_channel(name: Optional[str]) -> str:
    if not name:
        return "unknown"
    return name if name in CHANNELS else "other"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def aware(value: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def row_dict(row: Any) -> Dict[str, Any]:
    """A result row as a dict, its datetimes in UTC."""
    return {
        key: aware(value) if isinstance(value, dt.datetime) else value
        for key, value in row._mapping.items()
    }


@dataclass(frozen=True)
class Handoff:
    id: str
    conversation_id: str
    channel: str
    status: str
    reason: str
    urgent: bool
    created_at: dt.datetime
    claimed_by: Optional[int]
    claimed_at: Optional[dt.datetime]
    ended_by: Optional[int]
    ended_at: Optional[dt.datetime]
    updated_at: dt.datetime

    @classmethod
    def from_row(cls, row: Any) -> "Handoff":
        data = row_dict(row)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})

    @property
    def active(self) -> bool:
        return self.status in ACTIVE
