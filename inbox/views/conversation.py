"""One handoff: the transcript, the reply box, and Claim / Close / Return to the assistant;
the person sees when staff type and claim (channels/webchat.py); the transcript of an ended
handoff as a file, for the clinical record."""

import asyncio
import logging
from typing import Any, Dict, List, Optional
from zoneinfo import ZoneInfo

from sanic import Request
from sanic.response import HTTPResponse, json, text

from handoff.models import Handoff, utcnow
from inbox.accounts import staff_names
from inbox.canned_replies import list_replies
from inbox.live import message_payload
from inbox.notify import deliver_replies, tell_assistant_handoff_ended
from inbox.security import wants_json
from inbox.transcript import Entry, transcript
from inbox.transcript_export import file_name, transcript_text
from inbox.views.common import go, not_found, notice_of, outcome, staff_id
from inbox.views.first_response import timer_context
from inbox.wait_updates import WEBCHAT, announce_claim

logger = logging.getLogger("inbox.conversation")
MAX_REPLY = 4000


def permissions(handoff: Handoff, me: int) -> Dict[str, bool]:
    """What the signed-in staff member may do now (the page's script applies the same rules)."""
    mine = handoff.status == "claimed" and handoff.claimed_by == me
    return {
        "mine": mine,
        "can_claim": handoff.status == "waiting",
        "can_reply": mine,
        "can_end": handoff.status == "waiting" or mine,
        "ended": not handoff.active,
        "someone_else": handoff.status == "claimed" and not mine,
    }


async def earlier_conversation(
    request: Request, conversation_id: str, before: Any = None
) -> Optional[List[Entry]]:
    """The conversation from the assistant's tracker; None if the assistant is unreachable."""
    ctx = request.app.ctx
    try:
        tracker = await asyncio.wait_for(
            ctx.rasa.tracker(conversation_id), ctx.settings.rasa_timeout_seconds
        )
    except Exception as problem:  # unreachable, timed out, refused: show the page anyway
        logger.warning("could not load the earlier conversation: %s", type(problem).__name__)
        return None
    return transcript(tracker, before=before)


