"""The staff inbox's app factory: `create_app(settings)` builds a Sanic app from its settings.

Nothing here reads the environment; `python -m inbox` (inbox/__main__.py) does, once.
"""

import asyncio
import datetime as dt
import functools
import logging
from pathlib import Path
from typing import Any, Callable, Dict, TypeVar

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Request, Sanic
from sanic.response import HTTPResponse, html

from handoff.rasa_client import RasaClient
from handoff.store import HandoffStore
from inbox import formatting, routes
from inbox.notify import Hub, Notifier
from inbox.security import SignInLimiter, authenticate, security_headers
from inbox.sessions import SessionStore
from inbox.settings import InboxSettings
from inbox.sign_in import SignInCheck
from inbox.views import assets

HERE = Path(__file__).resolve().parent
APP_NAME = "staff_inbox"
T = TypeVar("T")
logger = logging.getLogger("inbox")


def _templates(settings: InboxSettings, versions: Dict[str, str]) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(formatting.filters(settings.timezone))
    environment.globals["static_url"] = lambda name: f"/static/{name}?v={versions.get(name, '')}"
    return environment


def create_app(settings: InboxSettings) -> Sanic:
    app = Sanic(APP_NAME)
    app.config.PROXIES_COUNT = settings.proxies_count or None
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.config.GRACEFUL_SHUTDOWN_TIMEOUT = 3.0
    app.config.FALLBACK_ERROR_FORMAT = "html"
    app.config.ACCESS_LOG = False  # addresses carry conversation ids; our own log lines do not

    store = HandoffStore.from_url(settings.db_url)
    app.ctx.settings = settings
    app.ctx.store = store
    app.ctx.rasa = RasaClient(
        str(settings.rasa_url), settings.token, timeout_seconds=settings.rasa_timeout_seconds
    )
    app.ctx.sessions = SessionStore(
        store.engine,
        idle=dt.timedelta(minutes=settings.session_idle_minutes),
        absolute=dt.timedelta(hours=settings.session_hours),
    )
    limiter = SignInLimiter(
        store.engine,
        per_account=settings.sign_in_max_failures,
        per_address=settings.sign_in_max_failures_per_address,
        window=dt.timedelta(minutes=settings.sign_in_window_minutes),
    )
    app.ctx.static_files = assets.load_static()
    app.ctx.templates = _templates(settings, assets.fingerprints(app.ctx.static_files))
    app.ctx.hub = Hub()

    async def run(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Database and password hashing work off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(function, *args, **kwargs))

    def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
        session = getattr(request.ctx, "session", None)
        page = app.ctx.templates.get_template(template).render(
            session=session,
            csrf_token=session.csrf_token if session else "",
            request_path=request.path,
            **context,
        )
        return html(page, status=status)

    app.ctx.run = run
    app.ctx.render = render
    app.ctx.sign_in = SignInCheck(
        store.engine,
        limiter,
        run,
        hashes=settings.sign_in_max_concurrent_hashes,
        wait_seconds=settings.sign_in_hash_wait_seconds,
    )

    app.register_middleware(authenticate, "request")
    app.register_middleware(security_headers, "response")
    routes.register(app)

    @app.listener("after_server_start")
    async def _start_background(app: Sanic, _loop: Any) -> None:
        app.ctx.stopping = asyncio.Event()
        app.ctx.notifier = Notifier(settings, store, app.ctx.rasa, app.ctx.hub, run)
        app.ctx.notifier_task = asyncio.create_task(app.ctx.notifier.run(app.ctx.stopping))
        logger.info("staff inbox listening on %s", settings.base_url)

    @app.listener("before_server_stop")
    async def _stop_background(app: Sanic, _loop: Any) -> None:
        app.ctx.stopping.set()  # live streams end, so shutdown does not wait for them
        app.ctx.notifier_task.cancel()
        try:
            await app.ctx.notifier_task
        except asyncio.CancelledError:
            pass

    @app.listener("after_server_stop")
    async def _dispose(app: Sanic, _loop: Any) -> None:
        store.engine.dispose()

    return app
