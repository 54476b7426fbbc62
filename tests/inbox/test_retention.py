"""`python -m inbox.retention`: what is old and finished goes; what is open stays."""

import datetime as dt

import pytest
from sqlalchemy import func, insert, select, update

from handoff.schema import handoffs, sign_in_attempts, staff_sessions
from handoff.store import utcnow
from inbox import retention
from inbox.accounts import create_account
from inbox.sessions import SessionStore
from tests.databases import DATABASES, handoff_store


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    with handoff_store(request.param, tmp_path) as store:
        yield store


def count(store, table):
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_retention_deletes_old_finished_work_expired_sessions_and_old_attempts(
    store, monkeypatch, capsys
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
    assert retention.main([]) == 0
    output = capsys.readouterr().out
    assert "Deleted 1 ended handoffs" in output and "1 expired sessions" in output

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
