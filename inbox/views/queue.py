"""The queue: tabs Waiting / Mine / Closed / Callback requests, kept up to date by live.py.

Each tab shows pages of PAGE_SIZE (`?page=`), with the total, so however many people wait, each
one can be reached; above the list, a banner for each cap on requests for staff that refused
someone recently (handoff/limits.py)."""

import datetime as dt
from typing import Any, Dict

from sanic import Request
from sanic.response import HTTPResponse, json

from handoff.limits import recent_alerts
from handoff.models import ENDED, utcnow
from inbox.accounts import staff_names
from inbox.first_response import timers
from inbox.views.common import go, notice_of, staff_id

TABS = ("waiting", "mine", "closed", "callbacks")
PAGE_SIZE = 50
ALERTS_SHOWN_FOR = dt.timedelta(hours=24)


def _tab(request: Request) -> str:
    tab = request.args.get("tab") or "waiting"
    return tab if tab in TABS else "waiting"


def _page(request: Request) -> int:
    try:
        return max(1, int(request.args.get("page") or 1))
    except ValueError:
        return 1


async def _listing(request: Request, tab: str) -> Dict[str, Any]:
    ctx = request.app.ctx
    store, run = ctx.store, ctx.run
    me = staff_id(request)
    context: Dict[str, Any] = {"tab": tab, "me": me}
    # (statuses, claimed by, most recently changed first)
    which = {
        "waiting": (["waiting"], None, False),
        "mine": (["claimed"], me, False),
        "closed": (list(ENDED), None, True),
    }
    if tab == "callbacks":
        total = await run(store.count_callbacks, ["open"])
    else:
        statuses, claimed_by, newest_first = which[tab]
        total = await run(store.count_handoffs, statuses, claimed_by)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(_page(request), pages)  # past the end (the list got shorter): the last page
    offset = (page - 1) * PAGE_SIZE
    if tab == "callbacks":
        shown = context["callbacks"] = await run(store.list_callbacks, ["open"], PAGE_SIZE, offset)
    else:
        shown = context["handoffs"] = await run(
            store.list_handoffs, statuses, claimed_by, PAGE_SIZE, newest_first, offset
        )
        settings = ctx.settings
        context["timers"] = await run(
            timers, store.engine, shown, settings.on_duty, settings.first_response_targets
        )
        context["targets"] = target_minutes(settings)
    context["paging"] = {
        "page": page,
        "pages": pages,
        "total": total,
        "first": offset + 1 if shown else 0,
        "last": offset + len(shown),
    }
    context["alerts"] = await run(recent_alerts, store.engine, utcnow() - ALERTS_SHOWN_FOR)
    context["names"] = await run(staff_names, store.engine)
    context["counts"] = await run(store.queue_counts, me)
    return context


def target_minutes(settings: Any) -> Dict[str, int]:
    """The first-response thresholds as the timers' texts say them."""
    return {
        "warning": settings.first_response_warning_minutes,
        "breach": settings.first_response_breach_minutes,
    }


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
    return json(
        {
            "html": fragment,
            "counts": context["counts"],
            "tab": context["tab"],
            "page": context["paging"]["page"],
        }
    )
