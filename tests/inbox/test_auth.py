"""Signing in and out, sessions, CSRF tokens and the sign-in rate limit, over HTTP."""

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from handoff.schema import audit_log
from inbox.accounts import set_disabled, set_password
from inbox.schema import sign_in_attempts, staff_sessions
from tests.inbox.conftest import (
    PASSWORD,
    SESSION_COOKIE,
    Client,
    new_conversation_id,
    recent,
)

pytestmark = pytest.mark.server


def audit_actions(store, staff_id=None):
    return [
        (e["action"], e["detail"])
        for e in reversed(store.audit_entries())
        if staff_id is None or e["staff_id"] == staff_id
    ]


def test_sign_in_and_out_are_audited(inbox, make_staff, store, clear_attempts):
    staff_id, email = make_staff("Nurse Kim")
    client = Client(inbox.url)
    response = client.sign_in(email.upper(), next_path="/audit")  # e-mail case does not matter
    assert (response.status, response.location) == (303, "/audit")
    page = client.get("/queue")
    assert page.status == 200 and "Nurse Kim" in page.text

    response = client.act("/sign-out")
    assert (response.status, response.location) == (303, "/sign-in?notice=signed_out")
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/queue").status == 303  # the session is gone on the server too
    actions = [action for action, _ in audit_actions(store, staff_id)]
    assert actions == ["sign_in", "sign_out"]
    [entry] = [
        e for e in store.audit_entries() if e["staff_id"] == staff_id and e["action"] == "sign_in"
    ]
    assert recent(entry["at"]) and "127.0.0.1" in entry["detail"]


def test_a_wrong_password_is_refused_and_audited_without_the_password(
    inbox, make_staff, store, clear_attempts
):
    staff_id, email = make_staff()
    client = Client(inbox.url)
    response = client.sign_in(email, "not the password at all")
    assert response.status == 401
    assert "not right" in response.text and SESSION_COOKIE not in client.cookies
    assert ("sign_in_failed", "wrong password, address 127.0.0.1") in audit_actions(store, staff_id)
    client.sign_in("nobody@clinic.example", "whatever it is")
    assert any(
        action == "sign_in_failed" and detail.startswith("unknown e-mail")
        for action, detail in audit_actions(store)
    )
    everything = repr(store.audit_entries()) + repr(_attempt_keys(store))
    assert "not the password at all" not in everything and "nobody@clinic.example" not in everything


def _attempt_keys(store):
    with store.engine.connect() as connection:
        return [row[0] for row in connection.execute(select(sign_in_attempts.c.key))]


def test_only_local_addresses_are_followed_after_sign_in(inbox, make_staff, clear_attempts):
    _, email = make_staff()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        response = Client(inbox.url).sign_in(email, next_path=target)
        assert response.location == "/queue", target


def test_a_disabled_account_cannot_sign_in_and_is_signed_out(signed_in, store, inbox):
    client, staff_id = signed_in()
    email = next(a for a in _accounts(store) if a[0] == staff_id)[1]
    set_disabled(store.engine, email, True)
    assert client.get("/queue").status == 303
    assert Client(inbox.url).sign_in(email).status == 401


def _accounts(store):
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql("SELECT id, email FROM staff")]


def test_an_idle_session_ends(signed_in, store):
    client, staff_id = signed_in()
    assert client.get("/queue").status == 200
    with store.engine.begin() as connection:  # 31 minutes without any request
        connection.execute(
            update(staff_sessions)
            .where(staff_sessions.c.staff_id == staff_id)
            .values(last_seen=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=31))
        )
    response = client.get("/queue")
    assert response.status == 303 and response.location.startswith("/sign-in")
    assert client.get("/api/queue").status == 401


def test_a_session_ends_at_its_absolute_expiry(signed_in, store):
    client, staff_id = signed_in()
    with store.engine.begin() as connection:
        connection.execute(
            update(staff_sessions)
            .where(staff_sessions.c.staff_id == staff_id)
            .values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1))
        )
    assert client.get("/queue").status == 303


