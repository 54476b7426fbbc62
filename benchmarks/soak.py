"""`make soak`: the assistant under steady load for a while, with a handoff and a restart.

    python -m benchmarks.soak [--minutes 10] [--webchat 20 --rest 20 --voice 10]
                              [--config default|production]      # SOAK_MINUTES=n also works

Starts the action server, the Rasa server and the staff inbox on free ports (its own tracker
store and handoff database in a temporary directory), then keeps 50 people talking at once:
web chat over socket.io as the widget speaks it, REST, and phone calls as Twilio posts them
(signed). Each person sends a few FAQ questions 1-3 s apart, then leaves and another arrives.
A quarter of the way in one REST conversation asks for a person; half way the Rasa server is
stopped and started again on the same port while the load goes on. Clients retry connection
errors with back-off as the widget and Twilio would; the widget also catches up from the
history it gets on reconnecting, and its person types a message again only if it is not there.

Afterwards every conversation's tracker (HTTP API) must hold each message sent exactly once,
each followed by a bot reply. Writes results/soak/report.md and summary.json (production:
results/soak/production/) and prints the summary: errors, lost and doubled messages, latency
per minute and channel, and each process's memory at the start and the end.
"""

import argparse
import asyncio
import json
import os
import queue
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp
import socketio
from twilio.request_validator import RequestValidator

from benchmarks.processes import rss_mb
from benchmarks.run import (
    UNTHROTTLED,
    ensure_postgres_database,
    faq_questions,
    free_port,
    production_env,
)
from channels.voice import conversation_id
from channels.voice_lexicon import is_more, is_repeat, load_lexicon, normalise_speech
from devtools.model import current_model_path
from devtools.serve import RASA_SERVER, Stack, sqlite_endpoints
from handoff.store import HandoffStore
from inbox.accounts import create_account

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "results" / "soak"
LOG_DIR = ROOT / "build" / "soak" / "logs"
CHANNELS = ("webchat", "rest", "voice")

THINK_SECONDS = (1.0, 3.0)  # a person reading the answer, then typing or speaking a question
MESSAGES_PER_CONVERSATION = (4, 8)
REPLY_TIMEOUT = 60.0  # a live connection that answers nothing for this long has lost a message
# How long a client keeps retrying a refused or broken connection: well beyond a Rasa restart
# (16-40 s measured here: up to 20 s to stop, 12-20 s to load the model and answer again).
RETRY_FOR = 240.0
BACKOFF = (0.5, 8.0)  # first and longest wait between retries
MEMORY_EVERY = 15.0  # seconds between memory samples
WARM_UP = 60.0  # a process's memory is compared from this long after load (or its start)
HANDOFF_AT, RESTART_AT = 0.25, 0.5  # fractions of the run

VOICE_PUBLIC_URL = "https://voice.soak.test"
VOICE_PATH = "/webhooks/voice/webhook"


# --- what the run records --------------------------------------------------------------------
@dataclass
class ChannelStats:
    messages: int = 0  # messages people sent (a call's greeting request counts as one)
    answered: int = 0
    recovered: int = 0  # answered after a connection error, a resend or a reconnection
    retries: int = 0  # retry attempts (connections refused or dropped, resent messages)
    errors: int = 0  # failed for good: retries gave up, an error status, no reply in time
    reply_less: int = 0  # answered with no message (the phone: with its "no answer" apology)
    conversations: int = 0


@dataclass
class Conversation:
    channel: str
    sender: str
    sent: List[str] = field(default_factory=list)  # what the tracker must hold, in order


@dataclass
class Run:
    started: float  # monotonic time the load began
    stats: Dict[str, ChannelStats] = field(
        default_factory=lambda: {c: ChannelStats() for c in CHANNELS}
    )
    latencies: List[Tuple[float, str, float]] = field(default_factory=list)  # (t, channel, ms)
    conversations: List[Conversation] = field(default_factory=list)
    memory: List[Tuple[float, Dict[str, float]]] = field(default_factory=list)
    events: Dict[str, Any] = field(default_factory=dict)
    failures: List[Dict[str, Any]] = field(default_factory=list)
    # web chat people run in threads (WebChatPerson), so counting takes a lock
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.started

    def count(self, channel: str, what: str, n: int = 1) -> None:
        with self.lock:
            setattr(self.stats[channel], what, getattr(self.stats[channel], what) + n)

    def conversation(self, channel: str, sender: str) -> Conversation:
        conversation = Conversation(channel, sender)
        with self.lock:
            self.conversations.append(conversation)
            self.stats[channel].conversations += 1
        return conversation

    def failed(self, channel: str, sender: str, why: str) -> None:
        """A message (or a connection) that failed for good: counted, and kept for the report."""
        self.count(channel, "errors")
        with self.lock:
            self.failures.append(
                {"at_seconds": round(self.now()), "channel": channel, "sender": sender, "why": why}
            )

    def sent(self, conversation: Conversation, text: str) -> None:
        conversation.sent.append(text)
        self.count(conversation.channel, "messages")

    def answered(self, channel: str, sent_at: float, retried: bool, empty: bool) -> None:
        with self.lock:
            stats = self.stats[channel]
            stats.answered += 1
            stats.recovered += retried
            stats.reply_less += empty
            self.latencies.append((sent_at, channel, (self.now() - sent_at) * 1000))


