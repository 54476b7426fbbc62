"""The audit log: who did what to which handoff or callback request, and when.

`record` writes a line inside the caller's transaction, so the line and the change it describes
are stored together or not at all.
"""

from typing import Any, Dict, List, Optional

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from handoff.database import OnDatabase
from handoff.models import row_dict, utcnow
from handoff.schema import audit_log


def record(connection: Connection, staff_id: Optional[int], action: str, **details: Any) -> None:
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


class AuditLog(OnDatabase):
    def audit(self, staff_id: Optional[int], action: str, **details: Any) -> None:
        with self.engine.begin() as connection:
            record(connection, staff_id, action, **details)

    def audit_entries(self, limit: int = 500) -> List[Dict[str, Any]]:
        """Newest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
            ).all()
        return [row_dict(row) for row in rows]
