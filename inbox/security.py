"""What every request goes through: the session check, CSRF tokens, sign-in rate limits, headers.

- Every route needs a signed-in staff member unless `routes.py` marks it `ctx_public=True`:
  pages redirect to the sign-in page, `/api/...` answers 401. A new route is private by default.
  Routes marked `ctx_admin=True` (accounts, the audit log) answer 403 to staff who are not admins;
  `ctx_curator=True` (the curators' reports) to staff who are neither curators nor admins.
- Every state-changing request carries the session's CSRF token (synchronizer token pattern) as
  the `csrf_token` form field or the `X-CSRF-Token` header, else 403. The sign-in form, which has
  no session yet, carries an HMAC of a random cookie value instead (signed double submit).
- Sign-in attempts are counted per e-mail and client address, and per client address, in
  `sign_in_attempts` (`SignInLimiter`).
- Over HTTPS the cookies carry the `__Host-` prefix (`cookie_name`).
"""

import datetime as dt
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from typing import Dict, List, Optional
from urllib.parse import quote

from sanic import Request
from sanic.response import HTTPResponse, json, redirect
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine

from handoff.models import aware, utcnow
from inbox.schema import sign_in_attempts
from inbox.sessions import COOKIE_NAME, StaffSession

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SIGN_IN_COOKIE = "inbox_sign_in"
# A browser accepts a `__Host-` cookie only if it is Secure, has Path=/ and no Domain: so neither
# a sibling subdomain nor a plain-http page can set or overwrite the inbox's cookies.
HOST_PREFIX = "__Host-"
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


def cookie_name(name: str, secure: bool) -> str:
    return HOST_PREFIX + name if secure else name


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
    nonce = request.cookies.get(
        cookie_name(SIGN_IN_COOKIE, request.app.ctx.settings.secure_cookies)
    )
    sent = _sent_csrf(request)
    if not (nonce and sent and nonce.isascii()):
        return False
    return hmac.compare_digest(sent, sign_in_token(secret, nonce))


def _sent_csrf(request: Request) -> str:
    """The token sent, or "" if none or not ASCII (which no token of ours is, and which
    `hmac.compare_digest` refuses with a TypeError: a 500 instead of a 403)."""
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.form:
        sent = request.form.get(CSRF_FIELD)
    return sent if sent and sent.isascii() else ""


def csrf_valid(request: Request, session: StaffSession) -> bool:
    sent = _sent_csrf(request)
    return bool(sent) and hmac.compare_digest(sent, session.csrf_token)


# --- sign-in rate limits ----------------------------------------------------------------------
@dataclass(frozen=True)
class Attempt:
    """An attempt as `SignInLimiter.begin` recorded it: its rows, and whether it may go on."""

    rows: Dict[str, int]  # key -> sign_in_attempts.id
    retry_after: Optional[int]  # seconds until another attempt is allowed, if it may not


