"""The inbox's background task: announce new work, and make sure the assistant hears about staff.

Every `poll_seconds`:
- new handoffs and callback requests (`store.claim_notifications()`, so each is announced once,
  even with several inbox processes), and alerts of caps on requests for staff that refused
  someone (`handoff.limits.claim_alerts()`, once per cap and period), and handoffs past the
  first-response breach threshold (inbox/first_response.py, once per handoff), go to the pages of
  signed-in staff (the `Hub`, read by live.py: a toast, the title, the browser's Notification
  API), and, if configured, to a webhook (JSON POST) and by e-mail. Webhook and e-mail carry
  no patient data, and nothing a client wrote: they are built from a fixed vocabulary (the
  reason, the channel and the cap as known codes, "other" otherwise; whether it is urgent;
  numbers and ids the inbox made) and a link to the inbox.
- staff replies the assistant has not delivered after `delivery_retry_seconds` (it was
  unreachable, or restarting) are delivered again, and so are handoff ends it has not
  confirmed (`store.pending_end_notices()`), with a growing pause per conversation.
- people waiting in the queue on the web chat hear when their place or the estimated wait
  changes (inbox/wait_updates.py).
"""

import asyncio
import datetime as dt
import logging
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set

import aiohttp
from jinja2 import Environment, FileSystemLoader

from handoff.limits import claim_alerts
from handoff.models import utcnow
from handoff.rasa_client import RasaClient
from handoff.store import HandoffStore
from inbox.first_response import Watch, claim_breaches
from inbox.formatting import CAPS, CHANNELS, REASONS, iso
from inbox.settings import InboxSettings
from inbox.wait_updates import WaitUpdates

logger = logging.getLogger("inbox.notify")
TEMPLATES = Path(__file__).resolve().parent / "templates" / "notify"
ATTEMPTS = 3
MAX_BACKOFF_SECONDS = 30.0
Run = Callable[..., Awaitable[Any]]


class Hub:
    """Fans events out to the live streams (live.py) of this process."""

    def __init__(self) -> None:
        self._subscribers: Set[asyncio.Queue] = set()

    def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=100)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self._subscribers.discard(queue)

    def publish(self, event: Dict[str, Any]) -> None:
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # a stalled page; it reloads the queue on reconnect
                pass


def known(code: Any, labels: Dict[str, str]) -> str:
    """The code if it is one of `labels`, else "other". A stored channel may predate
    `known_channel` (Rasa's REST channel lets the client name it): never send it on as it is."""
    return code if isinstance(code, str) and code in labels else "other"


def describe_handoff(row: Dict[str, Any], base_url: str) -> Dict[str, Any]:
    reason, channel = known(row["reason"], REASONS), known(row["channel"], CHANNELS)
    return {
        "kind": "handoff",
        "id": row["id"],  # made by the store (uuid4 hex)
        "urgent": bool(row["urgent"]),
        "reason": reason,
        "reason_label": REASONS[reason],
        "channel": channel,
        "channel_label": CHANNELS[channel],
        "created_at": iso(row["created_at"]),
        "url": f"{base_url}/handoffs/{row['id']}",
    }


def describe_callback(row: Dict[str, Any], base_url: str) -> Dict[str, Any]:
    channel = known(row["channel"], CHANNELS)
    return {
        "kind": "callback",
        "id": row["id"],
        "urgent": False,
        "channel": channel,
        "channel_label": CHANNELS[channel],
        "created_at": iso(row["created_at"]),
        "url": f"{base_url}/callbacks/{row['id']}",
    }


def describe_alert(row: Dict[str, Any], base_url: str) -> Dict[str, Any]:
    """A cap on requests for staff refused someone (handoff/limits.py): numbers and codes only."""
    cap = known(row["cap"], CAPS)
    return {
        "kind": "alert",
        "id": int(row["id"]),
        "urgent": True,
        "cap": cap,
        "cap_label": CAPS[cap],
        "allowed": int(row["allowed"]),
        "window_minutes": int(row["window_minutes"]),
        "created_at": iso(row["created_at"]),
        "url": f"{base_url}/queue",
    }


