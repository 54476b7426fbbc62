"""The first-response timer of one handoff, for its conversation page and for the page's script
to redraw (GET /api/handoffs/<id>/first-response) as time passes or staff reply."""

from typing import Any, Dict

from sanic import Request
from sanic.response import HTTPResponse, json

from handoff.models import Handoff
from inbox.first_response import timers
from inbox.views.common import not_found
from inbox.views.queue import target_minutes


async def timer_context(request: Request, handoff: Handoff) -> Dict[str, Any]:
    ctx = request.app.ctx
    settings = ctx.settings
    found = await ctx.run(
        timers, ctx.store.engine, [handoff], settings.on_duty, settings.first_response_targets
    )
    return {"timer": found.get(handoff.id), "targets": target_minutes(settings)}


async def fragment(request: Request, handoff_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    handoff = await ctx.run(ctx.store.get_handoff, handoff_id)
    if handoff is None:
        return not_found(request)
    context = await timer_context(request, handoff)
    template = ctx.templates.get_template("_first_response.html")
    timer = context["timer"]
    return json(
        {
            "html": str(template.module.first_response(timer, context["targets"])),
            "state": timer.state if timer else None,
        }
    )
