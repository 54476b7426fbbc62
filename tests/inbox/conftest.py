"""The staff inbox as a real server: `python -m inbox` on a free port, against a real database
(SQLite or a fresh PostgreSQL database), talking to a fake assistant (a tiny HTTP server that
answers Rasa's HTTP API the way the real one does) or to the real one (tests/integration's Stack).

Tests talk to the inbox over HTTP with `Client`, which keeps cookies itself (also Secure ones,
which the inbox sets outside development) and never follows redirects, so tests see them.
"""

import datetime as dt
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest
from sqlalchemy import delete

from devtools.model import ROOT
from devtools.serve import wait_until_up
from handoff.rasa_client import HANDOFF_ENDED, STAFF_REPLY
from handoff.store import HandoffStore
from inbox.accounts import create_account
from inbox.schema import sign_in_attempts
from tests.databases import database_url
from tests.integration.conftest import free_port

PASSWORD = "a long enough test password"
# the inbox under test runs with production settings: Secure cookies, so `__Host-` names
SESSION_COOKIE = "__Host-inbox_session"


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    """Polls until `condition()` is truthy; returns it. No fixed sleeps in the tests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"timed out waiting for {what}")


# --- a fake assistant ---------------------------------------------------------------------------
@dataclass
class FakeRasa:
    """Rasa's HTTP API as the inbox uses it: trigger_intent, tracker, model/parse and the web
    chat's staff routes.

    Staff replies are "delivered" the way action_deliver_staff_messages does it (marked in the
    database); `failing` makes it answer 503, as an assistant that is down behind a proxy would,
    and `stopped()` makes it refuse connections."""

    store: HandoffStore
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    calls: List[Tuple[str, str]] = field(default_factory=list)
    trackers: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    # what the web chat channel's staff routes received: (event, body), e.g. ("staff_typing",
    # {"conversation_id": ..., "staff_name": ...})
    webchat_events: List[Tuple[str, Dict[str, Any]]] = field(default_factory=list)
    # `/model/parse` (the curators' evaluation page): the parse for a text, a greeting for any
    # other; `asked` records the texts
    parses: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    asked: List[str] = field(default_factory=list)
    failing: bool = False
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def calls_for(self, conversation_id: str) -> List[str]:
        return [intent for conv, intent in list(self.calls) if conv == conversation_id]

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self) -> Tuple[Optional[str], str, Dict[str, List[str]]]:
                parsed = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parsed.query)
                match = re.fullmatch(
                    r"/conversations/([^/]+)/(trigger_intent|tracker)", parsed.path
                )
                if not match:
                    return None, "", query
                return urllib.parse.unquote(match[1]), match[2], query

            def do_GET(self) -> None:
                conversation, what, query = self._route()
                if query.get("token") != [fake.token]:
                    return self._answer(401, {"error": "unauthorized"})
                if fake.failing or what != "tracker":
                    return self._answer(503, {"error": "down"})
                tracker = fake.trackers.get(conversation or "")
                return self._answer(200, tracker) if tracker else self._answer(404, {})

            def do_POST(self) -> None:
                conversation, what, query = self._route()
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if query.get("token") != [fake.token]:
                    return self._answer(401, {"error": "unauthorized"})
                webchat = re.fullmatch(
                    r"/webhooks/webchat/(\w+)", urllib.parse.urlsplit(self.path).path
                )
                if webchat and not fake.failing:
                    fake.webchat_events.append((webchat[1], body))
                    return self._answer(200, {"sent": True})
                if urllib.parse.urlsplit(self.path).path == "/model/parse" and not fake.failing:
                    fake.asked.append(body["text"])
                    greeting = {"text": body["text"], "intent": {"name": "greet", "confidence": 1}}
                    return self._answer(200, fake.parses.get(body["text"], greeting))
                if fake.failing or what != "trigger_intent" or conversation is None:
                    return self._answer(503, {"error": "down"})
                assert query.get("output_channel") == ["latest"]
                fake.calls.append((conversation, body["name"]))
                active = fake.store.active_handoff(conversation) is not None
                if body["name"] in (STAFF_REPLY, HANDOFF_ENDED):
                    pending = fake.store.undelivered_staff_messages(conversation)
                    fake.store.mark_delivered([m["id"] for m in pending])
                slots = {"handoff_active": active}
                return self._answer(200, {"tracker": {"slots": slots}, "messages": []})

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# --- the inbox process ------------------------------------------------------------------------
@dataclass
class InboxServer:
    """`python -m inbox` with the given settings; stop() and start() again (a restart)."""

    env: Dict[str, str]
    log_dir: Path
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"inbox-{self.port}.log", "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "inbox"],
                cwd=ROOT,
                env={**os.environ, **self.env, "INBOX_PORT": str(self.port)},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_up(f"{self.url}/health", time.monotonic() + 60, self.process)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def log(self) -> str:
        return (self.log_dir / f"inbox-{self.port}.log").read_text(errors="replace")


def inbox_env(db_url: str, rasa_url: str, rasa_token: str, **extra: str) -> Dict[str, str]:
    """Production settings (real secrets, Secure cookies), fast polling for tests."""
    return {
        "INBOX_ENV": "production",
        "INBOX_SECRET_KEY": secrets.token_urlsafe(48),
        "INBOX_RASA_URL": rasa_url,
        "INBOX_RASA_TOKEN": rasa_token,
        "HANDOFF_DB_URL": db_url,
        "INBOX_POLL_SECONDS": "0.2",
        "INBOX_DELIVERY_RETRY_SECONDS": "1",
        "INBOX_RASA_TIMEOUT_SECONDS": "3",
        "HANDOFF_PRESENCE_SECONDS": "20",  # open pages check their session every 5 s
        **extra,
    }


# --- an HTTP client that shows everything -------------------------------------------------------
@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("Location") or ""

    def set_cookies(self) -> List[str]:
        return self.headers.get_all("Set-Cookie") or []


class Client:
    """One browser's worth of cookies; no redirects followed."""

    def __init__(self, base_url: str) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        self.host, self.port = parsed.hostname, parsed.port
        self.cookies: Dict[str, str] = {}
        self.csrf = ""

    def request(
        self,
        method: str,
        path: str,
        form: Optional[Dict[str, str]] = None,
        json_body: Any = None,
        headers: Optional[Dict[str, str]] = None,
        timeout: float = 30,
    ) -> Response:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        sent = dict(headers or {})
        body: Optional[bytes] = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            reply = connection.getresponse()
            response = Response(reply.status, reply.headers, reply.read())
        finally:
            connection.close()
        for header in response.set_cookies():
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0].strip('"')
            if re.search(r"max-age=0\b", header, re.IGNORECASE) or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        found = re.search(r'name="csrf-token" content="([^"]+)"', response.text)
        if found:
            self.csrf = found[1]
        return response

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: Optional[Dict[str, str]] = None, **kwargs: Any) -> Response:
        return self.request("POST", path, form=form, **kwargs)

    def act(self, path: str, **fields: str) -> Response:
        """A form post from an inbox page: with this session's CSRF token."""
        return self.post(path, {"csrf_token": self.csrf, **fields})

    def sign_in(
        self,
        email: str,
        password: str = PASSWORD,
        next_path: str = "",
        headers: Optional[Dict[str, str]] = None,
    ) -> Response:
        page = self.get(
            "/sign-in" + (f"?next={urllib.parse.quote(next_path)}" if next_path else ""),
            headers=headers,
        )
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, "the sign-in form carries a token"
        form = {"csrf_token": token[1], "email": email, "password": password}
        if next_path:
            form["next"] = next_path
        response = self.post("/sign-in", form, headers=headers)
        if response.status == 303 and not response.location.startswith("/sign-in"):
            self.get("/queue")  # picks up the session's CSRF token, as a browser would
        return response


