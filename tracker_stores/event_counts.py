"""Saving a turn without first counting the conversation's stored events.

Rasa's SQL tracker store finds the events a save must add by counting, in the database, the
events stored since the conversation's latest session started: a query with a sub-query on
every save (6% of a turn in the profile, docs/nlu-and-performance.md). The tracker it saves
is, in a turn, the one it loaded a moment earlier under the conversation's lock, and the
number of events it loaded is exactly that count. So a loaded tracker remembers how many of
its events are stored, and a save adds the ones after them and moves the mark. A tracker the
store did not load (a new conversation, or one made elsewhere) is counted in the database as
before.
"""

import itertools
import weakref
from typing import Any, Dict, Iterator, Optional, Text, Tuple

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

from addons.rasa_patches import require_attributes


class RemembersStoredEvents(SQLTrackerStore):
    """SQLTrackerStore whose loaded trackers carry the number of their events it has stored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # the two methods overridden below are Rasa's internals: fail loudly if they moved
        require_attributes(
            SQLTrackerStore, ("_retrieve", "_additional_events"), type(self).__name__
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
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        # only the latest session is what a save counts; a capped history would drop events
        if tracker is not None and not fetch_events_from_all_sessions:
            if tracker.events.maxlen is None:
                self._remember(tracker, len(tracker.events))
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = self.stored_event_count(tracker)
        if stored is None or stored > len(tracker.events):
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        if self.stored_event_count(tracker) is not None:
            self._remember(tracker, len(tracker.events))