async def page(request: Request, handoff_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    handoff = await ctx.run(ctx.store.get_handoff, handoff_id)
    if handoff is None:
        return not_found(request)
    me = staff_id(request)
    zone = ZoneInfo(ctx.settings.timezone)
    messages = [message_payload(m, zone) for m in await ctx.run(ctx.store.messages, handoff_id)]
    earlier = await earlier_conversation(
        request, handoff.conversation_id, before=handoff.created_at
    )
    await ctx.run(ctx.store.audit, me, "view", handoff_id=handoff_id)
    return ctx.render(
        request,
        "conversation.html",
        handoff=handoff,
        names=await ctx.run(staff_names, ctx.store.engine),
        messages=messages,
        after_id=messages[-1]["id"] if messages else 0,
        pending=",".join(str(m["id"]) for m in messages if not m["delivered"]),
        earlier=earlier,
        notice=notice_of(request),
        reply_problem=request.args.get("problem")
        if request.args.get("problem")
        in (
            "empty",
            "too_long",
        )
        else None,
        max_reply=MAX_REPLY,
        canned_replies=await ctx.run(list_replies, ctx.store.engine),
        **await timer_context(request, handoff),
        **permissions(handoff, me),
    )


async def claim(request: Request, handoff_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    path = f"/handoffs/{handoff_id}"
    handoff = await ctx.run(ctx.store.get_handoff, handoff_id)
    if handoff is None:
        return not_found(request)
    me = staff_id(request)
    if await ctx.run(ctx.store.claim, handoff_id, me):
        name = (await ctx.run(staff_names, ctx.store.engine)).get(me)
        await announce_claim(ctx.rasa, handoff, name, ctx.settings.rasa_timeout_seconds)
        return outcome(request, path, "claimed")
    return outcome(request, path, "claim_lost", status=409)


async def typing(request: Request, handoff_id: str) -> HTTPResponse:
    """The claimant is typing a reply: the person's web chat says so (the page's script sends
    this at most every few seconds). Best effort: a failure only means no indicator."""
    ctx = request.app.ctx
    handoff = await ctx.run(ctx.store.get_handoff, handoff_id)
    if handoff is None:
        return not_found(request)
    me = staff_id(request)
    if not permissions(handoff, me)["can_reply"]:
        return json({"error": "not yours" if handoff.active else "ended"}, status=409)
    if handoff.channel != WEBCHAT:  # no live connection to show it on
        return json({"sent": False})
    name = (await ctx.run(staff_names, ctx.store.engine)).get(me)
    try:
        await asyncio.wait_for(
            ctx.rasa.staff_typing(handoff.conversation_id, name), ctx.settings.rasa_timeout_seconds
        )
    except Exception as problem:
        logger.warning("could not show that staff are typing: %s", type(problem).__name__)
        return json({"sent": False})
    return json({"sent": True})


async def transcript_file(request: Request, handoff_id: str) -> HTTPResponse:
    """The transcript of an ended handoff, as a plain-text file for the clinical record."""
    ctx = request.app.ctx
    handoff = await ctx.run(ctx.store.get_handoff, handoff_id)
    if handoff is None:
        return not_found(request)
    if handoff.active:  # the record is of a conversation that has ended
        return outcome(request, f"/handoffs/{handoff_id}", "not_ended", status=409)
    me = staff_id(request)
    names = await ctx.run(staff_names, ctx.store.engine)
    messages = await ctx.run(ctx.store.messages, handoff_id)
    earlier = await earlier_conversation(
        request, handoff.conversation_id, before=handoff.created_at
    )
    body = transcript_text(
        handoff,
        earlier,
        messages,
        names,
        ctx.settings.timezone,
        exported_by=names.get(me, "?"),
        exported_at=utcnow(),
    )
    await ctx.run(ctx.store.audit, me, "export_transcript", handoff_id=handoff_id)
    return text(
        body,
        headers={
            "Content-Disposition": f'attachment; filename="{file_name(handoff)}"',
            "Cache-Control": "no-store",
        },
    )


async def reply(request: Request, handoff_id: str) -> HTTPResponse:
    ctx = request.app.ctx
    path = f"/handoffs/{handoff_id}"
    handoff = await ctx.run(ctx.store.get_handoff, handoff_id)
    if handoff is None:
        return not_found(request)
    me = staff_id(request)
    if not permissions(handoff, me)["can_reply"]:
        notice = "ended_already" if not handoff.active else "not_yours"
        return outcome(request, path, notice, status=409)
    data = request.json if "json" in (request.content_type or "") else request.form
    text = str((data or {}).get("text") or "").strip()
    if not text or len(text) > MAX_REPLY:
        problem = "empty" if not text else "too_long"
        if wants_json(request):
            return json({"error": problem}, status=400)
        return go(path, None, problem=problem)
    message_id = await ctx.run(ctx.store.add_staff_message, handoff_id, me, text)
    if message_id is None:  # ended, or not this staff member's, since it was read above
        return await _refused(request, handoff_id)
    delivered = await deliver_replies(ctx.rasa, ctx.store, ctx.run, handoff.conversation_id)
    [message] = await ctx.run(ctx.store.messages, handoff_id, message_id - 1)
    payload = message_payload(message, ZoneInfo(ctx.settings.timezone))
    if wants_json(request):
        return json({"message": payload, "delivered": payload["delivered"] or delivered})
    return go(path, None if delivered else "reply_pending")


async def _end(request: Request, handoff_id: str, how: str) -> HTTPResponse:
    ctx = request.app.ctx
    path = f"/handoffs/{handoff_id}"
    handoff = await ctx.run(ctx.store.get_handoff, handoff_id)
    if handoff is None:
        return not_found(request)
    if not permissions(handoff, staff_id(request))["can_end"]:
        notice = "ended_already" if not handoff.active else "not_yours"
        return outcome(request, path, notice, status=409)
    if not await ctx.run(ctx.store.end, handoff_id, staff_id(request), how):
        return await _refused(request, handoff_id)
    told = await tell_assistant_handoff_ended(
        ctx.rasa, ctx.store, ctx.run, handoff_id, handoff.conversation_id
    )
    notice = how if told else "end_pending"
    if wants_json(request):
        return json({"notice": notice, "told": told})
    return go("/queue", notice)


async def _refused(request: Request, handoff_id: str) -> HTTPResponse:
    """The store refused a reply or an end: say why, as it is now."""
    ctx = request.app.ctx
    handoff = await ctx.run(ctx.store.get_handoff, handoff_id)
    notice = "ended_already" if handoff is None or not handoff.active else "not_yours"
    return outcome(request, f"/handoffs/{handoff_id}", notice, status=409)


async def close(request: Request, handoff_id: str) -> HTTPResponse:
    return await _end(request, handoff_id, "closed")


async def give_back(request: Request, handoff_id: str) -> HTTPResponse:
    return await _end(request, handoff_id, "returned")
