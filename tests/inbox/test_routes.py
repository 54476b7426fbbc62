"""Every route needs a signed-in staff member, admin routes an admin; every page is safe to show
(headers, no inline scripts); the session cookie is what it should be."""

import hashlib
import re
import secrets
from html.parser import HTMLParser

import pytest
from sanic import Sanic

from inbox.accounts import find_account, list_accounts
from inbox.app import create_app
from inbox.settings import InboxSettings
from tests.inbox.conftest import SESSION_COOKIE, Client, new_conversation_id

pytestmark = pytest.mark.server

# The only routes anyone may use without signing in. A route added as public by mistake, or a
# private route that forgets the check, fails below.
PUBLIC = {
    ("GET", "/health"),
    ("GET", "/static/<filename:str>"),
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
}
# Routes only admins may use (staff get 403): accounts, the audit log and saved replies.
ADMIN = {
    ("GET", "/audit"),
    ("GET", "/accounts"),
    ("POST", "/accounts/<staff_id:int>/disable"),
    ("POST", "/accounts/<staff_id:int>/enable"),
    ("GET", "/canned-replies"),
    ("POST", "/canned-replies"),
    ("POST", "/canned-replies/<reply_id:int>"),
    ("POST", "/canned-replies/<reply_id:int>/delete"),
}
# Routes only curators and admins may use (staff get 403): the curators' reports.
CURATOR = {
    ("GET", "/curation"),
    ("GET", "/curation/items"),
    ("GET", "/curation/topics"),
    ("GET", "/curation/unanswered.csv"),
    ("GET", "/curation/items.csv"),
    ("GET", "/curation/topics.csv"),
    ("GET", "/curation/evaluate"),
    ("POST", "/curation/evaluate"),
}


def route_table(db_url):
    """Every (method, route, public, admin) of the app the server runs, built here to read it."""
    previous, Sanic.test_mode = Sanic.test_mode, True  # (allows building it more than once)
    try:
        app = create_app(InboxSettings(env="development", db_url=db_url))
    finally:
        Sanic.test_mode = previous
    app.ctx.store.engine.dispose()
    return [
        (
            method,
            route.uri,
            bool(getattr(route.ctx, "public", False)),
            bool(getattr(route.ctx, "admin", False)),
        )
        for route in app.router.routes
        for method in sorted(route.methods - {"HEAD", "OPTIONS"})
    ]


def curator_routes(db_url):
    """Every (method, route) the app marks for curators."""
    previous, Sanic.test_mode = Sanic.test_mode, True
    try:
        app = create_app(InboxSettings(env="development", db_url=db_url))
    finally:
        Sanic.test_mode = previous
    app.ctx.store.engine.dispose()
    return {
        (method, route.uri)
        for route in app.router.routes
        if getattr(route.ctx, "curator", False)
        for method in route.methods - {"HEAD", "OPTIONS"}
    }


def fill(uri: str, handoff_id: str, callback_id: str, staff_id: int = 0) -> str:
    uri = uri.replace("<handoff_id:str>", handoff_id).replace("<callback_id:str>", callback_id)
    uri = uri.replace("<staff_id:int>", str(staff_id)).replace("<reply_id:int>", "1")
    assert "<" not in uri, f"a new kind of route parameter: teach this test about {uri}"
    return uri


def test_every_route_needs_a_signed_in_staff_member(inbox, store, db_url):
    handoff = store.open_handoff(new_conversation_id(), "webchat", "requested")
    callback_id = store.create_callback(new_conversation_id(), "webchat", "Sam", "sam@example.org")
    routes = route_table(db_url)
    assert len(routes) >= 15
    assert {(m, u) for m, u, public, _ in routes if public} == PUBLIC

    anonymous = Client(inbox.url)
    checked = 0
    for method, uri, public, _ in routes:
        if public:
            continue
        path = fill(uri, handoff.id, callback_id)
        response = anonymous.request(method, path)
        if path.startswith("/api/"):
            assert response.status == 401, (method, path, response.status)
            assert "handoff" not in response.text.lower()
        else:
            assert response.status == 303, (method, path, response.status)
            assert response.location.startswith("/sign-in?next="), (method, path)
        checked += 1
    assert checked == len(routes) - len(PUBLIC)
    # nothing changed: the claim, close, return and callback posts were all refused
    assert store.get_handoff(handoff.id).status == "waiting"
    assert store.get_callback(callback_id)["status"] == "open"


