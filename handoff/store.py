"""The handoff database as one handle: every job of the queue on one engine.

The jobs live in their own modules (queue.py, callbacks.py, staff_actions.py, outbox.py,
audit.py); this class only puts them together, because the inbox's context and the action server
carry one handle per database, and one connection pool serves them all.
"""

from typing import Dict

from handoff.audit import AuditLog
from handoff.callbacks import CallbackRequests
from handoff.database import open_database
from handoff.outbox import Outbox
from handoff.queue import HandoffQueue
from handoff.staff_actions import StaffActions


class HandoffStore(HandoffQueue, CallbackRequests, StaffActions, Outbox, AuditLog):
    @classmethod
    def from_url(cls, db_url: str) -> "HandoffStore":
        """The store on the database at `db_url`, every table created if missing."""
        return cls(open_database(db_url))


_stores: Dict[str, HandoffStore] = {}


def get_store(db_url: str) -> HandoffStore:
    """One store (engine and connection pool) per database per process, created on first use."""
    if db_url not in _stores:
        _stores[db_url] = HandoffStore.from_url(db_url)
    return _stores[db_url]
