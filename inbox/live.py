"""Live updates for an open inbox page: one Server-Sent Events stream per page.

GET /api/events[?handoff=<id>&after=<message id>] sends
- `queue`      when anything in the queue changed (`store.latest_change()`): the tab counts;
- `message`    each new message of the open conversation (`store.messages(after_id)`), with the
               message id as the event id, so a browser that reconnects (EventSource sends
               Last-Event-ID) gets what was written while it was away: it is all in the database;
- `delivered`  when the assistant has sent a staff reply to the person;
- `handoff`    when the open conversation's status changes (claimed, closed ...);
- `notify`     new handoffs and callback requests (from notify.py's Hub);
- `signed_out` when the session has ended; the page goes to the sign-in page.

The stream also keeps the session's `last_seen` fresh: an open inbox page is what makes a staff
member "signed in" for the assistant (HANDOFF_PRESENCE_SECONDS).
"""

import asyncio
import json
import time
from typing import Any, Dict, List, Optional, Set
from zoneinfo import ZoneInfo

from sanic import Request
from sanic.response import HTTPResponse
from sanic.response import json as json_response

from inbox.accounts import staff_names
from inbox.formatting import STATUSES, iso, local_time
from inbox.sessions import StaffSession

HEARTBEAT_SECONDS = 15.0
RETRY_MS = 2000


def sse(event: str, data: Any, event_id: Optional[int] = None) -> str:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"data: {json.dumps(data, separators=(',', ':'))}")
    return "\n".join(lines) + "\n\n"


def message_payload(message: Dict[str, Any], zone: ZoneInfo) -> Dict[str, Any]:
    """A handoff message as the conversation page shows it (also the reply view's answer)."""
    return {
        "id": message["id"],
        "sender": message["sender"],
        "staff_name": message.get("staff_name"),
        "text": message["text"],
        "at": iso(message["created_at"]),
        "time": local_time(message["created_at"], zone),
        "delivered": message["sender"] != "staff" or message.get("delivered_at") is not None,
    }


def _int(value: Optional[str]) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


class LiveStream:
    def __init__(self, request: Request, handoff_id: Optional[str], after_id: int) -> None:
        self.app = request.app
        self.ctx = request.app.ctx
        self.session: StaffSession = request.ctx.session
        self.handoff_id = handoff_id
        self.after_id = after_id
        self.zone = ZoneInfo(self.ctx.settings.timezone)
        self.touch_every = min(15.0, self.ctx.settings.presence_seconds / 4)
        self.undelivered: Set[int] = set()
        self.notifications: List[Dict[str, Any]] = []
        self.last_change: Any = object()  # nothing seen yet: the first round sends the counts
        self.last_status: Optional[tuple] = None

    async def serve(self, response: Any) -> None:
        run, store, stopping = self.ctx.run, self.ctx.store, self.ctx.stopping
        subscription = self.ctx.hub.subscribe()
        try:
            await response.send(f"retry: {RETRY_MS}\n\n")
            last_touch = last_send = time.monotonic()
            while not stopping.is_set():
                now = time.monotonic()
                if now - last_touch >= self.touch_every:
                    if not await run(self.ctx.sessions.touch, self.session):
                        await response.send(sse("signed_out", {}))
                        break
                    last_touch = now
                chunks = [await self._queue(run, store)]
                if self.handoff_id:
                    chunks += await self._conversation(run, store)
                while not subscription.empty():
                    self.notifications.append(subscription.get_nowait())
                chunks += [sse(e["event"], e["data"]) for e in self.notifications]
                self.notifications.clear()
                text = "".join(chunk for chunk in chunks if chunk)
                if not text and now - last_send >= HEARTBEAT_SECONDS:
                    text = ": still here\n\n"  # keeps proxies and Sanic's timeout from closing it
                if text:
                    await response.send(text)
                    last_send = now
                await self._wait(subscription, stopping)
        finally:
            self.ctx.hub.unsubscribe(subscription)

    async def _wait(self, subscription: asyncio.Queue, stopping: asyncio.Event) -> None:
        """Until the next poll, or sooner for a notification or a shutdown."""
        getter = asyncio.ensure_future(subscription.get())
        stopper = asyncio.ensure_future(stopping.wait())
        try:
            await asyncio.wait(
                {getter, stopper},
                timeout=self.ctx.settings.poll_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in (getter, stopper):
                if not waiter.done():
                    waiter.cancel()
        if getter.done() and not getter.cancelled():
            self.notifications.append(getter.result())

    async def _queue(self, run: Any, store: Any) -> str:
        change = await run(store.latest_change)
        if change == self.last_change:
            return ""
        self.last_change = change
        counts = await run(store.queue_counts, self.session.staff_id)
        return sse("queue", counts)

    async def _conversation(self, run: Any, store: Any) -> list:
        chunks = []
        handoff = await run(store.get_handoff, self.handoff_id)
        if handoff is None:
            return [sse("handoff", {"status": "deleted"})]
        status = (handoff.status, handoff.claimed_by, handoff.urgent)
        if status != self.last_status:
            if self.last_status is not None:
                names = await run(staff_names, store.engine)
                chunks.append(
                    sse(
                        "handoff",
                        {
                            "status": handoff.status,
                            "status_label": STATUSES.get(handoff.status, handoff.status),
                            "urgent": handoff.urgent,
                            "claimed_by_name": names.get(handoff.claimed_by or -1),
                            "mine": handoff.claimed_by == self.session.staff_id,
                        },
                    )
                )
            self.last_status = status
        for message in await run(store.messages, self.handoff_id, self.after_id):
            payload = message_payload(message, self.zone)
            if not payload["delivered"]:
                self.undelivered.add(message["id"])
            chunks.append(sse("message", payload, event_id=message["id"]))
            self.after_id = message["id"]
        if self.undelivered:
            delivered = await run(store.delivered_ids, sorted(self.undelivered))
            for message_id in delivered:
                chunks.append(sse("delivered", {"id": message_id}))
            self.undelivered -= set(delivered)
        return chunks


async def events(request: Request) -> Optional[HTTPResponse]:
    handoff_id = request.args.get("handoff") or None
    if (
        handoff_id
        and await request.app.ctx.run(request.app.ctx.store.get_handoff, handoff_id) is None
    ):
        return json_response({"error": "no such handoff"}, status=404)
    after_id = _int(request.headers.get("last-event-id")) or _int(request.args.get("after"))
    # staff messages shown on the page but not yet delivered: watch those too
    pending = [_int(part) for part in (request.args.get("pending") or "").split(",") if _int(part)]
    response = await request.respond(
        content_type="text/event-stream; charset=utf-8",
        headers={"X-Accel-Buffering": "no"},
    )
    stream = LiveStream(request, handoff_id, after_id)
    stream.undelivered.update(pending)
    await stream.serve(response)
    await response.eof()
    return None