def test_admin_routes_are_refused_to_staff_who_are_not_admins(signed_in, make_staff, store, db_url):
    routes = route_table(db_url)
    assert {(m, u) for m, u, _, admin in routes if admin} == ADMIN
    nurse, nurse_id = signed_in("Nurse Lee")
    _, other_email = make_staff("Nurse Kim")
    other = next(a for a in list_accounts(store.engine) if a.email == other_email)
    audit_before = len(store.audit_entries())
    for method, uri, _, admin in routes:
        if not admin:
            continue
        path = fill(uri, "", "", other.id)
        form = {"csrf_token": nurse.csrf} if method == "POST" else None
        page = nurse.request(method, path, form=form)
        assert page.status == 403, (method, path)
        assert "Only an administrator" in page.text and other_email not in page.text
        api = nurse.request(
            method, path, headers={"X-CSRF-Token": nurse.csrf, "Accept": "application/json"}
        )
        assert (api.status, api.json()) == (403, {"error": "for administrators only"})
    assert not find_account(store.engine, other_email).disabled  # the posts changed nothing
    assert len(store.audit_entries()) == audit_before
    assert 'href="/audit"' not in nurse.get("/queue").text  # nor are they offered


def test_curator_routes_are_refused_to_plain_staff(signed_in, store, db_url):
    assert curator_routes(db_url) == CURATOR
    nurse, _ = signed_in("Nurse Lee")
    audit_before = len(store.audit_entries())
    for method, uri in sorted(CURATOR):
        form = {"csrf_token": nurse.csrf, "question": "what is hsct"} if method == "POST" else None
        page = nurse.request(method, uri, form=form)
        assert page.status == 403, (method, uri)
        assert "Only a curator or an administrator" in page.text
        api = nurse.request(
            method, uri, headers={"X-CSRF-Token": nurse.csrf, "Accept": "application/json"}
        )
        assert (api.status, api.json()) == (403, {"error": "for curators only"})
    assert len(store.audit_entries()) == audit_before  # no report was downloaded
    assert 'href="/curation"' not in nurse.get("/queue").text  # nor are they offered


def test_an_admin_sees_accounts_and_disables_one(signed_in, make_staff, store):
    admin, admin_id = signed_in("Ana Admin", role="admin")
    nurse, nurse_id = signed_in("Nurse Lee")
    page = admin.get("/accounts")
    assert page.status == 200 and "Nurse Lee" in page.text and "Administrator" in page.text
    assert 'href="/audit"' in page.text and admin.get("/audit").status == 200

    response = admin.act(f"/accounts/{nurse_id}/disable")
    assert response.location == "/accounts?notice=account_disabled"
    assert nurse.get("/queue").status == 303  # signed out everywhere
    assert admin.act(f"/accounts/{admin_id}/disable").location.endswith("notice=not_yourself")
    assert admin.get("/queue").status == 200
    admin.act(f"/accounts/{nurse_id}/enable")
    entries = [(e["staff_id"], e["action"], e["detail"]) for e in store.audit_entries()[:2]]
    assert entries == [
        (admin_id, "account_enabled", f"account {nurse_id}"),
        (admin_id, "account_disabled", f"account {nurse_id}"),
    ]
    assert admin.act("/accounts/999999/disable").status == 404


def test_the_sign_in_page_brings_you_back_where_you_were(inbox):
    anonymous = Client(inbox.url)
    response = anonymous.get("/queue?tab=callbacks")
    assert response.location == "/sign-in?next=%2Fqueue%3Ftab%3Dcallbacks"
    page = anonymous.get(response.location)
    assert page.status == 200
    assert 'name="next" value="/queue?tab=callbacks"' in page.text


