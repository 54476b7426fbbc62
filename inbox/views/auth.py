"""Signing in and out."""

import math
from typing import Optional

from sanic import Request
from sanic.response import HTTPResponse, json

from inbox.accounts import find_account
from inbox.security import (
    SIGN_IN_COOKIE,
    clear_cookie,
    client_address,
    new_sign_in_nonce,
    set_cookie,
    set_session_cookie,
    sign_in_token,
)
from inbox.sessions import COOKIE_NAME
from inbox.views.common import go, notice_of

SIGN_IN_FORM_SECONDS = 3600
BUSY_RETRY_SECONDS = 5  # Retry-After when every password-checking slot is taken


def safe_next(target: Optional[str]) -> str:
    """Only a path on this site: never `//elsewhere` or an absolute URL."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/queue"


def _form(
    request: Request, status: int = 200, error: Optional[str] = None, **context: object
) -> HTTPResponse:
    settings = request.app.ctx.settings
    nonce = new_sign_in_nonce()
    response = request.app.ctx.render(
        request,
        "sign_in.html",
        status=status,
        form_token=sign_in_token(settings.secret, nonce),
        next=safe_next(request.args.get("next") or (request.form or {}).get("next")),
        email=(request.form or {}).get("email", "") if request.method == "POST" else "",
        error=error,
        notice=notice_of(request),
        **context,
    )
    set_cookie(response, SIGN_IN_COOKIE, nonce, settings.secure_cookies, SIGN_IN_FORM_SECONDS)
    return response


async def sign_in_form(request: Request) -> HTTPResponse:
    if request.ctx.session is not None:
        return go("/queue")
    return _form(request)


async def sign_in(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    engine = ctx.store.engine
    email = (request.form.get("email") or "").strip()
    password = request.form.get("password") or ""
    address = client_address(request)

    outcome = await ctx.sign_in.attempt(email, password, address)
    wait = outcome.retry_after
    if wait:
        known = await ctx.run(find_account, engine, email) if email else None
        await ctx.run(
            ctx.store.audit,
            known.id if known else None,
            "sign_in_blocked",
            detail=f"address {address}",
        )
        response = _form(request, status=429, error="too_many", minutes=math.ceil(wait / 60))
        response.headers["Retry-After"] = str(wait)
        return response
    if outcome.busy:
        response = _form(request, status=503, error="busy")
        response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response

    account, token = outcome.account, ""
    if account is not None:
        # None if the password changed while it was being checked: the old one no longer counts
        token, session = await ctx.run(ctx.sessions.create, account.id, outcome.checked_at)
        if session is None:
            account = None
    if account is None:
        known = await ctx.run(find_account, engine, email) if email else None
        why = (
            "unknown e-mail"
            if known is None
            else ("account disabled" if known.disabled else "wrong password")
        )
        await ctx.run(
            ctx.store.audit,
            known.id if known else None,
            "sign_in_failed",
            detail=f"{why}, address {address}",
        )
        return _form(request, status=401, error="wrong")

    await ctx.run(ctx.store.audit, account.id, "sign_in", detail=f"address {address}")
    response = go(safe_next(request.form.get("next")))
    settings = ctx.settings
    set_session_cookie(
        response, token, settings.secure_cookies, max_age=settings.session_hours * 3600
    )
    clear_cookie(response, SIGN_IN_COOKIE, settings.secure_cookies)
    return response


async def sign_out(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    session = request.ctx.session
    await ctx.run(ctx.sessions.delete, session)
    await ctx.run(ctx.store.audit, session.staff_id, "sign_out")
    response = go("/sign-in", "signed_out")
    clear_cookie(response, COOKIE_NAME, ctx.settings.secure_cookies)
    return response


async def whoami(request: Request) -> HTTPResponse:
    """For the page's script: is this session still signed in?"""
    session = request.ctx.session
    return json({"staff_id": session.staff_id, "name": session.staff_name})
