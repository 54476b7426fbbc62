"""Small helpers the views share."""

from typing import Any, Dict, Optional
from urllib.parse import urlencode

from sanic import Request
from sanic.response import HTTPResponse, json, redirect

from inbox.security import wants_json

# what `?notice=` may say (texts in templates/_notices.html); anything else is ignored
NOTICES = frozenset(
    {
        "claimed",
        "claim_lost",
        "not_yours",
        "ended_already",
        "not_ended",
        "closed",
        "returned",
        "end_pending",
        "reply_pending",
        "callback_done",
        "callback_done_already",
        "signed_out",
        "account_disabled",
        "account_enabled",
        "not_yourself",
        "canned_reply_added",
        "canned_reply_saved",
        "canned_reply_deleted",
    }
)


def notice_of(request: Request) -> Optional[str]:
    notice = request.args.get("notice")
    return notice if notice in NOTICES else None


def go(path: str, notice: Optional[str] = None, **query: str) -> HTTPResponse:
    params: Dict[str, str] = {**query, **({"notice": notice} if notice else {})}
    if params:
        path += ("&" if "?" in path else "?") + urlencode(params)
    return redirect(path, status=303)


def outcome(
    request: Request,
    path: str,
    notice: str,
    status: int = 200,
    **data: Any,
) -> HTTPResponse:
    """A JSON answer for scripts, or a redirect with a notice for a plain form post."""
    if wants_json(request):
        return json({"notice": notice, **data}, status=status)
    return go(path, notice)


def not_found(request: Request) -> HTTPResponse:
    if wants_json(request):
        return json({"error": "not found"}, status=404)
    return request.app.ctx.render(request, "error.html", status=404, problem="not_found")


def staff_id(request: Request) -> int:
    return request.ctx.session.staff_id
