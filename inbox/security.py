"""What every request goes through: the session check, CSRF tokens, sign-in rate limits, headers.

- Every route needs a signed-in staff member unless `routes.py` marks it `ctx_public=True`:
  pages redirect to the sign-in page, `/api/...` answers 401. A new route is private by default.
- Every state-changing request carries the session's CSRF token (synchronizer token pattern) as
  the `csrf_token` form field or the `X-CSRF-Token` header, else 403. The sign-in form, which has
  no session yet, carries an HMAC of a random cookie value instead (signed double submit).
- Sign-in failures are counted per e-mail and per client address in `sign_in_attempts`
  (`SignInLimiter`).
"""

import datetime as dt
import hashlib
import hmac
import math
import secrets
from typing import List, Optional
from urllib.parse import quote

from sanic import Request
from sanic.response import HTTPResponse, json, redirect
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from handoff.schema import sign_in_attempts
from handoff.store import _aware, utcnow
from inbox.sessions import COOKIE_NAME, StaffSession

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SIGN_IN_COOKIE = "inbox_sign_in"
TOUCH_EVERY = dt.timedelta(seconds=15)  # refresh last_seen at most this often per request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


def client_address(request: Request) -> str:
    return request.remote_addr or request.ip or "unknown"


def wants_json(request: Request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


# --- the sign-in form's token (no session yet) ----------------------------------------------
def sign_in_token(secret: bytes, nonce: str) -> str:
    return hmac.new(secret, f"sign-in:{nonce}".encode(), hashlib.sha256).hexdigest()


def new_sign_in_nonce() -> str:
    return secrets.token_urlsafe(24)


def sign_in_token_valid(request: Request, secret: bytes) -> bool:
    nonce = request.cookies.get(SIGN_IN_COOKIE) or ""
    sent = _sent_csrf(request)
    return bool(nonce and sent) and hmac.compare_digest(sent, sign_in_token(secret, nonce))


def _sent_csrf(request: Request) -> str:
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.form:
        sent = request.form.get(CSRF_FIELD)
    return sent or ""


def csrf_valid(request: Request, session: StaffSession) -> bool:
    sent = _sent_csrf(request)
    return bool(sent) and hmac.compare_digest(sent, session.csrf_token)


# --- sign-in rate limits ----------------------------------------------------------------------
class SignInLimiter:
    """At most `per_email` failed sign-ins per e-mail and `per_address` per client address
    within `window`; then 429 until the oldest counted failure leaves the window.

    A successful sign-in clears the count for its e-mail (not for the address, so one valid
    account cannot be used to keep guessing others' passwords)."""

    def __init__(
        self, engine: Engine, per_email: int, per_address: int, window: dt.timedelta
    ) -> None:
        self.engine = engine
        self.limits = {"email": per_email, "ip": per_address}
        self.window = window

    @staticmethod
    def email_key(email: str) -> str:
        # a hash: what people type into the e-mail field (sometimes a password) is not kept
        return "email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()

    @staticmethod
    def address_key(address: str) -> str:
        return f"ip:{address}"[:300]

    def retry_after(self, keys: List[str], now: Optional[dt.datetime] = None) -> Optional[int]:
        """Seconds until another attempt is allowed, or None if it is allowed now."""
        now = now or utcnow()
        waits = []
        with self.engine.connect() as connection:
            for key in keys:
                limit = self.limits[key.split(":", 1)[0]]
                since = now - self.window
                if key.startswith("email:"):
                    last_success = connection.execute(
                        select(func.max(sign_in_attempts.c.at))
                        .where(sign_in_attempts.c.key == key)
                        .where(sign_in_attempts.c.succeeded.is_(True))
                    ).scalar_one()
                    if last_success is not None:
                        since = max(since, _aware(last_success))  # type: ignore[type-var]
                failures = [
                    _aware(row[0])
                    for row in connection.execute(
                        select(sign_in_attempts.c.at)
                        .where(sign_in_attempts.c.key == key)
                        .where(sign_in_attempts.c.succeeded.is_(False))
                        .where(sign_in_attempts.c.at > since)
                        .order_by(sign_in_attempts.c.at)
                    )
                ]
                if len(failures) >= limit:
                    frees_at = failures[len(failures) - limit] + self.window
                    waits.append(max(1, math.ceil((frees_at - now).total_seconds())))
        return max(waits) if waits else None

    def record(self, keys: List[str], succeeded: bool) -> None:
        now = utcnow()
        with self.engine.begin() as connection:
            for key in keys:
                if succeeded and not key.startswith("email:"):
                    continue
                connection.execute(
                    insert(sign_in_attempts).values(key=key, succeeded=succeeded, at=now)
                )


# --- middleware -------------------------------------------------------------------------------
def _is_public(request: Request) -> bool:
    route = request.route
    return bool(route is not None and getattr(route.ctx, "public", False))


async def authenticate(request: Request) -> Optional[HTTPResponse]:
    """Request middleware: who is asking, and may they?"""
    app = request.app
    request.ctx.session = None
    token = request.cookies.get(COOKIE_NAME)
    if token:
        session = await app.ctx.run(app.ctx.sessions.load, token)
        if session is not None and utcnow() - session.last_seen > TOUCH_EVERY:
            await app.ctx.run(app.ctx.sessions.touch, session)
        request.ctx.session = session
    if _is_public(request):
        if request.method not in SAFE_METHODS and not sign_in_token_valid(
            request, app.ctx.settings.secret
        ):
            return app.ctx.render(request, "error.html", status=403, problem="expired_form")
        return None
    if request.ctx.session is None:
        if wants_json(request):
            return json({"error": "sign in first"}, status=401)
        if request.headers.get("sec-fetch-site") == "cross-site" and token is None:
            # SameSite=Strict cookies are not sent on a link from another site (an e-mail):
            # reload once from here, which sends them, instead of asking to sign in again.
            return app.ctx.render(request, "reload.html", status=200)
        target = request.path if request.method in SAFE_METHODS else "/"
        if request.method in SAFE_METHODS and request.query_string:
            target += "?" + request.query_string
        return redirect(f"/sign-in?next={quote(target, safe='')}", status=303)
    if request.method not in SAFE_METHODS and not csrf_valid(request, request.ctx.session):
        if wants_json(request):
            return json({"error": "missing or wrong CSRF token: reload the page"}, status=403)
        return app.ctx.render(request, "error.html", status=403, problem="expired_form")
    return None


async def security_headers(request: Request, response: HTTPResponse) -> None:
    """Response middleware: no framing, no inline scripts, no referrer, no caching of data."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"  # pages hold patient data
    if request.app.ctx.settings.secure_cookies:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")


def set_session_cookie(response: HTTPResponse, token: str, secure: bool, max_age: int) -> None:
    response.cookies[COOKIE_NAME] = token
    cookie = response.cookies[COOKIE_NAME]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["secure"] = secure
    cookie["path"] = "/"
    cookie["max-age"] = max_age


def clear_cookie(response: HTTPResponse, name: str, secure: bool) -> None:
    response.cookies[name] = ""
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["secure"] = secure
    cookie["path"] = "/"
    cookie["max-age"] = 0
