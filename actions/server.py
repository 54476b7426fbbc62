"""The action server: rasa-sdk's app, on localhost unless told otherwise, answering only Rasa.

    python -m actions.server --port 5055

rasa-sdk 3.6 binds every interface and answers anyone who can reach it, while the actions
read and write the handoff queue. Here the app (rasa-sdk's own routes and executor) requires
Rasa's shared token, `Authorization: Bearer $ACTION_SERVER_TOKEN` (endpoints*.yml send it),
binds ACTION_SERVER_HOST (default 127.0.0.1; the container sets 0.0.0.0 behind its
NetworkPolicy), allows no browser origin, and caps request bodies.
"""

import argparse
import hmac
import logging
import os
from typing import Optional

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from secrets_check import secret_problem

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
HOST_VARIABLE = "ACTION_SERVER_HOST"
MIN_TOKEN_CHARS = 32
# an action call carries the conversation's events: a long conversation is a few hundred KB
MAX_REQUEST_BYTES = 8 * 1024 * 1024
KEEP_ALIVE_SECONDS = 30  # longer than aiohttp's 15 s keep-alive on Rasa's side
OPEN_PATHS = ("/health",)  # for liveness probes; says only "ok"


def token_problem(token: Optional[str]) -> Optional[str]:
    """Why the token cannot guard the actions: empty, short or a placeholder, in every mode
    (`make run` generates one per checkout)."""
    return secret_problem(TOKEN_VARIABLE, token, MIN_TOKEN_CHARS)


def create_guarded_app(token: str, package: str = "actions") -> Sanic:
    app = create_app(package, cors_origins=None)  # no browser ever calls the action server
    app.config.REQUEST_MAX_SIZE = MAX_REQUEST_BYTES
    # Rasa's HTTP client reuses an idle connection for up to 15 s; Sanic closed it after 5, so
    # a request could go out on a closing connection and its answer was lost (seen in the soak)
    app.config.KEEP_ALIVE_TIMEOUT = KEEP_ALIVE_SECONDS
    expected = f"Bearer {token}".encode()

    @app.middleware("request")
    async def require_rasa_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        supplied = request.headers.get("authorization", "").encode("utf-8", "replace")
        if not hmac.compare_digest(supplied, expected):
            return response.json({"error": "missing or wrong action server token"}, status=401)
        return None

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args()
    token = os.environ.get(TOKEN_VARIABLE)
    problem = token_problem(token)
    if problem:
        raise SystemExit(f"action server not started: {problem}")
    logging.basicConfig(level=logging.INFO)
    host = os.environ.get(HOST_VARIABLE, "127.0.0.1")
    app = create_guarded_app(token or "", args.actions)
    logger.info("Action server on http://%s:%s", host, args.port)
    app.run(host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
