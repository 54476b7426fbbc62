"""Callback requests left while nobody was on duty: read them, call back, mark them done."""

from sanic import Request
from sanic.response import HTTPResponse

from inbox.views.common import not_found, notice_of, outcome, staff_id
from inbox.views.conversation import earlier_conversation


async def _find(request: Request, callback_id: str):
    return await request.app.ctx.run(request.app.ctx.store.get_callback, callback_id)


async def page(request: Request, callback_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    callback = await _find(request, callback_id)
    if callback is None:
        return not_found(request)
    earlier = await earlier_conversation(request, callback["conversation_id"])
    await ctx.run(ctx.store.audit, staff_id(request), "view_callback", callback_id=callback_id)
    return ctx.render(
        request, "callback.html", callback=callback, earlier=earlier, notice=notice_of(request)
    )


async def done(request: Request, callback_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    if await _find(request, callback_id) is None:
        return not_found(request)
    if await ctx.run(ctx.store.mark_callback_done, callback_id, staff_id(request)):
        return outcome(request, "/queue?tab=callbacks", "callback_done")
    return outcome(request, "/queue?tab=callbacks", "callback_done_already", status=409)
