"""The audit log: who did what, and when (sign-ins, claims, replies, ends, callbacks)."""

from sanic import Request
from sanic.response import HTTPResponse

from inbox.accounts import staff_names

SHOWN = 500


async def page(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    entries = await ctx.run(ctx.store.audit_entries, SHOWN)
    names = await ctx.run(staff_names, ctx.store.engine)
    return ctx.render(request, "audit.html", entries=entries, names=names, shown=SHOWN)
