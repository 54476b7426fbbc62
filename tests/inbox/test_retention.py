"""`python -m inbox.retention`: what is old and finished goes; what is open stays."""

import asyncio
import datetime as dt

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, insert, inspect, select, text, update
from sqlalchemy.engine import make_url

from handoff.models import utcnow
from handoff.schema import handoffs
from inbox import retention
from inbox.accounts import create_account
from inbox.schema import sign_in_attempts, staff_sessions
from inbox.sessions import SessionStore
from tests.conftest import ROOT
from tests.databases import DATABASES, database_url, handoff_store, set_handoff_clock
from tracker_stores.retention import events
from tracker_stores.sqlite import SQLiteTrackerStore


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    with handoff_store(request.param, tmp_path) as store:
        yield store


def count(store, table):
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_retention_deletes_old_finished_work_expired_sessions_and_old_attempts(
    store, monkeypatch, capsys, tmp_path
):
    lee = create_account(store.engine, "lee@clinic.example", "Lee", "a long test password")
    long_ago = utcnow() - dt.timedelta(days=40)
    old = store.open_handoff("old", "webchat", "requested")
    store.add_person_message(old.id, "an old message")
    store.end(old.id, lee, "closed")
    recent = store.open_handoff("recent", "webchat", "requested")
    store.end(recent.id, lee, "returned")
    still_open = store.open_handoff("open", "webchat", "requested")
    with store.engine.begin() as connection:
        connection.execute(
            update(handoffs)
            .where(handoffs.c.id.in_([old.id, still_open.id]))
            .values(ended_at=long_ago, created_at=long_ago)
        )
        connection.execute(
            update(handoffs).where(handoffs.c.id == still_open.id).values(ended_at=None)
        )
        connection.execute(
            insert(sign_in_attempts).values(key="ip:10.0.0.1", succeeded=False, at=long_ago)
        )
        connection.execute(
            insert(sign_in_attempts).values(key="ip:10.0.0.1", succeeded=False, at=utcnow())
        )
    sessions = SessionStore(store.engine, dt.timedelta(minutes=30), dt.timedelta(hours=12))
    live_token, _ = sessions.create(lee)
    _, expired = sessions.create(lee)
    with store.engine.begin() as connection:
        connection.execute(
            update(staff_sessions)
            .where(staff_sessions.c.token_hash == expired.token_hash)
            .values(expires_at=long_ago)
        )

    monkeypatch.setenv("HANDOFF_DB_URL", store.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HANDOFF_RETENTION_DAYS", "30")
    in_memory = tmp_path / "endpoints.yml"  # never the developer's var/conversations.db
    in_memory.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n")
    monkeypatch.setenv("HANDOFF_ENDPOINTS", str(in_memory))
    assert retention.main([]) == 0
    output = capsys.readouterr().out
    assert "1 ended handoffs" in output and "1 expired sessions" in output
    assert "in memory only" in output

    assert store.get_handoff(old.id) is None and store.messages(old.id) == []
    assert store.get_handoff(recent.id) is not None  # ended, but only just
    assert store.get_handoff(still_open.id) is not None  # open work is never deleted
    assert count(store, sign_in_attempts) == 1
    assert sessions.load(live_token) is not None and count(store, staff_sessions) == 1
    assert store.audit_entries()[0]["action"] == "retention"


def test_retention_refuses_nonsense(store, monkeypatch):
    monkeypatch.setenv("HANDOFF_DB_URL", store.engine.url.render_as_string(hide_password=False))
    with pytest.raises(SystemExit):
        retention.main(["--days", "0"])


# --- conversations in the tracker store too -------------------------------------------------
OLD, KEPT, OPEN, STALE = "conv-old-3b7e91", "conv-kept-5c2d44", "conv-open-9a1f07", "conv-stale-e8"
SAM = ("Sam Jones", "07700 900123", "sam.jones@example.org")
ROBIN = ("Robin Ash", "robin.ash@example.net")
OLD_ADDRESS, RECENT_ADDRESS = "203.0.113.9", "198.51.100.7"


def said(text_, intent="inform"):
    return UserUttered(text_, intent={"name": intent, "confidence": 1.0})


def callback_form(name, contact):
    """The callback form as Rasa records it, with the assistant's echo at the end."""
    return [
        said("yes", "affirm"),
        ActionExecuted("callback_form"),
        ActiveLoop("callback_form"),
        SlotSet("requested_slot", "callback_name"),
        BotUttered("What name should we ask for?"),
        said(name),
        SlotSet("callback_name", name),
        SlotSet("requested_slot", "callback_contact"),
        said(contact),
        SlotSet("callback_contact", contact),
        SlotSet("requested_slot", None),
        ActiveLoop(None),
        BotUttered(f"Thank you, {name}. A member of our staff will get back to you at {contact}."),
        SlotSet("callback_name", None),
        SlotSet("callback_contact", None),
    ]


def stored(at, *parts):
    """Events as Rasa stores them, a second apart from `at`."""
    return [{**event.as_dict(), "timestamp": at.timestamp() + i} for i, event in enumerate(parts)]


def everything_in(engine):
    """Every value of every row of every table, lower-cased."""
    lines = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                lines.append(" ".join(str(value) for value in row))
    return "\n".join(lines).lower()


@pytest.fixture(params=DATABASES)
def two_databases(request, tmp_path):
    """The handoff database and the tracker store's, both SQLite or both PostgreSQL, and an
    endpoints file naming the tracker store the way endpoints(.production).yml do."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    (tmp_path / "tracker").mkdir()
    with (
        handoff_store(request.param, tmp_path) as store,
        database_url(request.param, tmp_path / "tracker") as tracker_url,
    ):
        endpoints = tmp_path / "endpoints.yml"
        if request.param == "sqlite":
            path = make_url(tracker_url).database
            rasa_store = SQLiteTrackerStore(domain=domain, db=path)
            endpoints.write_text(
                f"tracker_store:\n  type: tracker_stores.sqlite.SQLiteTrackerStore\n  db: {path}\n"
            )
        else:
            rasa_store = SQLTrackerStore(domain=domain, dialect="postgresql", host=tracker_url)
            url = make_url(tracker_url)
            request.getfixturevalue("monkeypatch").setenv("TEST_TRACKER_DB", url.database)
            endpoints.write_text(
                "tracker_store:\n  type: SQL\n  dialect: postgresql\n"
                f"  url: {url.host}\n  port: {url.port}\n  username: {url.username}\n"
                "  db: ${TEST_TRACKER_DB}\n"
            )
        try:
            yield store, rasa_store, domain, endpoints
        finally:
            rasa_store.engine.dispose()


def test_nothing_of_a_deleted_conversation_remains_in_any_table(two_databases, monkeypatch, capsys):
    store, rasa_store, domain, endpoints = two_databases
    now = utcnow()
    clock = {"now": now}
    set_handoff_clock(monkeypatch, lambda: clock["now"])

    def save(sender, at, *parts):
        tracker = DialogueStateTracker.from_dict(sender, stored(at, *parts), domain.slots)
        asyncio.run(rasa_store.save(tracker))

    lee = create_account(store.engine, "lee@clinic.example", "Lee", "a long test password")

    # 40 days ago: a handoff, then a callback request; staff signed in from an address
    clock["now"] = long_ago = now - dt.timedelta(days=40)
    save(
        OLD,
        long_ago,
        said("can I talk to a person", "request_human"),
        said(f"my e-mail is {SAM[2]}"),
        *callback_form(SAM[0], SAM[1]),
    )
    old = store.open_handoff(OLD, "webchat", "requested")
    store.add_person_message(old.id, f"my e-mail is {SAM[2]}")
    store.claim(old.id, lee)
    store.add_staff_message(old.id, lee, "We will write to you")
    store.audit(lee, "view", handoff_id=old.id)
    store.end(old.id, lee, "closed")
    old_callback = store.create_callback(OLD, "webchat", SAM[0], SAM[1])
    store.audit(lee, "view_callback", callback_id=old_callback)
    store.mark_callback_done(old_callback, lee)
    store.audit(lee, "sign_in", detail=f"address {OLD_ADDRESS}")
    store.audit(None, "sign_in_failed", detail=f"wrong password, address {OLD_ADDRESS}")
    with store.engine.begin() as connection:
        connection.execute(
            insert(sign_in_attempts).values(key=f"ip:{OLD_ADDRESS}", succeeded=False, at=long_ago)
        )
    # as old, but a person is still waiting for staff: open work is never deleted
    save(STALE, long_ago, said("I need to talk to someone", "request_human"))
    stale = store.open_handoff(STALE, "webchat", "requested")
    store.add_person_message(stale.id, "is anyone there?")

    # 5 days ago: a callback request, handled the next day; the conversation is kept
    clock["now"] = five_days_ago = now - dt.timedelta(days=5)
    save(KEPT, five_days_ago, said("what is EDSS", "ask_edss"), *callback_form(*ROBIN))
    kept_callback = store.create_callback(KEPT, "webchat", *ROBIN)
    clock["now"] = now - dt.timedelta(days=4)
    store.mark_callback_done(kept_callback, lee)

    # 2 days ago: a callback request nobody has handled yet; and a recent sign-in
    clock["now"] = two_days_ago = now - dt.timedelta(days=2)
    kim = ("Kim Lee", "+44 7700 900456")
    save(OPEN, two_days_ago, said("what is HSCT", "ask_hsct"), *callback_form(*kim))
    open_callback = store.create_callback(OPEN, "webchat", *kim)
    store.audit(lee, "sign_in", detail=f"address {RECENT_ADDRESS}")

    def events_of(sender):
        with rasa_store.engine.connect() as connection:
            return (
                connection.execute(
                    select(events.c.data).where(events.c.sender_id == sender).order_by(events.c.id)
                )
                .scalars()
                .all()
            )

    open_before, stale_before, kept_before = events_of(OPEN), events_of(STALE), events_of(KEPT)
    assert SAM[0].lower() in everything_in(rasa_store.engine)  # the scan sees into events

    clock["now"] = now
    monkeypatch.setenv("HANDOFF_DB_URL", store.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HANDOFF_RETENTION_DAYS", "30")
    assert retention.main(["--endpoints", str(endpoints)]) == 0
    output = capsys.readouterr().out
    assert "Deleted 1 conversations" in output
    assert "scrubbed callback details from 1 conversations" in output

    # nothing of the old conversation, nor the old address, in any table of either database
    tables = inspect(store.engine).get_table_names() + inspect(rasa_store.engine).get_table_names()
    assert {"events", "handoffs", "handoff_messages", "callback_requests", "audit_log"} <= set(
        tables
    )
    both = everything_in(store.engine) + everything_in(rasa_store.engine)
    for private in (OLD, *SAM, OLD_ADDRESS):
        assert private.lower() not in both, private
    # the audit lines stay (who did what, when), without the address
    details = [entry["detail"] for entry in store.audit_entries()]
    assert "address removed" in details and "wrong password, address removed" in details
    assert f"address {RECENT_ADDRESS}" in details

    # the kept conversation: all there but the callback form's copies of name and contact
    kept = asyncio.run(rasa_store.retrieve_full_tracker(KEPT))
    assert len(events_of(KEPT)) == len(kept_before)
    assert kept.get_slot("callback_name") is None
    assert "what is EDSS" in [event.text for event in kept.events if event.type_name == "user"]
    tracker_text = everything_in(rasa_store.engine)
    for private in ROBIN:
        assert private.lower() not in tracker_text, private
    assert store.get_callback(kept_callback)["contact"] == ROBIN[1]  # until it is old itself

    # open work, old or recent, untouched
    assert events_of(OPEN) == open_before and events_of(STALE) == stale_before
    assert store.get_callback(open_callback)["status"] == "open"
    assert [m["text"] for m in store.messages(stale.id)] == ["is anyone there?"]
