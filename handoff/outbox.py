"""What the inbox must still tell someone: new handoffs and callback requests to announce to
staff, ended handoffs the assistant has not yet confirmed hearing about, and staff replies it has
not yet delivered.

Both are rows marked when done, so whatever a restart or an unreachable assistant interrupted is
picked up again by the next round (inbox/notify.py runs the rounds and their retries).
"""

import datetime as dt
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import Column, Table, func, select, update
from sqlalchemy.engine import Connection

from handoff.database import OnDatabase
from handoff.models import row_dict, utcnow
from handoff.schema import callback_requests, handoff_end_notices, handoff_messages, handoffs


def mark_announced(
    connection: Connection, key: Column, rows: Sequence[Dict[str, Any]], row_key: str
) -> List[Dict[str, Any]]:
    """The rows this process may announce: each is marked (`notified_at` of `key`'s table set)
    only where no other process marked it first, so whatever several inbox processes read,
    each row is announced once. Used for new handoffs and callbacks, cap alerts and
    first-response breaches."""
    table: Table = key.table
    claimed = []
    for row in rows:
        marked = connection.execute(
            update(table)
            .where(key == row[row_key])
            .where(table.c.notified_at.is_(None))
            .values(notified_at=utcnow())
        )
        if marked.rowcount:
            claimed.append(row)
    return claimed


class Outbox(OnDatabase):
    def unnotified(self) -> Dict[str, List[Dict[str, Any]]]:
        with self.engine.connect() as connection:
            new_handoffs = connection.execute(
                select(handoffs).where(handoffs.c.notified_at.is_(None))
            ).all()
            new_callbacks = connection.execute(
                select(callback_requests).where(callback_requests.c.notified_at.is_(None))
            ).all()
        return {
            "handoffs": [row_dict(r) for r in new_handoffs],
            "callbacks": [row_dict(r) for r in new_callbacks],
        }

    def claim_notifications(self) -> Dict[str, List[Dict[str, Any]]]:
        """Like `unnotified`, but marks them notified as it returns them, each row only if no
        other process marked it first: every new handoff and callback is announced once."""
        pending = self.unnotified()
        with self.engine.begin() as connection:
            return {
                "handoffs": mark_announced(connection, handoffs.c.id, pending["handoffs"], "id"),
                "callbacks": mark_announced(
                    connection, callback_requests.c.id, pending["callbacks"], "id"
                ),
            }

    def pending_end_notices(self, older_than: Optional[dt.datetime] = None) -> List[Dict[str, Any]]:
        """Ended handoffs the assistant has not yet confirmed hearing about, oldest first."""
        query = select(handoff_end_notices).where(handoff_end_notices.c.delivered_at.is_(None))
        if older_than is not None:
            query = query.where(handoff_end_notices.c.created_at <= older_than)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(handoff_end_notices.c.created_at)).all()
        return [row_dict(row) for row in rows]

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