class GaveUp(Exception):
    """Retries ran out, or the server answered with an error that a retry will not mend."""


def backoff(attempt: int) -> float:
    """Seconds to wait before retry `attempt` (from 0): doubling, capped, with jitter."""
    first, longest = BACKOFF
    return min(longest, first * 2**attempt) * random.uniform(0.8, 1.2)


async def post_with_retries(
    session: aiohttp.ClientSession, url: str, run: Run, channel: str, **request: Any
) -> Tuple[str, bool]:
    """The body of a 200 answer and whether it took a retry. Retries what a restart causes
    (refused or dropped connections, 502-504), as the widget's REST clients and Twilio do."""
    started, attempt = time.monotonic(), 0
    while True:
        try:
            async with session.post(url, **request) as response:
                if response.status not in (502, 503, 504):
                    body = await response.text()
                    if response.status != 200:
                        raise GaveUp(f"HTTP {response.status}: {body[:200]}")
                    return body, attempt > 0
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError):
            pass
        except asyncio.TimeoutError as timeout:  # the server may have it: do not send twice
            raise GaveUp("no answer in time") from timeout
        if time.monotonic() - started > RETRY_FOR:
            raise GaveUp(f"still failing after {RETRY_FOR:.0f} s")
        run.count(channel, "retries")
        await asyncio.sleep(backoff(attempt))
        attempt += 1


def think() -> float:
    return random.uniform(*THINK_SECONDS)


# --- REST ------------------------------------------------------------------------------------
async def rest_conversation(
    run: Run, session: aiohttp.ClientSession, url: str, sender: str, texts: Sequence[str]
) -> List[Dict[str, Any]]:
    """One person on REST; returns the last reply (the handoff looks at it)."""
    conversation = run.conversation("rest", sender)
    reply: List[Dict[str, Any]] = []
    for text in texts:
        await asyncio.sleep(think())
        run.sent(conversation, text)
        sent_at = run.now()
        try:
            body, retried = await post_with_retries(
                session,
                f"{url}/webhooks/rest/webhook",
                run,
                "rest",
                json={"sender": sender, "message": text},
            )
        except GaveUp as why:
            run.failed("rest", sender, str(why))
            continue
        reply = json.loads(body)
        run.answered("rest", sent_at, retried, empty=not reply)
    return reply


