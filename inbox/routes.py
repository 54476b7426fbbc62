"""Every route of the staff inbox, in one place.

Every route needs a signed-in staff member unless it says `public=True` (security.py enforces
this for the whole app, and tests/inbox/test_routes.py tries every route without a session).
Paths under /api/ answer 401 without a session; pages redirect to the sign-in page. Routes that
say `admin=True` answer 403 to staff who are not admins, `curator=True` to staff who are neither
curators nor admins (test_routes.py tries them too).
"""

from typing import Callable, List, NamedTuple

from sanic import Sanic

from inbox import live
from inbox.views import (
    accounts,
    assets,
    audit,
    auth,
    callbacks,
    canned_replies,
    conversation,
    curation,
    evaluate,
    first_response,
    queue,
)


class Route(NamedTuple):
    path: str
    handler: Callable
    methods: List[str]
    name: str
    public: bool = False
    admin: bool = False
    curator: bool = False  # curators and admins


HANDOFF = "/handoffs/<handoff_id:str>"
CALLBACK = "/callbacks/<callback_id:str>"
ACCOUNT = "/accounts/<staff_id:int>"
CANNED = "/canned-replies/<reply_id:int>"

ROUTES = [
    Route("/health", assets.health, ["GET"], "health", public=True),
    Route("/static/<filename:str>", assets.static, ["GET"], "static", public=True),
    Route("/sign-in", auth.sign_in_form, ["GET"], "sign_in_form", public=True),
    Route("/sign-in", auth.sign_in, ["POST"], "sign_in", public=True),
    Route("/sign-out", auth.sign_out, ["POST"], "sign_out"),
    Route("/", queue.home, ["GET"], "home"),
    Route("/queue", queue.queue_page, ["GET"], "queue"),
    Route(HANDOFF, conversation.page, ["GET"], "conversation"),
    Route(f"{HANDOFF}/claim", conversation.claim, ["POST"], "claim"),
    Route(f"{HANDOFF}/reply", conversation.reply, ["POST"], "reply"),
    Route(f"{HANDOFF}/typing", conversation.typing, ["POST"], "typing"),
    Route(f"{HANDOFF}/transcript.txt", conversation.transcript_file, ["GET"], "transcript_file"),
    Route(f"{HANDOFF}/close", conversation.close, ["POST"], "close"),
    Route(f"{HANDOFF}/return", conversation.give_back, ["POST"], "give_back"),
    Route(CALLBACK, callbacks.page, ["GET"], "callback"),
    Route(f"{CALLBACK}/done", callbacks.done, ["POST"], "callback_done"),
    Route("/audit", audit.page, ["GET"], "audit", admin=True),
    Route("/accounts", accounts.page, ["GET"], "accounts", admin=True),
    Route(f"{ACCOUNT}/disable", accounts.disable, ["POST"], "account_disable", admin=True),
    Route(f"{ACCOUNT}/enable", accounts.enable, ["POST"], "account_enable", admin=True),
    Route("/canned-replies", canned_replies.page, ["GET"], "canned_replies", admin=True),
    Route("/canned-replies", canned_replies.add, ["POST"], "canned_reply_add", admin=True),
    Route(CANNED, canned_replies.save, ["POST"], "canned_reply_save", admin=True),
    Route(f"{CANNED}/delete", canned_replies.remove, ["POST"], "canned_reply_delete", admin=True),
    Route("/curation", curation.unanswered_page, ["GET"], "curation", curator=True),
    Route("/curation/items", curation.items_page, ["GET"], "curation_items", curator=True),
    Route("/curation/topics", curation.topics_page, ["GET"], "curation_topics", curator=True),
    Route(
        "/curation/unanswered.csv",
        curation.unanswered_csv,
        ["GET"],
        "curation_unanswered_csv",
        curator=True,
    ),
    Route("/curation/items.csv", curation.items_csv, ["GET"], "curation_items_csv", curator=True),
    Route(
        "/curation/topics.csv", curation.topics_csv, ["GET"], "curation_topics_csv", curator=True
    ),
    Route("/curation/evaluate", evaluate.page, ["GET"], "curation_evaluate", curator=True),
    Route("/curation/evaluate", evaluate.submit, ["POST"], "curation_try", curator=True),
    Route("/api/queue", queue.queue_fragment, ["GET"], "api_queue"),
    Route(
        f"/api{HANDOFF}/first-response",
        first_response.fragment,
        ["GET"],
        "api_first_response",
    ),
    Route("/api/events", live.events, ["GET"], "api_events"),
    Route("/api/session", auth.whoami, ["GET"], "api_session"),
]


def register(app: Sanic) -> None:
    for route in ROUTES:
        app.add_route(
            route.handler,
            route.path,
            methods=route.methods,
            name=route.name,
            ctx_public=route.public,
            ctx_admin=route.admin,
            ctx_curator=route.curator,
        )
