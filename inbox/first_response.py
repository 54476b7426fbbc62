"""The first-response timer: how long a person has waited for staff's first reply, counting
on-duty hours only (HANDOFF_HOURS), so a request left at 16:55 on a Friday is not "breached" by
Monday morning.

A handoff's timer runs from when the person asked for staff until the first staff message,
whether or not someone has claimed it (claiming is not an answer). It is "warning" past
INBOX_FIRST_RESPONSE_WARNING_MINUTES and "breached" past INBOX_FIRST_RESPONSE_BREACH_MINUTES.
A breach is recorded once per handoff (`first_response_breaches`, inbox/schema.py): the
notifier (inbox/notify.py) announces each once, as it does the caps' alerts.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import exists, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from handoff.availability import OnDutyHours
from handoff.models import ACTIVE, Handoff, utcnow
from handoff.outbox import mark_announced
from handoff.schema import handoff_messages, handoffs
from handoff.store import HandoffStore
from inbox.schema import first_response_breaches

UTC = dt.timezone.utc
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Targets:
    """When a wait for the first reply earns a warning, and when it is a breach."""

    warning: dt.timedelta
    breach: dt.timedelta


@dataclass(frozen=True)
class FirstResponse:
    state: str  # waiting | warning | breached | answered
    seconds: float  # on duty: so far, or until the first staff reply
    counting: bool  # still waiting and staff are on duty now: the timer is running
    late: bool = False  # answered after the breach threshold

    @property
    def minutes(self) -> int:
        return int(self.seconds // 60)


def _duty_intervals(day: dt.date, hours: OnDutyHours) -> List[Tuple[dt.datetime, dt.datetime]]:
    """The on-duty intervals of one local day, in UTC, overlaps merged (so never counted twice)."""
    intervals = []
    for weekday, start, end in hours.windows:
        if weekday != day.weekday():
            continue
        opens = dt.datetime.combine(day, start, tzinfo=hours.zone)
        closes = (
            dt.datetime.combine(day + DAY, dt.time.min, tzinfo=hours.zone)
            if end == dt.time.max  # "24:00"
            else dt.datetime.combine(day, end, tzinfo=hours.zone)
        )
        # in UTC: subtracting two datetimes of the same zone ignores a clock change between them
        intervals.append((opens.astimezone(UTC), closes.astimezone(UTC)))
    merged: List[Tuple[dt.datetime, dt.datetime]] = []
    for opens, closes in sorted(intervals):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return merged


def on_duty_seconds(start: dt.datetime, end: dt.datetime, hours: OnDutyHours) -> float:
    """Seconds between `start` and `end` (aware datetimes) that fall in on-duty hours."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.astimezone(hours.zone).date()
    last = end.astimezone(hours.zone).date()
    while day <= last:
        for opens, closes in _duty_intervals(day, hours):
            overlap = (min(end, closes) - max(start, opens)).total_seconds()
            total += max(0.0, overlap)
        day += DAY
    return total


def state_of(seconds: float, targets: Targets) -> str:
    if seconds >= targets.breach.total_seconds():
        return "breached"
    if seconds >= targets.warning.total_seconds():
        return "warning"
    return "waiting"


def timer(
    created_at: dt.datetime,
    first_reply_at: Optional[dt.datetime],
    still_active: bool,
    now: dt.datetime,
    hours: OnDutyHours,
    targets: Targets,
) -> Optional[FirstResponse]:
    """The handoff's timer; None when it ended without a staff reply (nothing to time)."""
    if first_reply_at is not None:
        seconds = on_duty_seconds(created_at, first_reply_at, hours)
        late = seconds >= targets.breach.total_seconds()
        return FirstResponse("answered", seconds, counting=False, late=late)
    if not still_active:
        return None
    seconds = on_duty_seconds(created_at, now, hours)
    return FirstResponse(state_of(seconds, targets), seconds, counting=hours.is_on_duty(now))


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite: naive UTC