# --- CSRF -------------------------------------------------------------------------------------
def test_state_changing_requests_need_the_csrf_token(signed_in, store):
    client, staff_id = signed_in()
    waiting = store.open_handoff(new_conversation_id(), "webchat", "requested")
    mine = store.open_handoff(new_conversation_id(), "webchat", "requested")
    assert store.claim(mine.id, staff_id)
    callback_id = store.create_callback(new_conversation_id(), "webchat", "Sam", "sam@example.org")
    messages_before = len(store.messages(mine.id))
    audit_before = len(store.audit_entries())
    attempts = [
        f"/handoffs/{waiting.id}/claim",
        f"/handoffs/{mine.id}/reply",
        f"/handoffs/{mine.id}/close",
        f"/handoffs/{mine.id}/return",
        f"/callbacks/{callback_id}/done",
        "/sign-out",
    ]
    for path in attempts:
        for token in (None, "wrong-token", client.csrf[:-2] + "xx"):
            form = {"text": "hello"} if token is None else {"text": "hello", "csrf_token": token}
            response = client.post(path, form)
            assert response.status == 403, (path, token)
            assert "expired" in response.text
            # scripts send it as a header; a wrong one there is refused too
            response = client.post(
                path, {"text": "hi"}, headers={"X-CSRF-Token": "nope", "Accept": "application/json"}
            )
            assert response.status == 403 and "CSRF" in response.json()["error"]
    # nothing changed
    assert store.get_handoff(waiting.id).status == "waiting"
    assert store.get_handoff(mine.id).status == "claimed"
    assert len(store.messages(mine.id)) == messages_before
    assert store.get_callback(callback_id)["status"] == "open"
    assert len(store.audit_entries()) == audit_before
    assert client.get("/queue").status == 200  # still signed in
    # and with the token (header form, as the page's script sends it), it works
    response = client.post(f"/handoffs/{waiting.id}/claim", headers={"X-CSRF-Token": client.csrf})
    assert response.status == 303 and store.get_handoff(waiting.id).claimed_by == staff_id


def test_a_csrf_token_that_is_not_ascii_is_refused_not_an_error(inbox, signed_in, store):
    client, staff_id = signed_in()
    handoff = store.open_handoff(new_conversation_id(), "webchat", "requested")
    path = f"/handoffs/{handoff.id}/claim"
    for header in ("é", "é".encode(), client.csrf[:-1] + "é"):  # Latin-1 and UTF-8 bytes
        response = client.post(path, headers={"X-CSRF-Token": header, "Accept": "application/json"})
        assert response.status == 403, header
    for field in ("é", client.csrf[:-1] + "ü", "\u0100" * 43):
        assert client.post(path, {"csrf_token": field}).status == 403, field
    assert store.get_handoff(handoff.id).status == "waiting"
    # the sign-in form's token, and a session cookie, are refused the same way
    anonymous = Client(inbox.url)
    anonymous.get("/sign-in")
    form = {"csrf_token": "é", "email": "x@clinic.example", "password": "é"}
    assert anonymous.post("/sign-in", form).status == 403
    anonymous.cookies[SESSION_COOKIE] = "é" * 40
    assert anonymous.get("/queue").status == 303
    assert anonymous.get("/api/session").status == 401
    assert client.get("/queue").status == 200  # and the real session still works


def test_a_new_password_ends_the_sessions_signed_in_before_it(inbox, signed_in, store):
    client, staff_id = signed_in()
    email = next(a for a in _accounts(store) if a[0] == staff_id)[1]
    second = Client(inbox.url)
    assert second.sign_in(email).status == 303
    old_cookie = client.cookies[SESSION_COOKIE]
    set_password(store.engine, email, "a brand new long password")
    for browser in (client, second):
        response = browser.get("/queue")
        assert response.status == 303 and response.location.startswith("/sign-in")
    replay = Client(inbox.url)
    replay.cookies[SESSION_COOKIE] = old_cookie
    assert replay.get("/api/session").status == 401
    assert Client(inbox.url).sign_in(email).status == 401  # the old password is gone
    fresh = Client(inbox.url)
    assert fresh.sign_in(email, "a brand new long password").status == 303
    assert fresh.get("/api/session").json()["staff_id"] == staff_id


