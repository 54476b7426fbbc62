"""Saved replies, for admins: list, add, edit and delete them (inbox/canned_replies.py).

Every change is audited. A form that cannot be saved comes back with what was typed and why,
so nothing written is lost.
"""

from typing import Any, Dict, Optional

from sanic import Request
from sanic.response import HTTPResponse

from inbox.accounts import staff_names
from inbox.canned_replies import (
    MAX_BODY,
    MAX_TITLE,
    add_reply,
    delete_reply,
    get_reply,
    list_replies,
    problem_with,
    update_reply,
)
from inbox.views.common import not_found, notice_of, outcome, staff_id

PAGE = "/canned-replies"


def _form(request: Request) -> Dict[str, str]:
    data = request.form or {}
    return {
        "title": str(data.get("title") or "").strip(),
        "body": str(data.get("body") or "").strip(),
    }


async def _page(
    request: Request, status: int = 200, draft: Optional[Dict[str, Any]] = None
) -> HTTPResponse:
    ctx = request.app.ctx
    return ctx.render(
        request,
        "canned_replies.html",
        status=status,
        replies=await ctx.run(list_replies, ctx.store.engine),
        draft=draft,
        names=await ctx.run(staff_names, ctx.store.engine),
        notice=notice_of(request),
        max_title=MAX_TITLE,
        max_body=MAX_BODY,
    )


async def page(request: Request) -> HTTPResponse:
    return await _page(request)


async def add(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    form = _form(request)
    problem = problem_with(**form)
    if problem:
        return await _page(request, 400, {"id": None, "problem": problem, **form})
    me = staff_id(request)
    reply_id = await ctx.run(add_reply, ctx.store.engine, form["title"], form["body"], me)
    await ctx.run(ctx.store.audit, me, "canned_reply_added", detail=f"saved reply {reply_id}")
    return outcome(request, PAGE, "canned_reply_added")


async def save(request: Request, reply_id: int) -> HTTPResponse:
    ctx = request.app.ctx
    form = _form(request)
    problem = problem_with(**form)
    if problem:
        if await ctx.run(get_reply, ctx.store.engine, reply_id) is None:
            return not_found(request)
        return await _page(request, 400, {"id": reply_id, "problem": problem, **form})
    me = staff_id(request)
    if not await ctx.run(update_reply, ctx.store.engine, reply_id, form["title"], form["body"], me):
        return not_found(request)
    await ctx.run(ctx.store.audit, me, "canned_reply_edited", detail=f"saved reply {reply_id}")
    return outcome(request, PAGE, "canned_reply_saved")


async def remove(request: Request, reply_id: int) -> HTTPResponse:
    ctx = request.app.ctx
    if not await ctx.run(delete_reply, ctx.store.engine, reply_id):
        return not_found(request)
    me = staff_id(request)
    await ctx.run(ctx.store.audit, me, "canned_reply_deleted", detail=f"saved reply {reply_id}")
    return outcome(request, PAGE, "canned_reply_deleted")
