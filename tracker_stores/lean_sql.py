"""Rasa's SQL tracker store, doing less per turn for the same rows.

Profiled per turn (docs/nlu-and-performance.md), Rasa's SQLTrackerStore spends most of its
time on work the stored conversation does not need:

- **Counting before saving.** A save finds the events to add by counting, in the database,
  those stored since the latest session started: a query with a sub-query on every save (6%
  of a turn). The tracker saved in a turn is the one loaded a moment earlier under the
  conversation's lock, and the number of events loaded is that count. So a loaded tracker
  remembers how many of its events are stored; a save adds those after them and moves the
  mark. A tracker the store did not load (a new conversation) is counted as before.
- **ORM objects nobody uses.** Loading builds a full SQLAlchemy object per stored event only
  to read its JSON (30% of a load); only the `data` column is read now, in the same order.
- **One ORM insert per event.** Saving adds the new rows in one multi-row insert, with the
  same columns and values Rasa writes.

The rows written and the trackers loaded are the same as Rasa's (tests/test_lean_sql_store.py,
on SQLite and PostgreSQL). Used by the SQLite store (tracker_stores/sqlite.py) and by the
production endpoints on PostgreSQL.
"""

import itertools
import json
import logging
import weakref
from typing import Any, Dict, Iterator, List, Optional, Text, Tuple

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from addons.rasa_patches import require_attributes

logger = logging.getLogger(__name__)


def event_row(sender_id: Text, event: Event) -> Dict[Text, Any]:
    """The row Rasa's SQLTrackerStore.save writes for an event."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


class LeanSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore: the same rows, read by column, added in one insert, not re-counted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Rasa's internals used below: fail loudly if a new Rasa moved them
        require_attributes(
            SQLTrackerStore,
            ("_event_query", "_additional_events", "session_scope", "stream_events"),
            type(self).__name__,
        )
        super().__init__(*args, **kwargs)
        # id(tracker) -> (a weak reference to it, events stored); trackers are unhashable
        self._stored: Dict[int, Tuple[weakref.ref, int]] = {}

    def _remember(self, tracker: DialogueStateTracker, stored: int) -> None:
        key = id(tracker)
        forget = lambda _dead, key=key, stored=self._stored: stored.pop(key, None)  # noqa: E731
        self._stored[key] = (weakref.ref(tracker, forget), stored)

    def stored_event_count(self, tracker: DialogueStateTracker) -> Optional[int]:
        entry = self._stored.get(id(tracker))
        if entry is None or entry[0]() is not tracker:
            return None
        return entry[1]

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()
        if not (self.domain and rows):
            return None  # as Rasa: no domain or no events, no tracker
        tracker = DialogueStateTracker.from_dict(
            sender_id, [json.loads(data) for (data,) in rows], self.domain.slots
        )
        # only the latest session is what a save counts; a capped history would drop events
        if not fetch_events_from_all_sessions and tracker.events.maxlen is None:
            self._remember(tracker, len(rows))
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = self.stored_event_count(tracker)
        if stored is None or stored > len(tracker.events):
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows: List[Dict[Text, Any]] = [
                event_row(tracker.sender_id, event)
                for event in self._additional_events(session, tracker)
            ]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()
        if self.stored_event_count(tracker) is not None:
            self._remember(tracker, len(tracker.events))
        logger.debug(f"Tracker with sender_id '{tracker.sender_id}' stored to database")