def test_another_sessions_token_does_not_work(signed_in, store):
    lee, _ = signed_in("Nurse Lee")
    kim, _ = signed_in("Nurse Kim")
    handoff = store.open_handoff(new_conversation_id(), "webchat", "requested")
    assert lee.post(f"/handoffs/{handoff.id}/claim", {"csrf_token": kim.csrf}).status == 403
    assert store.get_handoff(handoff.id).status == "waiting"


def test_the_sign_in_form_needs_its_own_token(inbox, make_staff, store, clear_attempts):
    staff_id, email = make_staff()
    client = Client(inbox.url)
    client.get("/sign-in")
    for form in (
        {"email": email, "password": PASSWORD},
        {"email": email, "password": PASSWORD, "csrf_token": "0" * 64},
    ):
        response = client.post("/sign-in", form)
        assert response.status == 403
        assert SESSION_COOKIE not in client.cookies
    # a token from one browser does not work with another browser's cookie
    other = Client(inbox.url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', other.get("/sign-in").text)[1]
    assert (
        client.post("/sign-in", {"email": email, "password": PASSWORD, "csrf_token": token}).status
        == 403
    )
    assert "sign_in" not in [action for action, _ in audit_actions(store, staff_id)]


# --- the sign-in rate limit ------------------------------------------------------------------
def _age_attempts(store, minutes):
    with store.engine.begin() as connection:
        connection.execute(
            update(sign_in_attempts).values(
                at=sign_in_attempts.c.at - dt.timedelta(minutes=minutes)
            )
        )


def test_five_failures_for_an_email_pause_sign_in_until_the_window_passes(
    inbox, make_staff, store, clear_attempts
):
    staff_id, email = make_staff()
    client = Client(inbox.url)
    for _ in range(5):
        assert client.sign_in(email, "wrong password here").status == 401
    blocked = client.sign_in(email)  # even the right password: the pause comes first
    assert blocked.status == 429
    retry_after = int(blocked.headers["Retry-After"])
    assert 14 * 60 < retry_after <= 15 * 60
    assert "try again in 15 minutes" in blocked.text
    assert SESSION_COOKIE not in client.cookies
    assert "sign_in_blocked" in [a for a, _ in audit_actions(store, staff_id)]
    # another account from the same address is not affected (the per-address limit is higher)
    _, other_email = make_staff("Nurse Kim")
    assert Client(inbox.url).sign_in(other_email).status == 303

    _age_attempts(store, 16)  # the window has passed
    response = client.sign_in(email)
    assert response.status == 303 and response.location == "/queue"
    assert client.get("/queue").status == 200


def test_a_success_clears_the_count_for_that_email(inbox, make_staff, clear_attempts):
    _, email = make_staff()
    client = Client(inbox.url)
    for _ in range(4):
        client.sign_in(email, "wrong password here")
    assert client.sign_in(email).status == 303
    for _ in range(4):
        assert Client(inbox.url).sign_in(email, "wrong password here").status == 401


def test_many_failures_from_one_address_pause_it_for_every_email(inbox, make_staff, clear_attempts):
    _, email = make_staff()
    client = Client(inbox.url)
    for number in range(20):  # guessing across many accounts
        assert client.sign_in(f"guess{number}@clinic.example", "password guess").status == 401
    response = Client(inbox.url).sign_in(email)
    assert response.status == 429 and int(response.headers["Retry-After"]) > 0


def test_whoami_tells_the_page_who_is_signed_in(signed_in):
    client, staff_id = signed_in("Nurse Lee")
    assert client.get("/api/session").json() == {"staff_id": staff_id, "name": "Nurse Lee"}


def test_audit_page_lists_who_did_what_and_when(signed_in, store):
    client, staff_id = signed_in("Nurse Audit", role="admin")
    handoff = store.open_handoff(new_conversation_id(), "webchat", "requested")
    client.act(f"/handoffs/{handoff.id}/claim")
    page = client.get("/audit").text
    row = re.search(r'<tr data-action="claim">(.*?)</tr>', page, re.S)[1]
    assert "Nurse Audit" in row and "Claimed" in row and handoff.id[:8] in row
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT', row)
    with store.engine.connect() as connection:
        assert connection.execute(
            select(audit_log.c.staff_id).where(audit_log.c.handoff_id == handoff.id)
        ).scalars().all() == [staff_id]
    assert store.get_handoff(handoff.id).claimed_by == staff_id
