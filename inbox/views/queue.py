"""The queue: tabs Waiting / Mine / Closed / Callback requests, kept up to date by live.py."""

from typing import Any, Dict

from sanic import Request
from sanic.response import HTTPResponse, json

from handoff.store import ENDED
from inbox.accounts import staff_names
from inbox.views.common import go, notice_of, staff_id

TABS = ("waiting", "mine", "closed", "callbacks")
CLOSED_SHOWN = 100


def _tab(request: Request) -> str:
    tab = request.args.get("tab") or "waiting"
    return tab if tab in TABS else "waiting"


async def _listing(request: Request, tab: str) -> Dict[str, Any]:
    ctx = request.app.ctx
    store, run = ctx.store, ctx.run
    me = staff_id(request)
    context: Dict[str, Any] = {"tab": tab, "me": me}
    if tab == "waiting":
        context["handoffs"] = await run(store.list_handoffs, ["waiting"])
    elif tab == "mine":
        context["handoffs"] = await run(store.list_handoffs, ["claimed"], me)
    elif tab == "closed":
        context["handoffs"] = await run(store.list_handoffs, list(ENDED), None, CLOSED_SHOWN, True)
    else:
        context["callbacks"] = await run(store.list_callbacks, ["open"])
    context["names"] = await run(staff_names, store.engine)
    context["counts"] = await run(store.queue_counts, me)
    return context


async def home(request: Request) -> HTTPResponse:
    return go("/queue")


async def queue_page(request: Request) -> HTTPResponse:
    context = await _listing(request, _tab(request))
    return request.app.ctx.render(request, "queue.html", notice=notice_of(request), **context)


async def queue_fragment(request: Request) -> HTTPResponse:
    """The list of one tab, for the page's script to swap in when the queue changes."""
    context = await _listing(request, _tab(request))
    fragment = request.app.ctx.templates.get_template("_queue_list.html").render(
        csrf_token=request.ctx.session.csrf_token, **context
    )
    return json({"html": fragment, "counts": context["counts"], "tab": context["tab"]})
