"""The handoff queue in the database: handoffs, their messages, callback requests, the audit log.

Every write is a short transaction, so a process restart at any point leaves the queue
consistent: an open handoff stays open, a staff message not yet delivered is delivered later.
"""

import datetime as dt
import statistics
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import and_, create_engine, delete, event, func, insert, or_, select, update
from sqlalchemy.engine import Engine

from handoff.limits import LimitReached, RequestLimits, admit, request_transaction
from handoff.schema import (
    add_missing_columns,
    audit_log,
    callback_requests,
    handoff_end_notices,
    handoff_messages,
    handoffs,
    metadata,
    staff,
    staff_sessions,
)

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


def _aware(value: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _row(row: Any) -> Dict[str, Any]:
    return {
        key: _aware(value) if isinstance(value, dt.datetime) else value
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
        data = _row(row)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def make_engine(db_url: str) -> Engine:
    # hide_parameters: a database error must not copy a person's message into the logs
    if db_url.startswith("sqlite"):
        engine = create_engine(
            db_url, future=True, hide_parameters=True, connect_args={"timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cursor.close()

        return engine
    return create_engine(db_url, future=True, pool_pre_ping=True, hide_parameters=True)


class HandoffStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, db_url: str) -> "HandoffStore":
        if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:///:memory:"):
            from pathlib import Path

            Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        store = cls(make_engine(db_url))
        store.create_tables()
        return store

    def create_tables(self) -> None:
        metadata.create_all(self.engine)
        add_missing_columns(self.engine)

    # --- the person's side (used by the actions) ------------------------------------------
    def active_handoff(self, conversation_id: str) -> Optional[Handoff]:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(handoffs)
                .where(handoffs.c.conversation_id == conversation_id)
                .where(handoffs.c.status.in_(ACTIVE))
                .order_by(handoffs.c.created_at.desc())
            ).first()
        return Handoff.from_row(row) if row else None

    def open_handoff(
        self,
        conversation_id: str,
        channel: str,
        reason: str,
        urgent: bool = False,
        address_key: Optional[str] = None,
        limits: Optional[RequestLimits] = None,
    ) -> Handoff:
        """The conversation's open handoff, or a new one in the queue.

        With `limits` (the actions pass them: anyone may ask for staff) a new one only within
        the caps, else LimitReached, the refusal recorded for staff (handoff/limits.py). The
        lookup, the count and the insert are one locked transaction: requests at the same
        moment neither exceed a cap nor open two handoffs for one conversation."""
        if reason not in REASONS:
            raise ValueError(f"unknown handoff reason '{reason}'")
        handoff_id = uuid.uuid4().hex
        refused: Optional[str] = None
        with request_transaction(self.engine) as connection:
            now = utcnow()  # once the lock is ours: in the order requests are written
            existing = connection.execute(
                select(handoffs.c.id, handoffs.c.urgent)
                .where(handoffs.c.conversation_id == conversation_id)
                .where(handoffs.c.status.in_(ACTIVE))
                .order_by(handoffs.c.created_at.desc())
            ).first()
            if existing:
                handoff_id = existing.id
                if urgent and not existing.urgent:
                    connection.execute(
                        update(handoffs)
                        .where(handoffs.c.id == handoff_id)
                        .values(urgent=True, updated_at=now)
                    )
            else:
                refused = admit(connection, limits, conversation_id, address_key, now)
                if refused is None:
                    connection.execute(
                        insert(handoffs).values(
                            id=handoff_id,
                            conversation_id=conversation_id,
                            channel=known_channel(channel),
                            status="waiting",
                            reason=reason,
                            urgent=urgent,
                            created_at=now,
                            updated_at=now,
                            address_key=address_key,
                        )
                    )
        if refused is not None:
            raise LimitReached(refused)
        return self.get_handoff(handoff_id)  # type: ignore[return-value]

    def add_person_message(self, handoff_id: str, text: str, urgent: bool = False) -> int:
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(
                insert(handoff_messages).values(
                    handoff_id=handoff_id,
                    sender="person",
                    text=text,
                    created_at=now,
                )
            )
            values: Dict[str, Any] = {"updated_at": now}
            if urgent:
                values["urgent"] = True
            connection.execute(update(handoffs).where(handoffs.c.id == handoff_id).values(**values))
        return int(result.inserted_primary_key[0])

    def undelivered_staff_messages(self, conversation_id: str) -> List[Dict[str, Any]]:
        """Staff messages of the conversation not yet sent to the person, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(handoff_messages, staff.c.name.label("staff_name"))
                .join(handoffs, handoffs.c.id == handoff_messages.c.handoff_id)
                .outerjoin(staff, staff.c.id == handoff_messages.c.staff_id)
                .where(handoffs.c.conversation_id == conversation_id)
                .where(handoff_messages.c.sender == "staff")
                .where(handoff_messages.c.delivered_at.is_(None))
                .order_by(handoff_messages.c.id)
            ).all()
        return [_row(row) for row in rows]

    def mark_delivered(self, message_ids: Sequence[int]) -> None:
        if not message_ids:
            return
        with self.engine.begin() as connection:
            connection.execute(
                update(handoff_messages)
                .where(handoff_messages.c.id.in_(list(message_ids)))
                .values(delivered_at=utcnow())
            )

    def queue_position(self, handoff_id: str) -> int:
        """1 for the next handoff to be claimed."""
        handoff = self.get_handoff(handoff_id)
        if handoff is None or handoff.status != "waiting":
            return 0
        with self.engine.connect() as connection:
            ahead = connection.execute(
                select(func.count())
                .select_from(handoffs)
                .where(handoffs.c.status == "waiting")
                .where(handoffs.c.created_at < handoff.created_at)
            ).scalar_one()
        return int(ahead) + 1

    def estimated_wait_minutes(self, default: int, recent: int = 20) -> int:
        """Median time to claim over recent handoffs, per person ahead in the queue."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(handoffs.c.created_at, handoffs.c.claimed_at)
                .where(handoffs.c.claimed_at.is_not(None))
                .order_by(handoffs.c.claimed_at.desc())
                .limit(recent)
            ).all()
        waits = [
            (_aware(claimed) - _aware(created)).total_seconds() / 60  # type: ignore[operator]
            for created, claimed in rows
        ]
        return max(1, round(statistics.median(waits))) if waits else default

    def staff_signed_in(self, within_seconds: int, now: Optional[dt.datetime] = None) -> bool:
        since = (now or utcnow()) - dt.timedelta(seconds=within_seconds)
        with self.engine.connect() as connection:
            count = connection.execute(
                select(func.count())
                .select_from(staff_sessions)
                .join(staff, staff.c.id == staff_sessions.c.staff_id)
                .where(staff_sessions.c.last_seen >= since)
                .where(staff_sessions.c.expires_at > (now or utcnow()))
                .where(staff.c.disabled.is_(False))
            ).scalar_one()
        return count > 0

    def check_request_limits(
        self, conversation_id: str, address_key: Optional[str], limits: RequestLimits
    ) -> Optional[str]:
        """The full cap, its refusal recorded (as `create_callback` would), or None: asked before
        a callback request's name and contact are taken, so nobody gives them in vain."""
        with request_transaction(self.engine) as connection:
            return admit(connection, limits, conversation_id, address_key, utcnow())

    def create_callback(
        self,
        conversation_id: str,
        channel: str,
        name: str,
        contact: str,
        address_key: Optional[str] = None,
        limits: Optional[RequestLimits] = None,
    ) -> str:
        """Stores a callback request; with `limits`, only within the caps (as `open_handoff`)."""
        callback_id = uuid.uuid4().hex
        with request_transaction(self.engine) as connection:
            now = utcnow()
            refused = admit(connection, limits, conversation_id, address_key, now)
            if refused is None:
                connection.execute(
                    insert(callback_requests).values(
                        id=callback_id,
                        conversation_id=conversation_id,
                        channel=known_channel(channel),
                        name=name,
                        contact=contact,
                        consented_at=now,
                        status="open",
                        created_at=now,
                        updated_at=now,
                        address_key=address_key,
                    )
                )
        if refused is not None:
            raise LimitReached(refused)
        return callback_id

    # --- the staff side (used by the inbox) ------------------------------------------------
    def get_handoff(self, handoff_id: str) -> Optional[Handoff]:
        with self.engine.connect() as connection:
            row = connection.execute(select(handoffs).where(handoffs.c.id == handoff_id)).first()
        return Handoff.from_row(row) if row else None

    def list_handoffs(
        self,
        statuses: Sequence[str],
        claimed_by: Optional[int] = None,
        limit: int = 200,
        newest_first: bool = False,
        offset: int = 0,
    ) -> List[Handoff]:
        """Urgent first, then oldest first (the queue); or most recently changed first. The id
        breaks ties, so pages (`offset`) neither repeat nor skip a handoff."""
        query = select(handoffs).where(handoffs.c.status.in_(list(statuses)))
        if claimed_by is not None:
            query = query.where(handoffs.c.claimed_by == claimed_by)
        if newest_first:
            query = query.order_by(handoffs.c.updated_at.desc(), handoffs.c.id)
        else:
            query = query.order_by(handoffs.c.urgent.desc(), handoffs.c.created_at, handoffs.c.id)
        query = query.limit(limit).offset(offset)
        with self.engine.connect() as connection:
            return [Handoff.from_row(row) for row in connection.execute(query).all()]

    def count_handoffs(self, statuses: Sequence[str], claimed_by: Optional[int] = None) -> int:
        """How many `list_handoffs` would list without a limit: the queue's pages."""
        query = (
            select(func.count()).select_from(handoffs).where(handoffs.c.status.in_(list(statuses)))
        )
        if claimed_by is not None:
            query = query.where(handoffs.c.claimed_by == claimed_by)
        with self.engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def messages(self, handoff_id: str, after_id: int = 0) -> List[Dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(handoff_messages, staff.c.name.label("staff_name"))
                .outerjoin(staff, staff.c.id == handoff_messages.c.staff_id)
                .where(handoff_messages.c.handoff_id == handoff_id)
                .where(handoff_messages.c.id > after_id)
                .order_by(handoff_messages.c.id)
            ).all()
        return [_row(row) for row in rows]

    def claim(self, handoff_id: str, staff_id: int) -> bool:
        """Claims a waiting handoff; False if someone else was quicker (or it ended)."""
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id)
                .where(handoffs.c.status == "waiting")
                .values(status="claimed", claimed_by=staff_id, claimed_at=now, updated_at=now)
            )
            if result.rowcount:
                self._audit(connection, staff_id, "claim", handoff_id=handoff_id)
        return bool(result.rowcount)

    def add_staff_message(self, handoff_id: str, staff_id: int, text: str) -> Optional[int]:
        """Stores a reply of the staff member who claimed the handoff; None (nothing written) if
        they have not claimed it, or it ended. The check is the statement that writes, so a
        colleague's claim or an end in between cannot slip past it."""
        now = utcnow()
        with self.engine.begin() as connection:
            mine = connection.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id)
                .where(handoffs.c.status == "claimed")
                .where(handoffs.c.claimed_by == staff_id)
                .values(updated_at=now)
            )
            if not mine.rowcount:
                return None
            result = connection.execute(
                insert(handoff_messages).values(
                    handoff_id=handoff_id,
                    sender="staff",
                    staff_id=staff_id,
                    text=text,
                    created_at=now,
                )
            )
            self._audit(connection, staff_id, "reply", handoff_id=handoff_id)
        return int(result.inserted_primary_key[0])

    def end(self, handoff_id: str, staff_id: int, outcome: str) -> bool:
        """Closes the handoff (`closed`) or gives it back to the assistant (`returned`).

        Only the staff member who claimed it, or anyone while it waits: checked in the statement
        that writes, so a claim in between makes it fail. Also records that the assistant must be
        told (`pending_end_notices`), in the same transaction, so the person hears about it even
        if the assistant is unreachable now."""
        if outcome not in ENDED:
            raise ValueError(f"unknown outcome '{outcome}'")
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(
                update(handoffs)
                .where(handoffs.c.id == handoff_id)
                .where(
                    or_(
                        handoffs.c.status == "waiting",
                        and_(handoffs.c.status == "claimed", handoffs.c.claimed_by == staff_id),
                    )
                )
                .values(status=outcome, ended_by=staff_id, ended_at=now, updated_at=now)
            )
            if result.rowcount:
                conversation_id = connection.execute(
                    select(handoffs.c.conversation_id).where(handoffs.c.id == handoff_id)
                ).scalar_one()
                connection.execute(
                    insert(handoff_end_notices).values(
                        handoff_id=handoff_id, conversation_id=conversation_id, created_at=now
                    )
                )
                self._audit(connection, staff_id, outcome, handoff_id=handoff_id)
        return bool(result.rowcount)

    def pending_end_notices(self, older_than: Optional[dt.datetime] = None) -> List[Dict[str, Any]]:
        """Ended handoffs the assistant has not yet confirmed hearing about, oldest first."""
        query = select(handoff_end_notices).where(handoff_end_notices.c.delivered_at.is_(None))
        if older_than is not None:
            query = query.where(handoff_end_notices.c.created_at <= older_than)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(handoff_end_notices.c.created_at)).all()
        return [_row(row) for row in rows]

    def mark_end_delivered(self, handoff_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(handoff_end_notices)
                .where(handoff_end_notices.c.handoff_id == handoff_id)
                .values(delivered_at=utcnow())
            )

    def conversations_with_undelivered(self, older_than: dt.datetime) -> List[str]:
        """Conversations with a staff message written before `older_than` and not yet sent to
        the person: the assistant was unreachable, or its delivery failed."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(handoffs.c.conversation_id)
                .join(handoff_messages, handoff_messages.c.handoff_id == handoffs.c.id)
                .where(handoff_messages.c.sender == "staff")
                .where(handoff_messages.c.delivered_at.is_(None))
                .where(handoff_messages.c.created_at <= older_than)
                .group_by(handoffs.c.conversation_id)
                .order_by(func.min(handoff_messages.c.id))
            ).all()
        return [row[0] for row in rows]

    def delivered_ids(self, message_ids: Sequence[int]) -> List[int]:
        """Which of these staff messages have reached the person's channel."""
        if not message_ids:
            return []
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(handoff_messages.c.id)
                .where(handoff_messages.c.id.in_(list(message_ids)))
                .where(handoff_messages.c.delivered_at.is_not(None))
            ).all()
        return [int(row[0]) for row in rows]

    def queue_counts(self, staff_id: Optional[int] = None) -> Dict[str, int]:
        """What the inbox's tabs show: waiting (and how many urgent), mine, open callbacks."""
        with self.engine.connect() as connection:
            waiting, urgent = connection.execute(
                select(func.count(), func.count().filter(handoffs.c.urgent.is_(True)))
                .select_from(handoffs)
                .where(handoffs.c.status == "waiting")
            ).one()
            mine = connection.execute(
                select(func.count())
                .select_from(handoffs)
                .where(handoffs.c.status == "claimed")
                .where(handoffs.c.claimed_by == staff_id)
            ).scalar_one()
            callbacks = connection.execute(
                select(func.count())
                .select_from(callback_requests)
                .where(callback_requests.c.status == "open")
            ).scalar_one()
        return {
            "waiting": int(waiting),
            "urgent": int(urgent),
            "mine": int(mine),
            "callbacks": int(callbacks),
        }

    def list_callbacks(
        self,
        statuses: Sequence[str] = ("open",),
        limit: Optional[int] = None,
        offset: int = 0,
    ) -> List[Dict[str, Any]]:
        """Oldest first (the id breaks ties, for pages); all of them without a `limit`."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(callback_requests)
                .where(callback_requests.c.status.in_(list(statuses)))
                .order_by(callback_requests.c.created_at, callback_requests.c.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return [_row(row) for row in rows]

    def count_callbacks(self, statuses: Sequence[str] = ("open",)) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count())
                    .select_from(callback_requests)
                    .where(callback_requests.c.status.in_(list(statuses)))
                ).scalar_one()
            )

    def get_callback(self, callback_id: str) -> Optional[Dict[str, Any]]:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(callback_requests).where(callback_requests.c.id == callback_id)
            ).first()
        return _row(row) if row else None

    def mark_callback_done(self, callback_id: str, staff_id: int) -> bool:
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(
                update(callback_requests)
                .where(callback_requests.c.id == callback_id)
                .where(callback_requests.c.status == "open")
                .values(status="done", handled_by=staff_id, handled_at=now, updated_at=now)
            )
            if result.rowcount:
                self._audit(connection, staff_id, "callback_done", callback_id=callback_id)
        return bool(result.rowcount)

    def latest_change(self) -> Optional[dt.datetime]:
        """When anything in the queue last changed: what live views compare against."""
        with self.engine.connect() as connection:
            latest = [
                connection.execute(select(func.max(handoffs.c.updated_at))).scalar_one(),
                connection.execute(select(func.max(callback_requests.c.updated_at))).scalar_one(),
            ]
        known = [_aware(value) for value in latest if value is not None]
        return max(known) if known else None

    def unnotified(self) -> Dict[str, List[Dict[str, Any]]]:
        with self.engine.connect() as connection:
            new_handoffs = connection.execute(
                select(handoffs).where(handoffs.c.notified_at.is_(None))
            ).all()
            new_callbacks = connection.execute(
                select(callback_requests).where(callback_requests.c.notified_at.is_(None))
            ).all()
        return {
            "handoffs": [_row(r) for r in new_handoffs],
            "callbacks": [_row(r) for r in new_callbacks],
        }

    def claim_notifications(self) -> Dict[str, List[Dict[str, Any]]]:
        """Like `unnotified`, but marks them notified as it returns them, each row only if no
        other process marked it first: every new handoff and callback is announced once."""
        pending = self.unnotified()
        claimed: Dict[str, List[Dict[str, Any]]] = {"handoffs": [], "callbacks": []}
        with self.engine.begin() as connection:
            for kind, table in (("handoffs", handoffs), ("callbacks", callback_requests)):
                for row in pending[kind]:
                    result = connection.execute(
                        update(table)
                        .where(table.c.id == row["id"])
                        .where(table.c.notified_at.is_(None))
                        .values(notified_at=utcnow())
                    )
                    if result.rowcount:
                        claimed[kind].append(row)
        return claimed

    def mark_notified(self, handoff_ids: Sequence[str], callback_ids: Sequence[str]) -> None:
        now = utcnow()
        with self.engine.begin() as connection:
            if handoff_ids:
                connection.execute(
                    update(handoffs)
                    .where(handoffs.c.id.in_(list(handoff_ids)))
                    .values(notified_at=now)
                )
            if callback_ids:
                connection.execute(
                    update(callback_requests)
                    .where(callback_requests.c.id.in_(list(callback_ids)))
                    .values(notified_at=now)
                )

    def audit(self, staff_id: Optional[int], action: str, **details: Any) -> None:
        with self.engine.begin() as connection:
            self._audit(connection, staff_id, action, **details)

    def audit_entries(self, limit: int = 500) -> List[Dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
            ).all()
        return [_row(row) for row in rows]

    def delete_older_than(self, cutoff: dt.datetime) -> Dict[str, int]:
        """Retention: ended handoffs (with their messages) and handled callbacks before cutoff."""
        with self.engine.begin() as connection:
            old = select(handoffs.c.id).where(
                and_(handoffs.c.status.in_(ENDED), handoffs.c.ended_at < cutoff)
            )
            old_ids = [row[0] for row in connection.execute(old).all()]
            if old_ids:
                connection.execute(
                    delete(handoff_messages).where(handoff_messages.c.handoff_id.in_(old_ids))
                )
                connection.execute(
                    delete(handoff_end_notices).where(handoff_end_notices.c.handoff_id.in_(old_ids))
                )
                connection.execute(delete(handoffs).where(handoffs.c.id.in_(old_ids)))
            callbacks = connection.execute(
                delete(callback_requests).where(
                    and_(
                        callback_requests.c.status == "done",
                        or_(callback_requests.c.handled_at < cutoff),
                    )
                )
            )
            self._audit(
                connection,
                None,
                "retention",
                detail=f"{len(old_ids)} handoffs, {callbacks.rowcount} callbacks",
            )
        return {"handoffs": len(old_ids), "callbacks": int(callbacks.rowcount)}

    # --- internals -------------------------------------------------------------------------
    @staticmethod
    def _audit(connection: Any, staff_id: Optional[int], action: str, **details: Any) -> None:
        connection.execute(
            insert(audit_log).values(
                staff_id=staff_id,
                action=action,
                at=utcnow(),
                handoff_id=details.get("handoff_id"),
                callback_id=details.get("callback_id"),
                detail=details.get("detail"),
            )
        )


_stores: Dict[str, HandoffStore] = {}


def get_store(db_url: str) -> HandoffStore:
    """One store (engine and connection pool) per database per process, created on first use."""
    if db_url not in _stores:
        _stores[db_url] = HandoffStore.from_url(db_url)
    return _stores[db_url]