def describe_breach(row: Dict[str, Any], base_url: str) -> Dict[str, Any]:
    """A handoff waited past the first-response target (inbox/first_response.py): once each."""
    reason, channel = known(row["reason"], REASONS), known(row["channel"], CHANNELS)
    return {
        "kind": "breach",
        "id": row["handoff_id"],
        "urgent": True,
        "reason": reason,
        "reason_label": REASONS[reason],
        "channel": channel,
        "channel_label": CHANNELS[channel],
        "created_at": iso(row["created_at"]),
        "url": f"{base_url}/handoffs/{row['handoff_id']}",
    }


class Backoff:
    """When each failing delivery may be tried again: 1x, 2x, 4x ... the base pause."""

    def __init__(self, base: float) -> None:
        self.base = base
        self._next: Dict[str, float] = {}
        self._pause: Dict[str, float] = {}

    def due(self, key: str) -> bool:
        return time.monotonic() >= self._next.get(key, 0.0)

    def failed(self, key: str) -> None:
        pause = min(MAX_BACKOFF_SECONDS, self._pause.get(key, self.base / 2) * 2)
        self._pause[key] = pause
        self._next[key] = time.monotonic() + pause

    def succeeded(self, key: str) -> None:
        self._pause.pop(key, None)
        self._next.pop(key, None)


def handoff_ended_in(result: Dict[str, Any]) -> bool:
    """Did the assistant's end-of-handoff action run? (Rasa answers 200 even when the action
    server is down; then the tracker still says the handoff is active.)"""
    slots = ((result or {}).get("tracker") or {}).get("slots") or {}
    return not slots.get("handoff_active")