# --- web chat (the widget's socket.io protocol) ----------------------------------------------
class WebChatPerson:
    """A person in the web chat widget (widget/src/connection.js): socket.io reconnects by
    itself, each connection asks for the same session with its token, and the history that
    follows catches up on anything missed; a message that is not in it was lost with the old
    connection, and the person types it again.

    python-socketio's blocking client, one thread per person: its asyncio client needs a newer
    aiohttp than Rasa 3.6 pins (aiohttp.ClientWSTimeout)."""

    def __init__(self, run: Run, url: str) -> None:
        self.run, self.url = run, url
        self.session: Dict[str, str] = {}
        self.closing = False
        self.events: queue.Queue = queue.Queue()
        self.ready = False  # confirmed and the history received: messages may be sent
        self.conversation: Optional[Conversation] = None
        self.sio = socketio.Client(reconnection_delay=0.5, reconnection_delay_max=4)
        self.sio.on("connect", lambda: self.sio.emit("session_request", dict(self.session)))
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("session_confirm", self._on_confirm)
        self.sio.on("history", self._on_history)
        self.sio.on("bot_uttered", lambda message: self.events.put(("bot", message)))

    def _on_disconnect(self, reason: str = "") -> None:
        self.ready = False
        self.events.put(("down", None))
        # socket.io reconnects by itself unless the server closed the connection on purpose
        # (as it does when it stops); then the widget reconnects (connection.js)
        if reason == self.sio.reason.SERVER_DISCONNECT and not self.closing:
            threading.Thread(target=self._connect, daemon=True).start()

    def _on_confirm(self, data: Dict[str, str]) -> None:
        if self.session and data.get("session_id") != self.session["session_id"]:
            # a new, empty conversation: what was said before is out of reach
            self.run.failed("webchat", self.session["session_id"], "a new session on reconnecting")
        self.session = {"session_id": data["session_id"], "session_token": data["session_token"]}

    def _on_history(self, data: Dict[str, Any]) -> None:
        self.ready = True
        self.events.put(("history", data.get("messages", [])))

    def _connect(self) -> bool:
        """Connects, retrying with back-off while the server is down."""
        started, attempt = time.monotonic(), 0
        while not self.closing:
            try:
                self.sio.connect(self.url, socketio_path="/socket.io", transports=["websocket"])
                return True
            except socketio.exceptions.ConnectionError:
                if time.monotonic() - started > RETRY_FOR:
                    break
                self.run.count("webchat", "retries")
                time.sleep(backoff(attempt))
                attempt += 1
        return False

    def start(self) -> bool:
        """Connects and waits for the session."""
        if self._connect():
            deadline = time.monotonic() + RETRY_FOR
            while time.monotonic() < deadline:
                try:
                    kind, _ = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if kind == "history":
                    self.conversation = self.run.conversation("webchat", self.session["session_id"])
                    return True
        self.run.failed("webchat", "", f"no session in {RETRY_FOR:.0f} s")
        return False

    def _send(self, text: str) -> bool:
        if not self.ready:
            return False  # the widget's outbox: sent once the session is confirmed again
        message = {"message": text, "session_id": self.session["session_id"], "metadata": {}}
        try:
            self.sio.emit("user_uttered", message)
        except socketio.exceptions.SocketIOError:
            return False
        return True

    def say(self, text: str) -> None:
        assert self.conversation is not None
        while not self.events.empty():  # late parts of the previous answer
            self.events.get_nowait()
        self.run.sent(self.conversation, text)
        sent_at, begun = self.run.now(), time.monotonic()
        emitted = self._send(text)
        last_try, retried = time.monotonic(), False
        while True:
            # a live connection must answer within REPLY_TIMEOUT; a broken one may take a restart
            limit = (last_try + REPLY_TIMEOUT) if self.ready else (begun + RETRY_FOR)
            try:
                kind, data = self.events.get(timeout=max(0.0, limit - time.monotonic()))
            except queue.Empty:
                why = "no reply in time" if self.ready else "no session again in time"
                state = f"connected: {self.sio.connected}, emitted: {emitted}"
                self.run.failed("webchat", self.session["session_id"], f"{why} ({state})")
                return
            if kind == "bot":
                self.run.answered("webchat", sent_at, retried, empty=not data)
                return
            if kind == "down":
                retried = True
                continue
            # reconnected: the history shows whether the message arrived and was answered
            texts = [m.get("text") if m.get("sender") == "user" else None for m in data]
            if text in texts:
                position = len(texts) - 1 - texts[::-1].index(text)
                if any(m.get("sender") == "bot" for m in data[position + 1 :]):
                    self.run.answered("webchat", sent_at, True, empty=False)
                    return
                last_try = time.monotonic()  # arrived, not answered yet: wait for it
                continue
            if emitted:
                self.run.count("webchat", "retries")  # typed again
            emitted = self._send(text)
            last_try, retried = time.monotonic(), True

    def close(self) -> None:
        self.closing = True
        self.sio.shutdown()


def webchat_conversation(run: Run, url: str, texts: Sequence[str]) -> None:
    person = WebChatPerson(run, url)
    try:
        if person.start():
            for text in texts:
                time.sleep(think())
                person.say(text)
    finally:
        person.close()


