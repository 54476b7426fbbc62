"""New handoffs and callback requests reach staff outside the page too: a webhook (JSON POST)
and e-mail, each exactly once, even across a restart of the inbox; and with no patient data."""

import email
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from handoff.limits import LimitReached, RequestLimits
from handoff.models import utcnow
from handoff.store import HandoffStore
from inbox.notify import Hub, Notifier, describe_alert, describe_callback, describe_handoff
from inbox.settings import InboxSettings
from tests.databases import database_url, set_handoff_clock
from tests.inbox.conftest import (
    Client,
    InboxServer,
    free_port,
    inbox_env,
    new_conversation_id,
    wait_for,
)

pytestmark = pytest.mark.server

PATIENT_TEXT = "My name is Sam Jones and my EDSS is 6"
# What a client can put in Rasa's REST `input_channel`, or a person in the callback form's name
INJECTED = "Bcc: attacker@evil.example"
MARKUP = "<script>alert(1)</script>"
LONG = "Q" * 20000
HOSTILE_CHANNEL = f"webchat\r\n{INJECTED}\r\n\r\n{MARKUP}{LONG}"
HOSTILE_NAME = f"Sam\r\n{INJECTED} {MARKUP}"[:120]
HOSTILE = (INJECTED, MARKUP, "QQQQQQQQ", "attacker", "<", "\r\n\r\n")


class WebhookReceiver:
    def __init__(self) -> None:
        self.posts = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((self.headers["Content-Type"], json.loads(body)))
                self.send_response(204)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://localhost:{self.server.server_address[1]}/hooks/inbox"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """Just enough SMTP (RFC 5321) to receive what smtplib sends: EHLO, MAIL, RCPT, DATA."""

    def __init__(self) -> None:
        self.messages = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 sink ESMTP")
                envelope = {"to": []}
                while True:
                    line = self.rfile.readline().decode().rstrip("\r\n")
                    verb = line[:4].upper()
                    if not line or verb == "QUIT":
                        self.reply("221 bye")
                        return
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 sink")
                    elif verb == "MAIL":
                        envelope = {"from": line[10:].strip("<>"), "to": []}
                        self.reply("250 ok")
                    elif verb == "RCPT":
                        envelope["to"].append(line[8:].strip("<>"))
                        self.reply("250 ok")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        data = []
                        while (chunk := self.rfile.readline().decode()) not in (".\r\n", ""):
                            data.append(chunk[1:] if chunk.startswith("..") else chunk)
                        sink.messages.append((envelope, email.message_from_string("".join(data))))
                        self.reply("250 queued")
                    else:
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self):
        return self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receivers(db_url):  # (one pair per database the module runs against)
    webhook, smtp = WebhookReceiver(), SmtpSink()
    yield webhook, smtp
    webhook.close()
    smtp.close()


@pytest.fixture(scope="module")
def notifying_inbox(db_url, fake_rasa, receivers, tmp_path_factory):
    webhook, smtp = receivers
    env = inbox_env(
        db_url,
        fake_rasa.url,
        fake_rasa.token,
        INBOX_PUBLIC_URL="https://inbox.ms-centre.example",
        INBOX_NOTIFY_WEBHOOK_URL=webhook.url,
        INBOX_NOTIFY_EMAIL_TO="nurses@ms-centre.example, lead@ms-centre.example",
        INBOX_SMTP_HOST="127.0.0.1",
        INBOX_SMTP_PORT=str(smtp.port),
        INBOX_SMTP_STARTTLS="false",
        INBOX_SMTP_FROM="inbox@ms-centre.example",
    )
    server = InboxServer(env, tmp_path_factory.mktemp("notify-logs"))
    server.start()
    yield server
    server.stop()


