"""Sessions and the sign-in rate limit, against real SQLite and PostgreSQL databases."""

import datetime as dt

import pytest
from sanic.response import HTTPResponse
from sqlalchemy import func, select

from handoff.models import utcnow
from inbox.accounts import create_account
from inbox.schema import sign_in_attempts, staff
from inbox.security import SignInLimiter, cookie_name, set_session_cookie, sign_in_token
from inbox.sessions import SessionStore, staff_signed_in, token_hash
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
    assert staff_signed_in(store.engine, within_seconds=60)

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


def test_limiter_counts_failures_per_email_and_address_within_the_window(store):
    limiter = SignInLimiter(store.engine, per_account=5, per_address=20, window=WINDOW)
    account, address = limiter.keys("Lee@clinic.example", "10.0.0.1")
    assert [account, address] == limiter.keys(" lee@CLINIC.example ", "10.0.0.1")
    assert "lee" not in account and account != limiter.keys("lee@clinic.example", "10.0.0.9")[0]
    for _ in range(5):
        attempt = limiter.begin("lee@clinic.example", "10.0.0.1")
        assert attempt.retry_after is None
        limiter.finish(attempt, succeeded=False)
    blocked = limiter.begin("lee@clinic.example", "10.0.0.1")
    assert 14 * 60 < blocked.retry_after <= 15 * 60
    # the blocked attempt is not kept: it does not extend the pause
    assert attempts_for(store, account) == 5
    # the same account from another address, another account from this one: not paused
    assert limiter.begin("lee@clinic.example", "10.0.0.2").retry_after is None
    assert limiter.begin("kim@clinic.example", "10.0.0.1").retry_after is None
    later = utcnow() + WINDOW + dt.timedelta(seconds=1)
    assert limiter.begin("lee@clinic.example", "10.0.0.1", now=later).retry_after is None


def test_a_success_clears_the_email_count_but_not_the_address_count(store):
    limiter = SignInLimiter(store.engine, per_account=3, per_address=3, window=WINDOW)
    for _ in range(2):
        limiter.finish(limiter.begin("lee@clinic.example", "10.0.0.2"), succeeded=False)
    limiter.finish(limiter.begin("lee@clinic.example", "10.0.0.2"), succeeded=True)
    limiter.finish(limiter.begin("lee@clinic.example", "10.0.0.2"), succeeded=False)
    # lee: one failure since the success; the address: three failures (the success not counted)
    assert limiter.begin("kim@clinic.example", "10.0.0.2").retry_after is not None
    assert limiter.begin("lee@clinic.example", "10.0.0.3").retry_after is None


def attempts_for(store, key):
    with store.engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(sign_in_attempts).where(sign_in_attempts.c.key == key)
        ).scalar_one()


def test_cookies_are_prefixed_only_over_https():
    assert cookie_name("inbox_session", secure=True) == "__Host-inbox_session"
    assert cookie_name("inbox_session", secure=False) == "inbox_session"  # http://localhost
    response = HTTPResponse()
    set_session_cookie(response, "token", secure=False, max_age=60)
    [header] = [v for k, v in response.processed_headers if k.lower() == b"set-cookie"]
    assert header.startswith(b"inbox_session=token") and b"Secure" not in header


def test_the_sign_in_token_is_bound_to_its_cookie_and_the_key():
    assert sign_in_token(b"k" * 32, "nonce-1") == sign_in_token(b"k" * 32, "nonce-1")
    assert sign_in_token(b"k" * 32, "nonce-1") != sign_in_token(b"k" * 32, "nonce-2")
    assert sign_in_token(b"k" * 32, "nonce-1") != sign_in_token(b"j" * 32, "nonce-1")