class EventStream:
    """A Server-Sent Events stream read the way EventSource reads it."""

    def __init__(self, client: Client, path: str, last_event_id: Optional[int] = None) -> None:
        self.connection = http.client.HTTPConnection(client.host, client.port, timeout=15)
        headers = {"Accept": "text/event-stream"}
        if client.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()

    def next(self, event: Optional[str] = None, timeout: float = 15.0) -> Dict[str, Any]:
        """The next event (of this name): {"event", "data", "id"}."""
        deadline = time.monotonic() + timeout
        current: Dict[str, Any] = {}
        while time.monotonic() < deadline:
            line = self.response.readline().decode()
            if not line:
                raise EOFError("the stream ended")
            line = line.rstrip("\n")
            if line == "":
                if "event" in current and (event is None or current["event"] == event):
                    return current
                current = {}
            elif line.startswith(":"):
                continue
            else:
                name, _, value = line.partition(": ")
                current[name] = json.loads(value) if name == "data" else value
        raise TimeoutError(f"no {event or 'event'} within {timeout} s")

    def close(self) -> None:
        self.connection.close()


# --- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_url(request, tmp_path_factory) -> Iterator[str]:
    with database_url(request.param, tmp_path_factory.mktemp(f"inbox-{request.param}")) as url:
        yield url


@pytest.fixture(scope="module")
def store(db_url) -> Iterator[HandoffStore]:
    store = HandoffStore.from_url(db_url)
    yield store
    store.engine.dispose()


@pytest.fixture(scope="module")
def fake_rasa(store) -> Iterator[FakeRasa]:
    fake = FakeRasa(store)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def inbox(db_url, fake_rasa, tmp_path_factory) -> Iterator[InboxServer]:
    server = InboxServer(
        inbox_env(db_url, fake_rasa.url, fake_rasa.token), tmp_path_factory.mktemp("inbox-logs")
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _assistant_is_up(request):
    """Each test starts with a reachable assistant, whatever the previous one did."""
    if "fake_rasa" in request.fixturenames:
        request.getfixturevalue("fake_rasa").failing = False
    yield


@pytest.fixture
def clear_attempts(store):
    """All inbox tests sign in from 127.0.0.1: each test starts with no failures counted."""
    with store.engine.begin() as connection:
        connection.execute(delete(sign_in_attempts))


StaffFactory = Callable[..., Tuple[int, str]]


@pytest.fixture
def make_staff(store) -> StaffFactory:
    """Creates a staff account with a unique e-mail; returns (id, e-mail)."""

    def factory(
        name: str = "Nurse Lee", password: str = PASSWORD, role: str = "staff"
    ) -> Tuple[int, str]:
        email = f"{name.split()[-1].lower()}-{secrets.token_hex(4)}@clinic.example"
        return create_account(store.engine, email, name, password, role), email

    return factory


@pytest.fixture
def signed_in(inbox, make_staff, clear_attempts) -> Callable[..., Tuple[Client, int]]:
    """A client signed in as a new staff member (or admin): (client, staff id)."""

    def factory(name: str = "Nurse Lee", role: str = "staff") -> Tuple[Client, int]:
        staff_id, email = make_staff(name, role=role)
        client = Client(inbox.url)
        assert client.sign_in(email).status == 303
        assert client.csrf
        return client, staff_id

    return factory


def new_conversation_id() -> str:
    return f"conv-{secrets.token_hex(6)}"


def recent(moment: dt.datetime, seconds: float = 60) -> bool:
    return abs((dt.datetime.now(dt.timezone.utc) - moment).total_seconds()) < seconds