def test_webhook_and_email_once_per_new_handoff_and_callback(notifying_inbox, receivers, store):
    webhook, smtp = receivers
    handoff = store.open_handoff(new_conversation_id(), "webchat", "emergency", urgent=True)
    store.add_person_message(handoff.id, PATIENT_TEXT)
    callback_id = store.create_callback(
        new_conversation_id(), "webchat", "Sam Jones", "sam.jones@example.org"
    )
    wait_for(lambda: len(webhook.posts) >= 2 and len(smtp.messages) >= 2, what="notifications")

    by_id = {body["id"]: (kind, body) for kind, body in webhook.posts}
    content_type, alert = by_id[handoff.id]
    assert content_type == "application/json"
    assert alert["kind"] == "handoff" and alert["urgent"] is True
    assert alert["reason"] == "emergency" and alert["channel"] == "webchat"
    assert alert["url"] == f"https://inbox.ms-centre.example/handoffs/{handoff.id}"
    assert alert["text"].startswith("URGENT")  # Slack / Teams show this field
    assert by_id[callback_id][1]["kind"] == "callback"

    subjects = {message["Subject"]: (envelope, message) for envelope, message in smtp.messages}
    urgent_subject = next(s for s in subjects if s.startswith("URGENT"))
    envelope, message = subjects[urgent_subject]
    assert envelope["to"] == ["nurses@ms-centre.example", "lead@ms-centre.example"]
    assert message["From"] == "inbox@ms-centre.example"
    assert f"https://inbox.ms-centre.example/handoffs/{handoff.id}" in message.get_payload()
    assert any(s.startswith("New callback request") for s in subjects)

    # nothing that identifies the person leaves the inbox
    sent = json.dumps(webhook.posts) + "".join(m.as_string() for _, m in smtp.messages)
    for private in ("Sam Jones", "sam.jones@example.org", "EDSS", handoff.conversation_id):
        assert private not in sent

    # a restart of the inbox does not announce them again; the next arrival is announced once
    notifying_inbox.stop()
    notifying_inbox.start()
    later = store.open_handoff(new_conversation_id(), "webchat", "requested")
    wait_for(lambda: any(body["id"] == later.id for _, body in webhook.posts), what="the next one")
    wait_for(lambda: len(smtp.messages) >= 3, what="its e-mail")
    ids = [body["id"] for _, body in webhook.posts]
    assert sorted(ids) == sorted([handoff.id, callback_id, later.id])
    assert len(smtp.messages) == 3


@pytest.fixture(params=["sqlite", "postgresql"])
def own_store(request, tmp_path):
    """A database of its own: no other inbox process announces what this test creates."""
    with database_url(request.param, tmp_path) as url:
        store = HandoffStore.from_url(url)
        yield url, store
        store.engine.dispose()


def test_an_unreachable_webhook_is_retried_then_given_up_without_harm(own_store, tmp_path):
    db_url, store = own_store
    nobody = f"http://localhost:{free_port()}/hook"
    server = InboxServer(
        inbox_env(
            db_url, "http://localhost:9", "Unused-Token-4f9a8b7c", INBOX_NOTIFY_WEBHOOK_URL=nobody
        ),
        tmp_path / "logs",
    )
    server.start()
    try:
        handoff = store.open_handoff(new_conversation_id(), "webchat", "requested")
        store.add_person_message(handoff.id, PATIENT_TEXT)
        wait_for(lambda: "attempt 3 of 3" in server.log(), timeout=30, what="three attempts")
        assert Client(server.url).get("/health").status == 200
        log = server.log()
        assert "Traceback" not in log
        assert PATIENT_TEXT not in log and handoff.conversation_id not in log
    finally:
        server.stop()


def test_notifications_are_built_from_a_fixed_vocabulary_only():
    """Whatever a stored row holds (rows from before channels were checked, a reason from a
    newer version), what leaves the inbox is a known code, "other", or made by the inbox."""
    row = {
        "id": "0123456789abcdef0123456789abcdef",
        "urgent": 1,
        "reason": f"requested\r\n{INJECTED}",
        "channel": HOSTILE_CHANNEL,
        "created_at": utcnow(),
    }
    handoff = describe_handoff(row, "https://inbox.ms-centre.example")
    callback = describe_callback(row, "https://inbox.ms-centre.example")
    assert handoff["channel"] == callback["channel"] == "other"
    assert handoff["reason"] == "other" and handoff["urgent"] is True
    notifier = Notifier(
        InboxSettings(env="development"), store=None, rasa=None, hub=Hub(), run=None
    )
    for event in (handoff, callback):
        texts = notifier._texts(event)
        sent = json.dumps(event) + texts["subject"] + texts["body"]
        for hostile in HOSTILE:
            assert hostile not in sent
        assert "\n" not in texts["subject"] and "\r" not in texts["subject"]
        assert event["url"] in texts["body"]


def test_hostile_channel_and_name_reach_no_email_or_webhook(notifying_inbox, receivers, store):
    webhook, smtp = receivers
    handoff = store.open_handoff(new_conversation_id(), HOSTILE_CHANNEL, "requested")
    callback_id = store.create_callback(
        new_conversation_id(), HOSTILE_CHANNEL, HOSTILE_NAME, "sam.jones@example.org"
    )
    ids = {handoff.id, callback_id}

    def ours():
        posts = [body for _, body in webhook.posts if body["id"] in ids]
        mails = [m for _, m in smtp.messages if any(i in m.get_payload() for i in ids)]
        return (posts, mails) if len(posts) == 2 and len(mails) == 2 else None

    posts, mails = wait_for(ours, what="both notifications")
    assert {post["channel"] for post in posts} == {"other"}
    assert {post["channel_label"] for post in posts} == {"Other"}
    for mail in mails:
        assert mail["Bcc"] is None and len(mail.get_all("To")) == 1
        assert "\n" not in mail["Subject"] and "Other" in mail["Subject"]
    sent = json.dumps(posts) + "".join(mail.as_string() for mail in mails)
    for hostile in (*HOSTILE, "sam.jones@example.org"):
        assert hostile not in sent, hostile


