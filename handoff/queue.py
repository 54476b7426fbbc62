"""The queue of handoffs and their messages: opening one, its place and wait, what was said.

Every write is a short transaction, so a process restart at any point leaves the queue
consistent: an open handoff stays open, a staff message not yet delivered is delivered later.
What staff do to a handoff is staff_actions.py; what must be announced or retried, outbox.py.
"""

import datetime as dt
import statistics
import uuid
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import func, insert, select, update

from handoff.database import OnDatabase
from handoff.limits import LimitReached, RequestLimits, admit, request_transaction
from handoff.models import ACTIVE, REASONS, Handoff, aware, known_channel, row_dict, utcnow
from handoff.schema import callback_requests, handoff_messages, handoffs
from inbox.schema import staff


class HandoffQueue(OnDatabase):
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
        return [row_dict(row) for row in rows]

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
            (aware(claimed) - aware(created)).total_seconds() / 60  # type: ignore[operator]
            for created, claimed in rows
        ]
        return max(1, round(statistics.median(waits))) if waits else default

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
        return [row_dict(row) for row in rows]

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

    def latest_change(self) -> Optional[dt.datetime]:
        """When anything in the queue last changed: what live views compare against."""
        with self.engine.connect() as connection:
            latest = [
                connection.execute(select(func.max(handoffs.c.updated_at))).scalar_one(),
                connection.execute(select(func.max(callback_requests.c.updated_at))).scalar_one(),
            ]
        known = [aware(value) for value in latest if value is not None]
        return max(known) if known else None
