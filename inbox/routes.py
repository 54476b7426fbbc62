"""Every route of the staff inbox, in one place.

Every route needs a signed-in staff member unless it says `public=True` (security.py enforces
this for the whole app, and tests/inbox/test_routes.py tries every route without a session).
Paths under /api/ answer 401 without a session; pages redirect to the sign-in page. Routes that
say `admin=True` answer 403 to staff who are not admins (test_routes.py tries them too).
"""

from typing import Callable, List, NamedTuple

from sanic import Sanic

from inbox import live
from inbox.views import accounts, assets, audit, auth, callbacks, conversation, queue


class Route(NamedTuple):
    path: str
    handler: Callable
    methods: List[str]
    name: str
    public: bool = False
    admin: bool = False


HANDOFF = "/handoffs/<handoff_id:str>"
CALLBACK = "/callbacks/<callback_id:str>"
ACCOUNT = "/accounts/<staff_id:int>"

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
    Route(f"{HANDOFF}/close", conversation.close, ["POST"], "close"),
    Route(f"{HANDOFF}/return", conversation.give_back, ["POST"], "give_back"),
    Route(CALLBACK, callbacks.page, ["GET"], "callback"),
    Route(f"{CALLBACK}/done", callbacks.done, ["POST"], "callback_done"),
    Route("/audit", audit.page, ["GET"], "audit", admin=True),
    Route("/accounts", accounts.page, ["GET"], "accounts", admin=True),
    Route(f"{ACCOUNT}/disable", accounts.disable, ["POST"], "account_disable", admin=True),
    Route(f"{ACCOUNT}/enable", accounts.enable, ["POST"], "account_enable", admin=True),
    Route("/api/queue", queue.queue_fragment, ["GET"], "api_queue"),
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
        )