def test_a_flood_refused_by_a_cap_alerts_staff_once(own_store, tmp_path, monkeypatch):
    """A script asks for staff again and again: a few requests get through (each announced), the
    rest are refused, and staff hear about that once for the cap and hour, not once per request,
    even after a restart of the inbox."""
    db_url, store = own_store
    now = utcnow()
    set_handoff_clock(monkeypatch, lambda: now)  # one period, whatever the clock
    webhook, smtp = WebhookReceiver(), SmtpSink()
    server = InboxServer(
        inbox_env(
            db_url,
            "http://localhost:9",
            "Unused-Token-4f9a8b7c",
            INBOX_PUBLIC_URL="https://inbox.ms-centre.example",
            INBOX_NOTIFY_WEBHOOK_URL=webhook.url,
            INBOX_NOTIFY_EMAIL_TO="nurses@ms-centre.example",
            INBOX_SMTP_HOST="127.0.0.1",
            INBOX_SMTP_PORT=str(smtp.port),
            INBOX_SMTP_STARTTLS="false",
            INBOX_SMTP_FROM="inbox@ms-centre.example",
        ),
        tmp_path / "logs",
    )
    server.start()
    try:
        small = RequestLimits(per_conversation=1, per_address=100, overall=3)
        key = "5f2b0c4e9a1d7e3b6c8a0f1e2d3c4b5a"
        conversations = [new_conversation_id() for _ in range(25)]
        refused = 0
        for conversation in conversations:
            try:
                store.open_handoff(conversation, "webchat", "requested", False, key, small)
            except LimitReached as limit:
                assert limit.cap == "overall"
                refused += 1
        assert refused == 22

        def alerts():
            return [body for _, body in webhook.posts if body["kind"] == "alert"]

        [alert] = wait_for(alerts, what="the alert")
        assert alert["cap"] == "overall" and alert["urgent"] is True
        assert (alert["allowed"], alert["window_minutes"]) == (3, 60)
        assert alert["url"] == "https://inbox.ms-centre.example/queue"
        assert alert["text"].startswith("ALERT")
        wait_for(lambda: len(smtp.messages) >= 4, what="the e-mails")  # before the restart

        server.stop()
        server.start()
        for _ in range(10):  # more of the flood, after the restart: counted, not announced
            with pytest.raises(LimitReached):
                store.open_handoff(new_conversation_id(), "webchat", "requested", False, key, small)
        later = store.open_handoff(new_conversation_id(), "webchat", "requested")  # no caps
        wait_for(lambda: any(b["id"] == later.id for _, b in webhook.posts), what="the next one")
        wait_for(lambda: len(smtp.messages) >= 5, what="its e-mail")
        assert len(alerts()) == 1
        kinds = sorted(body["kind"] for _, body in webhook.posts)
        assert kinds == ["alert"] + ["handoff"] * 4
        subjects = [message["Subject"] for _, message in smtp.messages]
        assert len(subjects) == 5 and sum(s.startswith("ALERT") for s in subjects) == 1
        sent = json.dumps(webhook.posts) + "".join(m.as_string() for _, m in smtp.messages)
        assert key not in sent and not any(c in sent for c in conversations)
    finally:
        server.stop()
        webhook.close()
        smtp.close()


def test_an_alert_is_announced_in_the_fixed_vocabulary_too():
    row = {"id": 7, "cap": f"overall\r\n{INJECTED}", "allowed": "60", "window_minutes": 60}
    alert = describe_alert({**row, "created_at": utcnow()}, "https://inbox.ms-centre.example")
    assert (alert["cap"], alert["allowed"], alert["url"]) == (
        "other",
        60,
        "https://inbox.ms-centre.example/queue",
    )
    notifier = Notifier(
        InboxSettings(env="development"), store=None, rasa=None, hub=Hub(), run=None
    )
    texts = notifier._texts(alert)
    assert texts["subject"].startswith("ALERT") and "\n" not in texts["subject"]
    for hostile in HOSTILE:
        assert hostile not in json.dumps(alert) + texts["subject"] + texts["body"]