# --- the phone (Twilio's webhooks, signed) ---------------------------------------------------
@dataclass
class Phone:
    url: str
    auth_token: str
    sender_secret: str
    # what the channel says instead of an answer: the bot said nothing, or the turn failed
    fallbacks: Tuple[str, ...]

    def fields(self, call_sid: str, speech: Optional[str], status: str) -> Dict[str, str]:
        fields = {
            "AccountSid": "AC" + "0" * 32,
            "ApiVersion": "2010-04-01",
            "CallSid": call_sid,
            "CallStatus": status,
            "Direction": "inbound",
            "From": "+447700900123",
            "To": "+441134960000",
        }
        if speech is not None:
            fields.update({"SpeechResult": speech, "Confidence": "0.9", "Language": "en-GB"})
        return fields

    async def post(
        self,
        session: aiohttp.ClientSession,
        run: Run,
        call_sid: str,
        speech: Optional[str] = None,
        status: str = "in-progress",
    ) -> Tuple[str, bool]:
        fields = self.fields(call_sid, speech, status)
        signature = RequestValidator(self.auth_token).compute_signature(
            VOICE_PUBLIC_URL + VOICE_PATH, fields
        )
        return await post_with_retries(
            session,
            self.url + VOICE_PATH,
            run,
            "voice",
            data=urllib.parse.urlencode(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )

    def said_nothing(self, twiml: str) -> bool:
        spoken = [e.text or "" for e in ET.fromstring(twiml).iter("Say")]
        return not any(spoken) or spoken[0] in self.fallbacks


async def voice_call(
    run: Run, session: aiohttp.ClientSession, phone: Phone, texts: Sequence[str]
) -> None:
    """One call: Twilio's first request (the greeting), one request per thing said, hang-up."""
    call_sid = "CA" + secrets.token_hex(16)
    sender = conversation_id(call_sid, phone.sender_secret.encode())
    conversation = run.conversation("voice", sender)
    # the first request sends the channel's initial prompt, "/greet": a message like any other
    for speech in (None, *texts):
        if speech is not None:
            await asyncio.sleep(think())
        run.sent(conversation, speech or "/greet")
        sent_at = run.now()
        status = "ringing" if speech is None else "in-progress"
        try:
            twiml, retried = await phone.post(session, run, call_sid, speech, status)
        except GaveUp as why:
            run.failed("voice", sender, str(why))
            continue
        run.answered("voice", sent_at, retried, empty=phone.said_nothing(twiml))
    try:
        await phone.post(session, run, call_sid, status="completed")
    except GaveUp as why:
        run.failed("voice", sender, f"hang-up: {why}")


def speakable_questions(questions: Sequence[str]) -> List[str]:
    """Questions a caller can say: not ones the phone channel answers itself ("more", "repeat")."""
    lexicon = load_lexicon()
    return [
        q
        for q in questions
        if not is_more(normalise_speech(q, lexicon), lexicon)
        and not is_repeat(normalise_speech(q, lexicon), lexicon)
    ]


# --- the staff inbox and the handoff ---------------------------------------------------------
class Staff:
    """A staff member signed in to the inbox with its queue open (that makes them on duty)."""

    EMAIL, PASSWORD = "soak@example.org", secrets.token_urlsafe(18)

    def __init__(self, inbox_url: str, db_url: str) -> None:
        self.inbox_url, self.db_url = inbox_url, db_url
        self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))

    async def sign_in(self) -> None:
        store = HandoffStore.from_url(self.db_url)
        await asyncio.to_thread(
            create_account, store.engine, self.EMAIL, "Soak Test", self.PASSWORD
        )
        async with self.session.get(f"{self.inbox_url}/sign-in") as response:
            page = await response.text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        form = {"email": self.EMAIL, "password": self.PASSWORD, "next": "/queue"}
        form["csrf_token"] = token.group(1) if token else ""
        async with self.session.post(f"{self.inbox_url}/sign-in", data=form) as response:
            if response.status != 200 or not response.url.path.startswith("/queue"):
                raise RuntimeError(f"could not sign in to the inbox: HTTP {response.status}")

    async def queue_counts(self) -> Dict[str, int]:
        async with self.session.get(f"{self.inbox_url}/api/queue") as response:
            response.raise_for_status()
            return (await response.json())["counts"]

    async def keep_queue_open(self, until: float) -> None:
        while time.monotonic() < until:
            try:
                await self.queue_counts()  # refreshes the session's presence
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(20)

    async def close(self) -> None:
        await self.session.close()


async def handoff(
    run: Run, session: aiohttp.ClientSession, url: str, staff: Staff, at: float
) -> None:
    """One REST person asks for a person and agrees; the handoff must reach the inbox's queue."""
    await asyncio.sleep(max(0.0, at - run.now()))
    sender = f"soak-handoff-{secrets.token_hex(8)}"
    before = await staff.queue_counts()
    reply = await rest_conversation(run, session, url, sender, ["can I talk to a person", "yes"])
    kinds = [m.get("custom", {}).get("type") for m in reply]
    stored = HandoffStore.from_url(staff.db_url).active_handoff(sender)
    after = await staff.queue_counts()
    run.events["handoff"] = {
        "at_seconds": round(at),
        "conversation": sender,
        "reply_types": kinds,
        "status_in_database": stored.status if stored else None,
        "inbox_waiting_before": before["waiting"],
        "inbox_waiting_after": after["waiting"],
        "ok": bool(
            "handoff_status" in kinds
            and stored is not None
            and after["waiting"] == before["waiting"] + 1
        ),
    }


# --- processes: the restart, memory ----------------------------------------------------------
def role(process: subprocess.Popen) -> str:
    """Which server a process of the stack is (`python -m <module> ...`)."""
    return {RASA_SERVER: "Rasa", "actions.server": "actions", "inbox": "inbox"}[process.args[2]]


def restart_rasa(stack: Stack) -> float:
    """Stops the Rasa server as a deployment would (SIGTERM, then waits for it) and starts it
    again on the same port, model and tracker store. Returns the time it stopped."""
    old = next(p for p in stack.processes if role(p) == "Rasa")
    os.killpg(old.pid, signal.SIGTERM)
    try:
        old.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(old.pid, signal.SIGKILL)
        old.wait()
    stopped = time.monotonic()
    stack.processes.remove(old)
    stack.start_replica(stack.rasa_port)
    return stopped


