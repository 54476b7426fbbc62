"""What staff do to a handoff or callback request: claim, reply, end (close or return), done.

Each is one atomic UPDATE whose WHERE is the permission check (only a waiting handoff can be
claimed, only its claimer replies...), so two staff members acting at the same moment cannot both
succeed; each writes its audit-log line in the same transaction.
"""

from typing import Optional

from sqlalchemy import and_, insert, or_, select, update

from handoff.audit import record
from handoff.database import OnDatabase
from handoff.models import ENDED, utcnow
from handoff.schema import callback_requests, handoff_end_notices, handoff_messages, handoffs


class StaffActions(OnDatabase):
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
                record(connection, staff_id, "claim", handoff_id=handoff_id)
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
            record(connection, staff_id, "reply", handoff_id=handoff_id)
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
                record(connection, staff_id, outcome, handoff_id=handoff_id)
        return bool(result.rowcount)

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
                record(connection, staff_id, "callback_done", callback_id=callback_id)
        return bool(result.rowcount)
