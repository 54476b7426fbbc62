"""Sessions and the sign-in rate limit, against real SQLite and PostgreSQL databases."""

import datetime as dt

import pytest

from handoff.schema import staff
from handoff.store import utcnow
from inbox.accounts import create_account
from inbox.security import SignInLimiter, sign_in_token
from inbox.sessions import SessionStore, token_hash
from tests.databases import DATABASES, handoff_store

WINDOW = dt.timedelta(minutes=15)


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    with handoff_store(request.param, tmp_path) as store:
        yield store


def test_sessions_live_until_idle_or_expired(store):
    staff_id = create_account(store.engine, "lee@clinic.example", "Lee", "a long test password")
    sessions = SessionStore(
        store.engine, idle=dt.timedelta(minutes=30), absolute=dt.timedelta(hours=12)
    )
    token, session = sessions.create(staff_id)
    assert session.token_hash == token_hash(token) != token
    assert session.expires_at - session.created_at == dt.timedelta(hours=12)
    assert sessions.load(token).staff_name == "Lee"
    assert sessions.load("forged") is None and sessions.load("") is None
    assert sessions.touch(session)
    assert store.staff_signed_in(within_seconds=60)

    idle = SessionStore(store.engine, idle=dt.timedelta(seconds=0), absolute=dt.timedelta(hours=1))
    assert idle.load(token) is None and not idle.touch(session)
    with store.engine.begin() as connection:  # disabled behind the inbox's back
        connection.execute(staff.update().where(staff.c.id == staff_id).values(disabled=True))
    assert sessions.load(token) is None
    with store.engine.begin() as connection:
        connection.execute(staff.update().where(staff.c.id == staff_id).values(disabled=False))
    assert sessions.load(token) is not None
    sessions.delete(session)
    assert sessions.load(token) is None


def test_limiter_counts_failures_per_key_within_the_window(store):
    limiter = SignInLimiter(store.engine, per_email=5, per_address=20, window=WINDOW)
    email, address = limiter.email_key("Lee@clinic.example"), limiter.address_key("10.0.0.1")
    assert email == limiter.email_key(" lee@CLINIC.example ") and "lee" not in email
    keys = [email, address]
    for _ in range(4):
        limiter.record(keys, succeeded=False)
    assert limiter.retry_after(keys) is None
    limiter.record(keys, succeeded=False)
    wait = limiter.retry_after(keys)
    assert 14 * 60 < wait <= 15 * 60
    assert limiter.retry_after([limiter.email_key("kim@clinic.example"), address]) is None
    later = utcnow() + WINDOW + dt.timedelta(seconds=1)
    assert limiter.retry_after(keys, now=later) is None


def test_a_success_clears_the_email_count_but_not_the_address_count(store):
    limiter = SignInLimiter(store.engine, per_email=3, per_address=3, window=WINDOW)
    email, address = limiter.email_key("lee@clinic.example"), limiter.address_key("10.0.0.2")
    for _ in range(2):
        limiter.record([email, address], succeeded=False)
    limiter.record([email, address], succeeded=True)
    limiter.record([email, address], succeeded=False)
    assert limiter.retry_after([email]) is None
    assert limiter.retry_after([address]) is not None


def test_the_sign_in_token_is_bound_to_its_cookie_and_the_key():
    assert sign_in_token(b"k" * 32, "nonce-1") == sign_in_token(b"k" * 32, "nonce-1")
    assert sign_in_token(b"k" * 32, "nonce-1") != sign_in_token(b"k" * 32, "nonce-2")
    assert sign_in_token(b"k" * 32, "nonce-1") != sign_in_token(b"j" * 32, "nonce-1")