class MemoryLog:
    """RSS of each server over the run; the restarted Rasa server is a process of its own."""

    def __init__(self, run: Run, stack: Stack) -> None:
        self.run, self.stack = run, stack
        self.first_rasa: Optional[int] = None

    def sample(self) -> None:
        sample = {}
        for process in list(self.stack.processes):  # the restart changes the list meanwhile
            name = role(process)
            if name == "Rasa":
                self.first_rasa = self.first_rasa or process.pid
                name = "Rasa" if process.pid == self.first_rasa else "Rasa (restarted)"
            mb = rss_mb(process.pid)
            if mb:
                sample[name] = mb
        self.run.memory.append((self.run.now(), sample))

    async def watch(self, until: float) -> None:
        while time.monotonic() < until:
            self.sample()
            await asyncio.sleep(MEMORY_EVERY)


async def restart_midway(run: Run, stack: Stack, memory: MemoryLog, at: float) -> None:
    await asyncio.sleep(max(0.0, at - run.now()))
    memory.sample()  # the first server's last figure
    begun = run.now()
    stopped = await asyncio.to_thread(restart_rasa, stack) - run.started
    run.events["restart"] = {
        "at_seconds": begun,
        "stopping_seconds": stopped - begun,  # SIGTERM until it exited
        "down_seconds": run.now() - begun,  # until the new server answered
        "up_at_seconds": run.now(),
    }
    memory.sample()


def memory_table(run: Run) -> Dict[str, Dict[str, float]]:
    """Per process: RSS when first seen, once warm (WARM_UP after it began serving: the first
    requests load models and fill caches, which is not growth), and at the end."""
    serving_since = {"Rasa (restarted)": run.events.get("restart", {}).get("up_at_seconds", 0)}
    stopped_at = {"Rasa": run.events.get("restart", {}).get("at_seconds", float("inf"))}
    lives: Dict[str, List[Tuple[float, float]]] = defaultdict(list)
    for t, sample in run.memory:
        for name, mb in sample.items():
            if t <= stopped_at.get(name, float("inf")):
                lives[name].append((t, mb))
    table = {}
    for name, points in lives.items():
        since = serving_since.get(name, 0)
        warm = next((p for p in points if p[0] >= since + WARM_UP), points[-1])
        end = points[-1]
        table[name] = {
            "first_mb": round(points[0][1], 1),
            "start_mb": round(warm[1], 1),
            "start_at_seconds": round(warm[0]),
            "end_mb": round(end[1], 1),
            "end_at_seconds": round(end[0]),
            "change_percent": round((end[1] - warm[1]) / warm[1] * 100, 1),
        }
    return table


# --- the tracker audit -----------------------------------------------------------------------
def user_key(event: Dict[str, Any]) -> str:
    """What the person sent: the phone keeps their words as `display` (the text is normalised)."""
    return (event.get("metadata") or {}).get("display") or event.get("text") or ""


def outline(events: Sequence[Dict[str, Any]]) -> List[str]:
    """A tracker in brief, for the report: who said what, and when (seconds since the first)."""
    start = events[0].get("timestamp", 0) if events else 0
    shown = []
    for e in events:
        if e.get("event") in ("user", "bot", "session_started", "restart"):
            said = user_key(e) if e["event"] == "user" else (e.get("text") or "")[:40]
            shown.append(f"{e.get('timestamp', 0) - start:.1f} {e['event']}: {said}".strip())
    return shown


def audit_events(sent: Sequence[str], events: Sequence[Dict[str, Any]]) -> Dict[str, int]:
    """Each message sent must be one user event, followed by at least one bot event."""
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    found = Counter(user_key(events[i]) for i in users)
    wanted = Counter(sent)
    unanswered = 0
    for n, i in enumerate(users):
        following = events[i + 1 : users[n + 1] if n + 1 < len(users) else len(events)]
        unanswered += not any(e.get("event") == "bot" for e in following)
    return {
        "lost": sum(max(0, wanted[k] - found[k]) for k in wanted),
        "duplicates": sum(max(0, found[k] - wanted[k]) for k in wanted),
        "unexpected": sum(found[k] for k in found if k not in wanted),
        "unanswered": unanswered,
    }


