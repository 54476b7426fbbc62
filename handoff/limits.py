"""Caps on new handoffs and callback requests: nobody signs in to ask for staff.

Three caps, each counting handoffs and callback requests together, by when they were created:
per conversation, per client address (the channels' keyed hash, `address_key`; skipped when a
channel did not set one) and overall. The count and the insert happen in one transaction that
holds a lock every new request takes (`request_transaction`), so requests arriving at the same
moment cannot each find room under a cap. A refusal is recorded in `alerts`, one row per cap and
period: the inbox shows it as a banner and announces it once (inbox/notify.py).
"""

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from handoff.outbox import mark_announced
from handoff.schema import alerts, callback_requests, handoffs

CAPS = ("conversation", "address", "overall")  # checked in this order; the first one full says
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
# pg_advisory_xact_lock's key: any number, the same in every process that writes requests
LOCK_KEY = 0x68616E646F6666  # "handoff"


@dataclass(frozen=True)
class RequestLimits:
    """How many new requests for staff (handoffs and callback requests) each window allows."""

    per_conversation: int
    per_address: int
    overall: int
    conversation_window: dt.timedelta = dt.timedelta(hours=24)
    address_window: dt.timedelta = dt.timedelta(hours=1)
    overall_window: dt.timedelta = dt.timedelta(hours=1)

    def limit(self, cap: str) -> int:
        return {
            "conversation": self.per_conversation,
            "address": self.per_address,
            "overall": self.overall,
        }[cap]

    def window(self, cap: str) -> dt.timedelta:
        return {
            "conversation": self.conversation_window,
            "address": self.address_window,
            "overall": self.overall_window,
        }[cap]


class LimitReached(Exception):
    """A new handoff or callback request was refused; `cap` says which cap was full."""

    def __init__(self, cap: str) -> None:
        super().__init__(f"the {cap} cap on requests for staff is reached")
        self.cap = cap


def period_start(moment: dt.datetime, window: dt.timedelta) -> dt.datetime:
    """The start of the fixed period (of the window's length, from 1970) holding `moment`: an
    alert is raised once per cap and period."""
    return EPOCH + ((moment - EPOCH) // window) * window


@contextmanager
def request_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding the lock every new request takes, so count-then-insert is atomic.

    SQLite: BEGIN IMMEDIATE takes the database's write lock at the start (a plain BEGIN takes it
    at the first write, after both of two requests have counted). PostgreSQL: a transaction-level
    advisory lock, released at commit or rollback; under READ COMMITTED each count then sees
    every request committed before the lock was granted."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        yield connection


def _count(
    connection: Connection, since: dt.datetime, where: Optional[Callable[[Any], Any]] = None
) -> int:
    total = 0
    for table in (handoffs, callback_requests):
        query = select(func.count()).select_from(table).where(table.c.created_at >= since)
        if where is not None:
            query = query.where(where(table))
        total += int(connection.execute(query).scalar_one())
    return total


def full_cap(
    connection: Connection,
    limits: RequestLimits,
    conversation_id: str,
    address_key: Optional[str],
    now: dt.datetime,
) -> Optional[str]:
    """The first cap that one more request would exceed, or None."""
    conditions: Dict[str, Optional[Callable[[Any], Any]]] = {
        "conversation": lambda table: table.c.conversation_id == conversation_id,
        "address": (lambda table: table.c.address_key == address_key) if address_key else None,
        "overall": None,
    }
    for cap in CAPS:
        if cap == "address" and not address_key:
            continue  # unknown address: the other two caps still apply
        since = now - limits.window(cap)
        if _count(connection, since, conditions[cap]) >= limits.limit(cap):
            return cap
    return None


def record_refusal(
    connection: Connection, limits: RequestLimits, cap: str, now: dt.datetime
) -> None:
    """Counts a refusal in its cap's alert for this period, creating the alert the first time.
    Called under `request_transaction`'s lock; the unique key would refuse a second row anyway."""
    window = limits.window(cap)
    start = period_start(now, window)
    counted = connection.execute(
        update(alerts)
        .where(alerts.c.cap == cap)
        .where(alerts.c.period_start == start)
        .values(refused=alerts.c.refused + 1, last_refused_at=now)
    )
    if not counted.rowcount:
        connection.execute(
            insert(alerts).values(
                cap=cap,
                period_start=start,
                allowed=limits.limit(cap),
                window_minutes=int(window.total_seconds() // 60),
                refused=1,
                created_at=now,
                last_refused_at=now,
            )
        )


def admit(
    connection: Connection,
    limits: Optional[RequestLimits],
    conversation_id: str,
    address_key: Optional[str],
    now: dt.datetime,
) -> Optional[str]:
    """None if one more request fits every cap; else the full cap, its refusal recorded."""
    if limits is None:
        return None
    cap = full_cap(connection, limits, conversation_id, address_key, now)
    if cap is not None:
        record_refusal(connection, limits, cap, now)
    return cap


def _aware(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)  # SQLite hands back naive UTC
    return value


def _rows(result: Any) -> List[Dict[str, Any]]:
    return [{k: _aware(v) for k, v in row._mapping.items()} for row in result]


def recent_alerts(engine: Engine, since: dt.datetime) -> List[Dict[str, Any]]:
    """Alerts with a refusal since `since`, latest first: the inbox queue's banner."""
    with engine.connect() as connection:
        return _rows(
            connection.execute(
                select(alerts)
                .where(alerts.c.last_refused_at >= since)
                .order_by(alerts.c.last_refused_at.desc())
            ).all()
        )


def claim_alerts(engine: Engine) -> List[Dict[str, Any]]:
    """Alerts nobody has announced yet, each marked as it is returned, and only if no other
    process marked it first (as handoff/outbox.py `claim_notifications`): each is announced once."""
    with engine.connect() as connection:
        pending = _rows(connection.execute(select(alerts).where(alerts.c.notified_at.is_(None))))
    with engine.begin() as connection:
        return mark_announced(connection, alerts.c.id, pending, "id")
