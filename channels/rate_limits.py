"""Sliding-window message rates per conversation and per client address.

Kept in the memory of each Rasa server process: a replica or worker counts its own traffic,
so the effective limit across N processes is at most N times the setting (sticky sessions
keep one conversation on one process). That bounds what one client can make the NLU do,
which is the point; the handoff caps that protect the staff queue are in the database.
"""

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Deque, Dict, Optional

MAX_TRACKED_KEYS = 50_000  # forget the quietest keys beyond this, so memory stays bounded


@dataclass
class SlidingWindowLimiter:
    limit: int
    window_seconds: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _hits: Dict[str, Deque[float]] = field(default_factory=dict)

    def has_room(self, key: str) -> bool:
        """Whether `key` may send one more message now (records nothing)."""
        hits = self._hits.get(key)
        if hits is None:
            return True
        now = self.clock()
        while hits and hits[0] <= now - self.window_seconds:
            hits.popleft()
        return len(hits) < self.limit

    def record(self, key: str) -> None:
        now = self.clock()
        if key not in self._hits and len(self._hits) >= MAX_TRACKED_KEYS:
            self._forget_expired(now)
        self._hits.setdefault(key, deque()).append(now)

    def allow(self, key: str) -> bool:
        """Records a message for `key` when it is within the limit, and says whether it was."""
        if not self.has_room(key):
            return False  # refused messages are not recorded: waiting always helps
        self.record(key)
        return True

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may send again (0 when it may now)."""
        hits = self._hits.get(key)
        if not hits or len(hits) < self.limit:
            return 0
        return max(1, int(hits[0] + self.window_seconds - self.clock()) + 1)

    def _forget_expired(self, now: float) -> None:
        for key in [
            k for k, h in self._hits.items() if not h or h[-1] <= now - self.window_seconds
        ]:
            del self._hits[key]
        if len(self._hits) >= MAX_TRACKED_KEYS:  # still full: drop the oldest half
            by_age = sorted(self._hits, key=lambda k: self._hits[k][-1])
            for key in by_age[: len(by_age) // 2]:
                del self._hits[key]


@dataclass
class MessageRates:
    """The two limits every channel applies before a message reaches the NLU."""

    per_conversation: SlidingWindowLimiter
    per_address: SlidingWindowLimiter

    @classmethod
    def from_settings(cls, settings, clock: Callable[[], float] = time.monotonic) -> "MessageRates":
        return cls(
            SlidingWindowLimiter(settings.messages_per_conversation_per_minute, clock=clock),
            SlidingWindowLimiter(settings.messages_per_address_per_minute, clock=clock),
        )

    def refusal(self, conversation_id: str, address: Optional[str]) -> Optional[int]:
        """None when the message may go on, else the seconds to wait before sending again."""
        # both checked before either records, so a refused message costs no budget
        if address and not self.per_address.has_room(address):
            return self.per_address.retry_after(address)
        if not self.per_conversation.has_room(conversation_id):
            return self.per_conversation.retry_after(conversation_id)
        if address:
            self.per_address.record(address)
        self.per_conversation.record(conversation_id)
        return None