def first_staff_replies(engine: Engine, handoff_ids: Iterable[str]) -> Dict[str, dt.datetime]:
    """When staff first wrote in each handoff (those they wrote in)."""
    ids = list(handoff_ids)
    if not ids:
        return {}
    query = (
        select(handoff_messages.c.handoff_id, func.min(handoff_messages.c.created_at))
        .where(handoff_messages.c.handoff_id.in_(ids))
        .where(handoff_messages.c.sender == "staff")
        .group_by(handoff_messages.c.handoff_id)
    )
    with engine.connect() as connection:
        return {row[0]: _aware(row[1]) for row in connection.execute(query).all()}


def timers(
    engine: Engine,
    shown: Sequence[Handoff],
    hours: OnDutyHours,
    targets: Targets,
    now: Optional[dt.datetime] = None,
) -> Dict[str, FirstResponse]:
    """The timers of the handoffs on a page, by handoff id (none for those ended unanswered)."""
    now = now or utcnow()
    replies = first_staff_replies(engine, (h.id for h in shown))
    found = {
        h.id: timer(h.created_at, replies.get(h.id), h.active, now, hours, targets) for h in shown
    }
    return {handoff_id: found for handoff_id, found in found.items() if found is not None}


def _unanswered(engine: Engine) -> List[Dict[str, Any]]:
    staff_wrote = exists().where(
        (handoff_messages.c.handoff_id == handoffs.c.id) & (handoff_messages.c.sender == "staff")
    )
    query = select(handoffs.c.id, handoffs.c.created_at).where(
        handoffs.c.status.in_(list(ACTIVE)), ~staff_wrote
    )
    with engine.connect() as connection:
        return [
            {"id": row.id, "created_at": _aware(row.created_at)}
            for row in connection.execute(query)
        ]


def _record_breach(engine: Engine, handoff_id: str, now: dt.datetime) -> None:
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(first_response_breaches).values(handoff_id=handoff_id, breached_at=now)
            )
    except IntegrityError:
        pass  # recorded already (by an earlier round, or another inbox process)


class Watch:
    """What the notifier checks each round: which unanswered handoffs changed state (so open
    pages redraw their timers) and which breached for the first time (recorded once)."""

    def __init__(self, store: HandoffStore, hours: OnDutyHours, targets: Targets) -> None:
        self.store = store
        self.hours = hours
        self.targets = targets
        self.states: Dict[str, str] = {}

    def check(self, now: Optional[dt.datetime] = None) -> bool:
        """True if any timer changed state since the last check. Breaches are recorded."""
        now = now or utcnow()
        engine = self.store.engine
        states = {
            row["id"]: state_of(on_duty_seconds(row["created_at"], now, self.hours), self.targets)
            for row in _unanswered(engine)
        }
        breached = [handoff_id for handoff_id, state in states.items() if state == "breached"]
        if breached:
            with engine.connect() as connection:
                known = set(
                    connection.execute(
                        select(first_response_breaches.c.handoff_id).where(
                            first_response_breaches.c.handoff_id.in_(breached)
                        )
                    ).scalars()
                )
            for handoff_id in breached:
                if handoff_id not in known:
                    _record_breach(engine, handoff_id, now)
        changed = any(self.states.get(key) != state for key, state in states.items())
        self.states = states
        return changed


def claim_breaches(engine: Engine) -> List[Dict[str, Any]]:
    """Breaches nobody has announced yet, with their handoff, each marked as it is returned and
    only if no other process marked it first (as handoff.limits.claim_alerts): told once."""
    query = (
        select(
            first_response_breaches.c.handoff_id,
            first_response_breaches.c.breached_at,
            handoffs.c.reason,
            handoffs.c.channel,
            handoffs.c.urgent,
            handoffs.c.created_at,
        )
        .join(handoffs, handoffs.c.id == first_response_breaches.c.handoff_id)
        .where(first_response_breaches.c.notified_at.is_(None))
    )
    with engine.connect() as connection:
        pending = [dict(row._mapping) for row in connection.execute(query)]
    with engine.begin() as connection:
        claimed = mark_announced(
            connection, first_response_breaches.c.handoff_id, pending, "handoff_id"
        )
    return [{**row, "created_at": _aware(row["created_at"])} for row in claimed]
