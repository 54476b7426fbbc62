"""The curators' reports (curation/): what people asked that the assistant answered poorly,
each evidence item's use and feedback, and topics over time; each also as CSV.

For curators and admins only (routes.py). Reading the tracker store and the sentence encoder
run off the event loop. Only people's message text is shown, never their contact details
(curation/conversations.py), and only from the period retention keeps.
"""

import datetime as dt
import logging
from typing import Any, Callable, Dict, Tuple

from sanic import Request
from sanic.response import HTTPResponse, text

from actions.evidence_store import get_store
from curation import csv_export, reports
from curation.conversations import Conversations, read_period
from curation.periods import CHOICES, Period, chosen_days
from inbox.settings import InboxSettings
from inbox.views.common import staff_id

logger = logging.getLogger("inbox")
CSV_TYPE = "text/csv; charset=utf-8"


def _period(request: Request) -> Period:
    settings: InboxSettings = request.app.ctx.settings
    return Period.last(
        chosen_days(request.args.get("days")), retention_days=settings.retention_days
    )


def _read(settings: InboxSettings, period: Period) -> Tuple[Conversations, bool]:
    """The period's conversations, and whether the tracker store could be read at all."""
    try:
        return read_period(settings.endpoints, period.start, period.end), True
    except (OSError, ValueError) as problem:  # no endpoints file, a store that is not SQL
        logger.warning("curators' reports: cannot read the tracker store: %s", problem)
        return Conversations(), False


def _unanswered(settings: InboxSettings, period: Period) -> Dict[str, Any]:
    conversations, readable = _read(settings, period)
    groups = reports.unanswered(conversations, period)
    chosen = [item for group in groups for item, _ in group.items]
    return {
        "groups": groups,
        "titles": reports.item_titles(get_store(), chosen),
        "readable": readable,
        "asked": len(conversations.messages),
    }


def _items(settings: InboxSettings, period: Period) -> Dict[str, Any]:
    conversations, readable = _read(settings, period)
    today = dt.datetime.now(dt.timezone.utc).date()
    return {"rows": reports.items(conversations, get_store(), today), "readable": readable}


def _topics(settings: InboxSettings, period: Period) -> Dict[str, Any]:
    conversations, readable = _read(settings, period)
    return {"report": reports.topics(conversations, get_store(), period), "readable": readable}


async def _build(request: Request, build: Callable[..., Dict[str, Any]]) -> Dict[str, Any]:
    ctx = request.app.ctx
    period = _period(request)
    data = await ctx.run(build, ctx.settings, period)
    return {**data, "period": period, "choices": CHOICES, "kept_days": ctx.settings.retention_days}


async def unanswered_page(request: Request) -> HTTPResponse:
    data = await _build(request, _unanswered)
    steps = [step.label for step in data["period"].steps()]
    return request.app.ctx.render(
        request,
        "curation_unanswered.html",
        steps=steps,
        reason_label=reports.reason_label,
        outcome_label=reports.outcome_label,
        **data,
    )


async def items_page(request: Request) -> HTTPResponse:
    data = await _build(request, _items)
    return request.app.ctx.render(request, "curation_items.html", **data)


async def topics_page(request: Request) -> HTTPResponse:
    data = await _build(request, _topics)
    return request.app.ctx.render(request, "curation_topics.html", **data)


async def _download(request: Request, view: str, body: str, days: int) -> HTTPResponse:
    """A CSV download, noted in the audit log: it carries people's words out of the inbox."""
    ctx = request.app.ctx
    await ctx.run(
        ctx.store.audit, staff_id(request), "export_curation", detail=f"{view}, {days} days"
    )
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    name = f"curation-{view}-{days}d-{today}.csv"
    return text(
        body,
        content_type=CSV_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


async def unanswered_csv(request: Request) -> HTTPResponse:
    data = await _build(request, _unanswered)
    period: Period = data["period"]
    steps = [step.label for step in period.steps()]
    body = csv_export.unanswered_csv(data["groups"], steps, data["titles"])
    return await _download(request, "unanswered", body, period.days)


async def items_csv(request: Request) -> HTTPResponse:
    data = await _build(request, _items)
    body = csv_export.items_csv(data["rows"])
    return await _download(request, "items", body, data["period"].days)


async def topics_csv(request: Request) -> HTTPResponse:
    data = await _build(request, _topics)
    body = csv_export.topics_csv(data["report"])
    return await _download(request, "topics", body, data["period"].days)
