"""What a person waiting for staff sees change: their place in the queue and the estimated
wait, then who has joined when a staff member claims the conversation.

Web chat only, through the channel's `handoff_status` route (channels/webchat.py; the texts
are in lexicon/channel_replies.yml). The inbox pushes rather than the widget polling: it
already reads the queue every `poll_seconds` (notify.py calls `push_changes`), it is where
a claim happens, and the chat needs no new public endpoint that could reveal the queue. Each
inbox process remembers what it last sent, so a change is sent once per process; the widget
ignores a repeat of the text it shows.
"""

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from handoff.models import Handoff
from handoff.queue import HandoffQueue
from handoff.rasa_client import RasaClient

logger = logging.getLogger("inbox.wait_updates")
WEBCHAT = "webchat"  # the one channel with a live connection to the person
MAX_WAITING = 500  # more than any queue a team answers; the rest hear at the next change
Run = Callable[..., Awaitable[Any]]


class WaitUpdates:
    def __init__(
        self,
        store: HandoffQueue,
        rasa: RasaClient,
        run: Run,
        default_wait_minutes: int,
        timeout_seconds: float,
    ) -> None:
        self.store = store
        self.rasa = rasa
        self.run = run
        self.default_wait_minutes = default_wait_minutes
        self.timeout = timeout_seconds
        self._told: Dict[str, Tuple[int, int]] = {}  # handoff id -> (position, minutes)

    async def current(self) -> Dict[str, Tuple[Handoff, int, int]]:
        """Every waiting handoff with its place (1 is next, as `queue_position` counts) and
        the wait the store estimates (as the person was told when they joined)."""
        waiting = await self.run(self.store.list_handoffs, ["waiting"], None, MAX_WAITING)
        minutes = await self.run(self.store.estimated_wait_minutes, self.default_wait_minutes)
        in_order = sorted(waiting, key=lambda handoff: (handoff.created_at, handoff.id))
        return {h.id: (h, place, minutes) for place, h in enumerate(in_order, start=1)}

    async def push_changes(self) -> int:
        """Sends each waiting web chat person their place and wait when they changed (and the
        first time this process sees them); returns how many were sent."""
        try:
            queue = await self.current()
        except Exception as problem:  # the database will be back: try at the next round
            logger.warning("could not read the queue: %s", type(problem).__name__)
            return 0
        self._told = {key: told for key, told in self._told.items() if key in queue}
        sent = 0
        for handoff, position, minutes in queue.values():
            if handoff.channel != WEBCHAT or self._told.get(handoff.id) == (position, minutes):
                continue
            status = {"state": "waiting", "position": position, "minutes": minutes}
            if not await send_status(self.rasa, handoff.conversation_id, status, self.timeout):
                break  # the assistant is unreachable: the rest wait for the next round too
            self._told[handoff.id] = (position, minutes)
            sent += 1
        return sent


async def announce_claim(
    rasa: RasaClient, handoff: Handoff, staff_name: Optional[str], timeout_seconds: float
) -> bool:
    """ "<name> has joined the conversation", when a staff member claims it (views call it)."""
    if handoff.channel != WEBCHAT:
        return False
    status = {"state": "claimed", "staff_name": staff_name}
    return await send_status(rasa, handoff.conversation_id, status, timeout_seconds)


async def send_status(
    rasa: RasaClient, conversation_id: str, status: Dict[str, Any], timeout_seconds: float
) -> bool:
    try:
        await asyncio.wait_for(rasa.handoff_status(conversation_id, status), timeout_seconds)
    except Exception as problem:  # a courtesy to the person: never fail the staff action
        logger.warning("could not update a waiting person: %s", type(problem).__name__)
        return False
    return True