async def audit_trackers(run: Run, url: str, token: str) -> Dict[str, Any]:
    totals = {c: Counter() for c in CHANNELS}
    problems: List[Dict[str, Any]] = []
    gate = asyncio.Semaphore(8)
    timeout = aiohttp.ClientTimeout(total=60)

    async def check(session: aiohttp.ClientSession, conversation: Conversation) -> None:
        async with gate:
            path = urllib.parse.quote(conversation.sender, safe="")
            async with session.get(f"{url}/conversations/{path}/tracker?token={token}") as r:
                events = (await r.json())["events"] if r.status == 200 else []
        result = audit_events(conversation.sent, events)
        totals[conversation.channel].update(result)
        totals[conversation.channel]["conversations"] += 1
        if any(result.values()):
            problems.append(
                {
                    "channel": conversation.channel,
                    "sender": conversation.sender,
                    **result,
                    "sent": conversation.sent,
                    "events": outline(events),
                }
            )

    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(check(session, c) for c in run.conversations))
    return {"per_channel": {c: dict(totals[c]) for c in CHANNELS}, "problems": problems}


# --- the load --------------------------------------------------------------------------------
async def person_after_person(
    channel: str, slot: int, until: float, talk: Any, pool: Sequence[str]
) -> None:
    """One of the concurrent people: a conversation, then the next person, until the end."""
    rng = random.Random(f"{channel}-{slot}")
    while time.monotonic() < until:
        await talk(slot, rng.sample(pool, rng.randint(*MESSAGES_PER_CONVERSATION)))


async def progress(run: Run, until: float) -> None:
    """A line a minute, so a long run shows it is alive (and how it is going)."""
    minute = 0
    while time.monotonic() < until:
        await asyncio.sleep(60)
        minute += 1
        recent = [ms for t, _, ms in run.latencies if t >= run.now() - 60]
        errors = sum(s.errors + s.reply_less for s in run.stats.values())
        print(
            f"  minute {minute}: {len(recent)} answers, p50 {percentile(recent, 50):.0f} ms, "
            f"p95 {percentile(recent, 95):.0f} ms, {errors} errors so far",
            flush=True,
        )


async def soak(stack: Stack, args: argparse.Namespace, phone: Phone, db_url: str) -> Run:
    # a thread for each web chat person, and some for the restart and the database
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(args.webchat + 8))
    questions = faq_questions()
    spoken = speakable_questions(questions)
    staff = Staff(stack.inbox_url, db_url)
    await staff.sign_in()
    run = Run(started=time.monotonic())
    memory = MemoryLog(run, stack)
    duration = args.minutes * 60
    until = run.started + duration
    url = stack.rasa_url
    http = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=120)
    )

    # each channel's conversation, given the person's slot and what they will say
    talk = {
        "webchat": lambda slot, texts: asyncio.to_thread(webchat_conversation, run, url, texts),
        "rest": lambda slot, texts: rest_conversation(
            run, http, url, f"soak-rest-{slot}-{secrets.token_hex(6)}", texts
        ),
        "voice": lambda slot, texts: voice_call(run, http, phone, texts),
    }
    counts = {"webchat": args.webchat, "rest": args.rest, "voice": args.voice}
    people = [
        person_after_person(
            channel, slot, until, talk[channel], spoken if channel == "voice" else questions
        )
        for channel in CHANNELS
        for slot in range(counts[channel])
    ]
    background = [
        asyncio.create_task(memory.watch(until)),
        asyncio.create_task(staff.keep_queue_open(until)),
        asyncio.create_task(progress(run, until)),
    ]
    try:
        await asyncio.gather(
            *people,
            handoff(run, http, url, staff, duration * HANDOFF_AT),
            restart_midway(run, stack, memory, duration * RESTART_AT),
        )
        run.events["load_seconds"] = round(run.now())  # the last answers came after `until`
        memory.sample()
    finally:
        for task in background:
            task.cancel()
        await http.close()
        await staff.close()
    run.events["audit"] = await audit_trackers(run, url, stack.token)
    return run


