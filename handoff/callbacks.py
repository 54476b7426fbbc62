"""Callback requests: a name and a way to reach the person, taken when nobody is on duty.

Anyone may ask: within the caps of handoff/limits.py only. Marking one done is a staff action
(staff_actions.py).
"""

import uuid
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import func, insert, select

from handoff.database import OnDatabase
from handoff.limits import LimitReached, RequestLimits, admit, request_transaction
from handoff.models import known_channel, row_dict, utcnow
from handoff.schema import callback_requests


class CallbackRequests(OnDatabase):
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
        return [row_dict(row) for row in rows]

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
        return row_dict(row) if row else None
