"""What the phone connector remembers about a call between two webhooks.

Twilio calls the webhook once per turn; between turns the connector keeps, per call: the rest
of a long answer ("say more"), the choices it offered (so "side effects" sends that button's
payload), how many silences in a row it has heard, what it said last (to repeat it), and
whether it just asked "was that helpful?" about an answer (so "yes" rates that answer).

State is keyed by the derived conversation id (never the phone number or the raw CallSid) and
expires after a time-to-live. `CallStateStore` is the interface: `InMemoryCallStateStore` for one
process, `RedisCallStateStore` when several Sanic workers or replicas answer the same number
(`REDIS_URL`), because Twilio may send a call's next turn to any of them.
"""

import abc
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from channels.voice_lexicon import Choice

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 4 * 60 * 60  # Twilio's default maximum call length


@dataclass
class PendingAnswer:
    """The rest of a long answer, and what to say once it has all been heard."""

    parts: List[str]
    choice_lines: List[str] = field(default_factory=list)
    choices: List[Choice] = field(default_factory=list)
    closing: List[str] = field(default_factory=list)
    # evidence ids of the answer to ask "was that helpful?" about once it has all been heard
    feedback_on: List[str] = field(default_factory=list)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "parts": list(self.parts),
            "choice_lines": list(self.choice_lines),
            "choices": [c.as_dict() for c in self.choices],
            "closing": list(self.closing),
            "feedback_on": list(self.feedback_on),
        }

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "PendingAnswer":
        return cls(
            parts=list(data.get("parts") or []),
            choice_lines=list(data.get("choice_lines") or []),
            choices=[Choice.from_dict(c) for c in data.get("choices") or []],
            closing=list(data.get("closing") or []),
            feedback_on=list(data.get("feedback_on") or []),
        )


@dataclass
class CallState:
    silences: int = 0  # consecutive turns without speech
    choices: List[Choice] = field(default_factory=list)  # offered in the last turn
    pending: Optional[PendingAnswer] = None  # the rest of a long answer
    last_said: List[str] = field(default_factory=list)  # for "say that again"
    urgent: bool = False  # urgent help was given in this call
    answers_since_question: int = 0  # evidence answers since "was that helpful?" was last asked
    feedback_on: List[str] = field(default_factory=list)  # asked about these evidence ids

    def to_json(self) -> str:
        return json.dumps(
            {
                "silences": self.silences,
                "choices": [c.as_dict() for c in self.choices],
                "pending": self.pending.as_dict() if self.pending else None,
                "last_said": list(self.last_said),
                "urgent": self.urgent,
                "answers_since_question": self.answers_since_question,
                "feedback_on": list(self.feedback_on),
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> "CallState":
        data = json.loads(raw)
        return cls(
            silences=int(data.get("silences") or 0),
            choices=[Choice.from_dict(c) for c in data.get("choices") or []],
            pending=PendingAnswer.from_dict(data["pending"]) if data.get("pending") else None,
            last_said=list(data.get("last_said") or []),
            urgent=bool(data.get("urgent")),
            answers_since_question=int(data.get("answers_since_question") or 0),
            feedback_on=list(data.get("feedback_on") or []),
        )


class CallStateStore(abc.ABC):
    """Per-call state with a time-to-live, keyed by the derived conversation id."""

    @abc.abstractmethod
    async def load(self, call_id: str) -> Optional[CallState]:
        """The call's state, or None for a new (or expired) call."""

    @abc.abstractmethod
    async def save(self, call_id: str, state: CallState) -> None:
        """Stores the state and restarts its time-to-live."""

    @abc.abstractmethod
    async def delete(self, call_id: str) -> None:
        """Forgets the call (it ended)."""


class InMemoryCallStateStore(CallStateStore):
    """One process's calls, in a bounded dict (oldest forgotten first when full)."""

    def __init__(
        self,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_calls: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_calls = max_calls
        self.clock = clock
        self._calls: "OrderedDict[str, Tuple[float, str]]" = OrderedDict()

    async def load(self, call_id: str) -> Optional[CallState]:
        self._expire()
        entry = self._calls.get(call_id)
        return CallState.from_json(entry[1]) if entry else None

    async def save(self, call_id: str, state: CallState) -> None:
        # stored as JSON, like Redis: a caller's later mutation cannot leak into the store
        self._calls.pop(call_id, None)
        self._calls[call_id] = (self.clock() + self.ttl_seconds, state.to_json())
        while len(self._calls) > self.max_calls:
            self._calls.popitem(last=False)

    async def delete(self, call_id: str) -> None:
        self._calls.pop(call_id, None)

    def _expire(self) -> None:
        now = self.clock()
        # entries are in order of last save, so expired ones are at the front
        while self._calls:
            call_id, (expires, _) = next(iter(self._calls.items()))
            if expires > now:
                break
            del self._calls[call_id]

    def __len__(self) -> int:
        self._expire()
        return len(self._calls)


class RedisCallStateStore(CallStateStore):
    """Calls shared by every worker through Redis (`SET ... EX ttl`)."""

    def __init__(
        self, client: Any, ttl_seconds: float = DEFAULT_TTL_SECONDS, prefix: str = "voice:call:"
    ) -> None:
        self.client = client  # a redis.asyncio client (or anything with get/set/delete)
        self.ttl_seconds = int(ttl_seconds)
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> "RedisCallStateStore":
        import redis.asyncio

        return cls(redis.asyncio.from_url(url), ttl_seconds)

    async def load(self, call_id: str) -> Optional[CallState]:
        raw = await self.client.get(self.prefix + call_id)
        if raw is None:
            return None
        return CallState.from_json(raw.decode("utf-8") if isinstance(raw, bytes) else raw)

    async def save(self, call_id: str, state: CallState) -> None:
        await self.client.set(self.prefix + call_id, state.to_json(), ex=self.ttl_seconds)

    async def delete(self, call_id: str) -> None:
        await self.client.delete(self.prefix + call_id)