class Notifier:
    def __init__(
        self,
        settings: InboxSettings,
        store: HandoffStore,
        rasa: RasaClient,
        hub: Hub,
        run: Run,
    ) -> None:
        self.settings = settings
        self.store = store
        self.rasa = rasa
        self.hub = hub
        self.run_blocking = run
        self.backoff = Backoff(settings.delivery_retry_seconds)
        self.texts = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False)
        self._sending: Set[asyncio.Task] = set()
        self.wait_updates = WaitUpdates(
            store, rasa, run, settings.default_wait_minutes, settings.rasa_timeout_seconds
        )
        self.first_responses = Watch(store, settings.on_duty, settings.first_response_targets)

    async def run(self, stopping: asyncio.Event) -> None:
        try:
            while not stopping.is_set():
                try:
                    await self.tick()
                except Exception as problem:  # keep going; never log data, only what failed
                    logger.error("notification round failed: %s", type(problem).__name__)
                try:
                    await asyncio.wait_for(stopping.wait(), self.settings.poll_seconds)
                except asyncio.TimeoutError:
                    pass
        finally:
            for task in list(self._sending):
                task.cancel()

    async def tick(self) -> None:
        await self.announce_new()
        await self.retry_deliveries()
        await self.wait_updates.push_changes()

    # --- new handoffs and callback requests -------------------------------------------------
    async def announce_new(self) -> None:
        # first-response timers, before anything is claimed (a failure here loses no news): a
        # changed state redraws open queues; a breach is recorded, and told below, once
        if await self.run_blocking(self.first_responses.check):
            self.hub.publish({"event": "queue", "data": {}})
        claimed = await self.run_blocking(self.store.claim_notifications)
        events: List[Dict[str, Any]] = [
            describe_handoff(row, self.settings.base_url)
            for row in claimed["handoffs"]
            if row["status"] == "waiting"  # claimed or ended before anyone was told: no news
        ] + [
            describe_callback(row, self.settings.base_url)
            for row in claimed["callbacks"]
            if row["status"] == "open"
        ]
        # a cap refused someone: once per cap and period, however many it refuses
        alerts = await self.run_blocking(claim_alerts, self.store.engine)
        events += [describe_alert(row, self.settings.base_url) for row in alerts]
        breaches = await self.run_blocking(claim_breaches, self.store.engine)
        events += [describe_breach(row, self.settings.base_url) for row in breaches]
        for event in events:
            self.hub.publish({"event": "notify", "data": event})
            task = asyncio.create_task(self.send_external(event))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    def _texts(self, event: Dict[str, Any]) -> Dict[str, str]:
        # one line whatever the template does: a header must not carry a line break
        subject = " ".join(self.texts.get_template("subject.txt").render(event=event).split())
        body = self.texts.get_template("email.txt").render(event=event)
        return {"subject": subject, "body": body}

    async def send_external(self, event: Dict[str, Any]) -> None:
        texts = self._texts(event)
        if self.settings.notify_webhook_url:
            await self._with_retries(
                "webhook", self._post_webhook, {**event, "text": texts["subject"]}
            )
        if self.settings.email_recipients:
            await self._with_retries("e-mail", self._send_email, texts)

    async def _with_retries(
        self, what: str, send: Callable[[Any], Awaitable[None]], arg: Any
    ) -> None:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await send(arg)
                return
            except Exception as problem:
                logger.warning(
                    "%s notification failed (attempt %d of %d): %s",
                    what,
                    attempt,
                    ATTEMPTS,
                    type(problem).__name__,
                )
                if attempt < ATTEMPTS:
                    await asyncio.sleep(attempt)

    async def _post_webhook(self, payload: Dict[str, Any]) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(str(self.settings.notify_webhook_url), json=payload) as reply:
                reply.raise_for_status()

    async def _send_email(self, texts: Dict[str, str]) -> None:
        await self.run_blocking(self._send_email_now, texts)

    def _send_email_now(self, texts: Dict[str, str]) -> None:
        settings = self.settings
        message = EmailMessage()
        message["From"] = settings.smtp_from
        message["To"] = ", ".join(settings.email_recipients)
        message["Subject"] = texts["subject"]
        message.set_content(texts["body"])
        assert settings.smtp_host is not None
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username and settings.smtp_password:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(message)

    # --- what the assistant has not heard yet ------------------------------------------------
    async def retry_deliveries(self, now: Optional[dt.datetime] = None) -> None:
        cutoff = (now or utcnow()) - dt.timedelta(seconds=self.settings.delivery_retry_seconds)
        for conversation_id in await self.run_blocking(
            self.store.conversations_with_undelivered, cutoff
        ):
            key = f"reply:{conversation_id}"
            if not self.backoff.due(key):
                continue
            try:
                await self.rasa.deliver_staff_messages(conversation_id)
            except Exception as problem:
                self.backoff.failed(key)
                logger.warning(
                    "assistant unreachable for a staff reply: %s", type(problem).__name__
                )
                continue
            # 200 is not enough: the action server may be down; the database says if it was sent
            still = await self.run_blocking(self.store.undelivered_staff_messages, conversation_id)
            if any(m["created_at"] <= cutoff for m in still):
                self.backoff.failed(key)
            else:
                self.backoff.succeeded(key)
                logger.info("delivered staff replies after a retry")
        for notice in await self.run_blocking(self.store.pending_end_notices, cutoff):
            key = f"end:{notice['handoff_id']}"
            if not self.backoff.due(key):
                continue
            if await tell_assistant_handoff_ended(
                self.rasa,
                self.store,
                self.run_blocking,
                notice["handoff_id"],
                notice["conversation_id"],
            ):
                self.backoff.succeeded(key)
                logger.info("told the assistant about an ended handoff after a retry")
            else:
                self.backoff.failed(key)


async def tell_assistant_handoff_ended(
    rasa: RasaClient, store: HandoffStore, run: Run, handoff_id: str, conversation_id: str
) -> bool:
    """Asks the assistant to tell the person; records it once the assistant confirms."""
    try:
        result = await rasa.end_handoff(conversation_id)
    except Exception as problem:
        logger.warning("assistant unreachable for an ended handoff: %s", type(problem).__name__)
        return False
    if not handoff_ended_in(result):
        active = await run(store.active_handoff, conversation_id)
        if active is None or active.id == handoff_id:
            return False  # the action did not run (action server down?): try again later
        # the person has asked for staff again since: that handoff is what matters now
    await run(store.mark_end_delivered, handoff_id)
    return True


async def deliver_replies(
    rasa: RasaClient, store: HandoffStore, run: Run, conversation_id: str
) -> bool:
    """Asks the assistant to send the conversation's undelivered staff replies now."""
    try:
        await rasa.deliver_staff_messages(conversation_id)
    except Exception as problem:
        logger.warning("assistant unreachable for a staff reply: %s", type(problem).__name__)
        return False
    return not await run(store.undelivered_staff_messages, conversation_id)