class SignInLimiter:
    """At most `per_account` failed sign-ins for one e-mail from one client address, and
    `per_address` from one address for any e-mails, within `window`; then 429 until the oldest
    counted failure leaves the window.

    Per e-mail *and* address, not per e-mail: someone guessing from elsewhere must not lock the
    owner out of their account. Each attempt is written (as a failure) before anything is counted,
    and each count includes the attempts still being checked, so of many attempts arriving at
    once at most the limit reach the password check: the last of them to be written sees all the
    others. A blocked attempt is removed again (it does not extend the pause); a successful one
    clears the count for its e-mail and address, and does not count for the address (so one valid
    account cannot be used to keep guessing others' passwords, and colleagues behind one address
    can all sign in)."""

    def __init__(
        self, engine: Engine, per_account: int, per_address: int, window: dt.timedelta
    ) -> None:
        self.engine = engine
        self.limits = {"account": per_account, "ip": per_address}
        self.window = window

    @staticmethod
    def keys(email: str, address: str) -> List[str]:
        # a hash: what people type into the e-mail field (sometimes a password) is not kept
        account = hashlib.sha256(f"{email.strip().lower()}\n{address}".encode()).hexdigest()
        return ["account:" + account, f"ip:{address}"[:300]]

    def begin(self, email: str, address: str, now: Optional[dt.datetime] = None) -> Attempt:
        """Records an attempt, then counts: `retry_after` is set if it must not go on."""
        now = now or utcnow()
        with self.engine.begin() as connection:  # committed before counting (see the class)
            rows = {
                key: int(
                    connection.execute(
                        insert(sign_in_attempts).values(key=key, succeeded=False, at=now)
                    ).inserted_primary_key[0]
                )
                for key in self.keys(email, address)
            }
        attempt = Attempt(rows, self._retry_after(rows, now))
        if attempt.retry_after:
            self.cancel(attempt)
        return attempt

    def finish(self, attempt: Attempt, succeeded: bool) -> None:
        """A failure stays counted as written; a success clears its e-mail-and-address count."""
        if not succeeded:
            return
        with self.engine.begin() as connection:
            for key, row in attempt.rows.items():
                if key.startswith("account:"):
                    connection.execute(
                        update(sign_in_attempts)
                        .where(sign_in_attempts.c.id == row)
                        .values(succeeded=True)
                    )
                else:
                    connection.execute(delete(sign_in_attempts).where(sign_in_attempts.c.id == row))

    def cancel(self, attempt: Attempt) -> None:
        """Forgets an attempt that never reached the password check."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(sign_in_attempts).where(
                    sign_in_attempts.c.id.in_(list(attempt.rows.values()))
                )
            )

    def delete_older_than(self, cutoff: dt.datetime) -> int:
        """Retention: attempts before cutoff, long past any window; how many went."""
        with self.engine.begin() as connection:
            return int(
                connection.execute(
                    delete(sign_in_attempts).where(sign_in_attempts.c.at < cutoff)
                ).rowcount
            )

    def _retry_after(self, rows: Dict[str, int], now: dt.datetime) -> Optional[int]:
        waits = []
        with self.engine.connect() as connection:
            for key, own in rows.items():
                limit = self.limits[key.split(":", 1)[0]]
                since = now - self.window
                last_success = connection.execute(
                    select(func.max(sign_in_attempts.c.at))
                    .where(sign_in_attempts.c.key == key)
                    .where(sign_in_attempts.c.succeeded.is_(True))
                ).scalar_one()
                if last_success is not None:
                    since = max(since, aware(last_success))  # type: ignore[type-var]
                others = [
                    aware(row[0])
                    for row in connection.execute(
                        select(sign_in_attempts.c.at)
                        .where(sign_in_attempts.c.key == key)
                        .where(sign_in_attempts.c.succeeded.is_(False))
                        .where(sign_in_attempts.c.at > since)
                        .where(sign_in_attempts.c.id != own)
                        .order_by(sign_in_attempts.c.at)
                    )
                ]
                if len(others) >= limit:
                    frees_at = others[len(others) - limit] + self.window
                    waits.append(max(1, math.ceil((frees_at - now).total_seconds())))
        return max(waits) if waits else None


# --- middleware -------------------------------------------------------------------------------
def _is_public(request: Request) -> bool:
    route = request.route
    return bool(route is not None and getattr(route.ctx, "public", False))


def _for_admins(request: Request) -> bool:
    route = request.route
    return bool(route is not None and getattr(route.ctx, "admin", False))


def _for_curators(request: Request) -> bool:
    route = request.route
    return bool(route is not None and getattr(route.ctx, "curator", False))


async def authenticate(request: Request) -> Optional[HTTPResponse]:
    """Request middleware: who is asking, and may they?"""
    app = request.app
    request.ctx.session = None
    token = request.cookies.get(cookie_name(COOKIE_NAME, app.ctx.settings.secure_cookies))
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
    if _for_admins(request) and not request.ctx.session.is_admin:
        if wants_json(request):
            return json({"error": "for administrators only"}, status=403)
        return app.ctx.render(request, "error.html", status=403, problem="admins_only")
    if _for_curators(request) and not request.ctx.session.is_curator:
        if wants_json(request):
            return json({"error": "for curators only"}, status=403)
        return app.ctx.render(request, "error.html", status=403, problem="curators_only")
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


def set_cookie(response: HTTPResponse, name: str, value: str, secure: bool, max_age: int) -> None:
    """HttpOnly, SameSite=Strict, Path=/ (which `__Host-` needs), no Domain; `__Host-` and
    Secure over HTTPS."""
    name = cookie_name(name, secure)
    response.cookies[name] = value
    cookie = response.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["secure"] = secure
    cookie["path"] = "/"
    cookie["max-age"] = max_age


def set_session_cookie(response: HTTPResponse, token: str, secure: bool, max_age: int) -> None:
    set_cookie(response, COOKIE_NAME, token, secure, max_age)


def clear_cookie(response: HTTPResponse, name: str, secure: bool) -> None:
    set_cookie(response, name, "", secure, max_age=0)