def test_a_link_from_another_site_reloads_once_to_send_the_strict_cookie(inbox):
    response = Client(inbox.url).get("/queue", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status == 200
    assert '<meta http-equiv="refresh" content="0">' in response.text


def test_public_routes_give_nothing_away(inbox):
    anonymous = Client(inbox.url)
    assert anonymous.get("/health").json() == {"status": "ok"}
    script = anonymous.get("/static/inbox.js")
    assert script.status == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert anonymous.get("/static/nothing.js").status == 404
    for probe in ("/static/../settings.py", "/static/%2e%2e/settings.py", "/inbox/settings.py"):
        response = anonymous.get(probe)
        assert response.status in (303, 404), probe  # unknown addresses: sign in first
        assert b"BaseSettings" not in response.body


class _PageCheck(HTMLParser):
    """Collects what a strict Content-Security-Policy would block."""

    def __init__(self) -> None:
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler attribute {name}")
            if name == "style":
                self.problems.append("style attribute")
            if name in ("href", "src", "action") and value and "//" in value.split("?")[0]:
                if not value.startswith(("https://doi.org", "http://localhost")):
                    self.problems.append(f"external asset {value}")


def test_pages_are_served_with_security_headers_and_no_inline_code(inbox, signed_in, store):
    client, _ = signed_in(role="admin")
    handoff = store.open_handoff(new_conversation_id(), "webchat", "emergency", urgent=True)
    store.add_person_message(handoff.id, "hello")
    callback_id = store.create_callback(new_conversation_id(), "webchat", "Sam", "0770 090 0123")
    pages = [
        "/queue",
        "/queue?tab=mine",
        "/queue?tab=closed",
        "/queue?tab=callbacks",
        f"/handoffs/{handoff.id}",
        f"/callbacks/{callback_id}",
        "/audit",
        "/accounts",
        "/canned-replies",
        "/curation",
        "/curation/items",
        "/curation/topics",
    ]
    for path in pages + ["/sign-in"]:
        response = (Client(inbox.url) if path == "/sign-in" else client).get(path)
        assert response.status == 200, path
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "no-store"  # patient data is never cached
        check = _PageCheck()
        check.feed(response.text)
        assert check.problems == [], (path, check.problems)
        assert re.search(r'<script src="/static/inbox\.js\?v=[0-9a-f]+" defer>', response.text)


def cookie_flags(header: str):
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_the_cookies_are_host_only_http_only_strict_and_secure(inbox, make_staff, clear_attempts):
    _, email = make_staff()
    client = Client(inbox.url)
    form_cookies = client.get("/sign-in").set_cookies()
    response = client.sign_in(email)
    assert response.status == 303 and response.location == "/queue"
    [session_cookie] = [c for c in response.set_cookies() if c.startswith(SESSION_COOKIE + "=")]
    [form_cookie] = [c for c in form_cookies if c.startswith("__Host-inbox_sign_in=")]
    for cookie in (session_cookie, form_cookie):
        # `__Host-`: the browser keeps it only if Secure, Path=/ and without a Domain
        assert cookie.startswith("__Host-")
        flags = cookie_flags(cookie)
        assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
        assert not any(flag.startswith("domain") for flag in flags)
        assert any(flag.startswith("max-age=") for flag in flags)
    token = session_cookie.split(";")[0].split("=", 1)[1]
    assert len(token) >= 40  # 32 random bytes
    # the cookie without the prefix is not read: a plain-http page could have set that one
    assert client.get("/queue").status == 200
    plain = Client(inbox.url)
    plain.cookies["inbox_session"] = token
    assert plain.get("/queue").status == 303
    # signing out clears the prefixed cookie
    [cleared] = [c for c in client.act("/sign-out").set_cookies() if c.startswith(SESSION_COOKIE)]
    assert "max-age=0" in cookie_flags(cleared) and "path=/" in cookie_flags(cleared)


def test_the_database_stores_only_a_hash_of_the_session_cookie(
    inbox, make_staff, store, clear_attempts
):
    _, email = make_staff()
    client = Client(inbox.url)
    client.sign_in(email)
    token = client.cookies[SESSION_COOKIE]
    with store.engine.connect() as connection:
        stored = [
            row[0] for row in connection.exec_driver_sql("SELECT token_hash FROM staff_sessions")
        ]
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_unknown_pages_and_ids_are_not_found(signed_in):
    client, _ = signed_in()
    assert client.get(f"/handoffs/{secrets.token_hex(16)}").status == 404
    assert client.get(f"/callbacks/{secrets.token_hex(16)}").status == 404
    assert client.get("/nothing-here").status == 404