# --- the report ------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def per_minute(run: Run) -> List[Dict[str, Any]]:
    """p50/p95 latency of each channel by the minute the message was sent in."""
    buckets: Dict[int, Dict[str, List[float]]] = defaultdict(lambda: defaultdict(list))
    for t, channel, ms in run.latencies:
        buckets[int(t // 60)][channel].append(ms)
    rows = []
    for minute in sorted(buckets):
        row: Dict[str, Any] = {"minute": minute + 1}
        for channel in CHANNELS:
            values = buckets[minute][channel]
            row[channel] = {
                "count": len(values),
                "p50_ms": round(percentile(values, 50)) if values else None,
                "p95_ms": round(percentile(values, 95)) if values else None,
            }
        rows.append(row)
    return rows


def summarise(run: Run, args: argparse.Namespace) -> Dict[str, Any]:
    audit = run.events["audit"]["per_channel"]
    stats = {c: vars(run.stats[c]) for c in CHANNELS}
    memory = memory_table(run)
    totals = {
        "errors": sum(s["errors"] for s in stats.values()),
        "reply_less": sum(s["reply_less"] for s in stats.values()),
        "lost": sum(a.get("lost", 0) for a in audit.values()),
        "duplicates": sum(a.get("duplicates", 0) for a in audit.values()),
        "unanswered_in_tracker": sum(a.get("unanswered", 0) for a in audit.values()),
    }
    all_ms = [ms for _, _, ms in run.latencies]
    return {
        "config": args.config,
        "minutes": args.minutes,
        "people": {"webchat": args.webchat, "rest": args.rest, "voice": args.voice},
        "channels": {c: {**stats[c], "tracker": audit[c]} for c in CHANNELS},
        "totals": totals,
        "latency_ms": {
            "p50": round(percentile(all_ms, 50)) if all_ms else None,
            "p95": round(percentile(all_ms, 95)) if all_ms else None,
        },
        "latency_per_minute": per_minute(run),
        "memory": memory,
        "handoff": run.events.get("handoff"),
        "restart": {k: round(v, 1) for k, v in run.events.get("restart", {}).items()},
        "load_seconds": run.events.get("load_seconds"),
        "problems": run.events["audit"]["problems"][:50],
        "failures": run.failures[:50],
        "targets_met": {
            "errors": totals["errors"] + totals["reply_less"] == 0,
            "lost_or_duplicate": totals["lost"] + totals["duplicates"] == 0,
            "every_message_answered": totals["unanswered_in_tracker"] == 0,
            "memory_flat": all(abs(m["change_percent"]) <= 10 for m in memory.values()),
            "handoff": bool((run.events.get("handoff") or {}).get("ok")),
        },
    }


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def summary_tables(summary: Dict[str, Any]) -> str:
    channels = summary["channels"]

    def row(label: str, value: Any, target: str = "") -> List[Any]:
        cells = [value(channels[c]) for c in CHANNELS]
        return [label, *cells, sum(cells), target]

    counts = table(
        ["", "web chat", "REST", "voice", "all", "target"],
        [
            row("conversations", lambda c: c["conversations"]),
            row("messages sent", lambda c: c["messages"]),
            row("answered", lambda c: c["answered"]),
            row("answered after a retry", lambda c: c["recovered"]),
            row("retry attempts", lambda c: c["retries"]),
            row("errors not recovered", lambda c: c["errors"], "0"),
            row("replies with no message", lambda c: c["reply_less"], "0"),
            row("lost (not in the tracker)", lambda c: c["tracker"].get("lost", 0), "0"),
            row("answered twice (in twice)", lambda c: c["tracker"].get("duplicates", 0), "0"),
            row("in the tracker without a reply", lambda c: c["tracker"].get("unanswered", 0), "0"),
            row("in the tracker, never sent", lambda c: c["tracker"].get("unexpected", 0), "0"),
        ],
    )
    restart = summary["restart"] or {}
    handoff_at = int((summary["handoff"] or {}).get("at_seconds", -1) // 60 + 1)
    restart_at = int(restart.get("at_seconds", -1) // 60 + 1)
    minutes = []
    for m in summary["latency_per_minute"]:
        marks = [
            w for w, at in (("handoff", handoff_at), ("restart", restart_at)) if at == m["minute"]
        ]
        cells = [f"{m[c]['p50_ms']} / {m[c]['p95_ms']}" for c in CHANNELS]
        count = sum(m[c]["count"] for c in CHANNELS)
        minutes.append([f"{m['minute']} {' '.join(marks)}".strip(), *cells, count])
    latency = table(
        ["minute", "web chat p50 / p95 (ms)", "REST p50 / p95", "voice p50 / p95", "answers"],
        minutes,
    )
    memory = table(
        ["process (warm start - end)", "first seen (MB)", "warm start", "end", "change", "target"],
        [
            [
                f"{name} ({m['start_at_seconds']}-{m['end_at_seconds']} s)",
                m["first_mb"],
                m["start_mb"],
                m["end_mb"],
                f"{m['change_percent']:+.1f} %",
                "within 10 %",
            ]
            for name, m in summary["memory"].items()
        ],
    )
    handoff = summary["handoff"] or {}
    events = (
        f"Handoff at {handoff.get('at_seconds')} s: replies {handoff.get('reply_types')}, "
        f"database status {handoff.get('status_in_database')!r}, inbox waiting "
        f"{handoff.get('inbox_waiting_before')} -> {handoff.get('inbox_waiting_after')} "
        f"({'ok' if handoff.get('ok') else 'FAILED'}).\n"
        f"Rasa restart at {restart.get('at_seconds')} s: stopping took "
        f"{restart.get('stopping_seconds')} s, down {restart.get('down_seconds')} s in all.\n"
    )
    met = ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in summary["targets_met"].items())
    return f"{counts}\n{latency}\n{memory}\n{events}\nTargets met: {met}\n"


def write_report(summary: Dict[str, Any], out: Path) -> str:
    tables = summary_tables(summary)
    people = summary["people"]
    problems = "".join(f"- {json.dumps(p)}\n" for p in summary["problems"]) or "none\n"
    failures = "".join(f"- {json.dumps(f)}\n" for f in summary["failures"]) or "none\n"
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    (out / "report.md").write_text(
        f"# Soak ({summary['config']} configuration, {summary['minutes']} minutes)\n\n"
        f"{sum(people.values())} people at once ({people['webchat']} web chat, "
        f"{people['rest']} REST, {people['voice']} phone), each a few FAQ questions "
        f"{THINK_SECONDS[0]:.0f}-{THINK_SECONDS[1]:.0f} s apart then replaced by the next; one "
        "REST handoff a quarter of the way in, a Rasa restart half way. Latency is per message, "
        "end to end, bucketed by the minute it was sent; web chat to its first reply. "
        "Memory is RSS (with children); \"warm start\" is a minute after the process began "
        "serving. Lost and doubled messages are counted from each conversation's tracker.\n\n"
        f"{tables}\n## Errors not recovered (first 50)\n\n{failures}\n"
        f"## Conversations whose tracker is wrong (first 50)\n\n{problems}"
    )
    return tables


# --- set-up ----------------------------------------------------------------------------------
def make_stack(args: argparse.Namespace, work: Path, phone_secrets: Dict[str, str]) -> Stack:
    rasa_port, action_port = free_port(), free_port()
    env = {
        **UNTHROTTLED,  # all the load comes from 127.0.0.1, as in benchmarks/run.py
        **phone_secrets,
        "VOICE_PUBLIC_URL": VOICE_PUBLIC_URL,
        "HANDOFF_DB_URL": f"sqlite:///{work / 'handoff.db'}",
        "HANDOFF_HOURS": "always",
    }
    if args.config == "default":
        endpoints = sqlite_endpoints(work, action_port)
    else:
        ensure_postgres_database("rasa_soak")
        env |= production_env(rasa_port, action_port, args.workers)
        env["TRACKER_DB_NAME"] = "rasa_soak"
        # several workers: web chat rooms and call state are shared through Redis
        redis = f"redis://{env['REDIS_HOST']}:{env['REDIS_PORT']}/2"
        env |= {"WEBCHAT_REDIS_URL": redis, "REDIS_URL": redis}
        endpoints = ROOT / "endpoints.production.yml"
    return Stack(
        rasa_port=rasa_port,
        action_port=action_port,
        endpoints=endpoints,
        model=args.model or current_model_path(),
        log_dir=LOG_DIR,
        extra_env=env,
        inbox_port=free_port(),
        inbox_env={"INBOX_ENV": "development"},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minutes", type=float, default=float(os.environ.get("SOAK_MINUTES", "10"))
    )
    parser.add_argument("--webchat", type=int, default=20)
    parser.add_argument("--rest", type=int, default=20)
    parser.add_argument("--voice", type=int, default=10)
    parser.add_argument("--config", choices=["default", "production"], default="default")
    parser.add_argument("--workers", type=int, default=2, help="Sanic workers (production)")
    parser.add_argument("--model", type=Path, help="a model other than the current one")
    args = parser.parse_args()
    out = RESULTS_DIR if args.config == "default" else RESULTS_DIR / args.config
    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(LOG_DIR, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    phone_secrets = {
        "TWILIO_AUTH_TOKEN": secrets.token_urlsafe(24),
        "VOICE_SENDER_SECRET": secrets.token_urlsafe(24),
    }
    stack = make_stack(args, work, phone_secrets)
    lexicon = load_lexicon(with_topics=False)
    phone = Phone(
        url=stack.rasa_url,
        auth_token=phone_secrets["TWILIO_AUTH_TOKEN"],
        sender_secret=phone_secrets["VOICE_SENDER_SECRET"],
        fallbacks=tuple(lexicon.phrase(p) for p in ("no_reply", "technical_problem")),
    )
    print(f"Starting the assistant and the inbox (logs in {LOG_DIR.relative_to(ROOT)}/) ...")
    try:
        stack.start()
        print(
            f"Soaking for {args.minutes:g} min: {args.webchat} web chat, {args.rest} REST, "
            f"{args.voice} phone conversations at once ...",
            flush=True,
        )
        run = asyncio.run(soak(stack, args, phone, stack.extra_env["HANDOFF_DB_URL"]))
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)
    summary = summarise(run, args)
    print()
    print(write_report(summary, out))
    print(f"Written to {out.relative_to(ROOT)}/ (report.md, summary.json)")
    return 0 if all(summary["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
