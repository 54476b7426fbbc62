"""The Rasa server's entry point: the project's Rasa patches, then Rasa's own command line.

    python -m addons.rasa_server run --model models --endpoints endpoints.yml ...

Takes exactly `python -m rasa`'s arguments. rasa_patches.apply() runs first, so a Rasa whose
internals the patches no longer fit refuses to start instead of running without them.
Outside development (ASSISTANT_ENV, secrets_check.py) it also refuses to open the HTTP API
(`--enable-api`) without a usable `--auth-token`: the API reads and writes every conversation,
and Rasa would serve it to anyone with no token, or with `change-me`.
"""

import os
import sys
from typing import Mapping, Optional, Sequence

from addons import rasa_patches
from secrets_check import is_production, secret_problem

TOKEN_NAME = "--auth-token (RASA_AUTH_TOKEN)"


def api_token_problem(argv: Sequence[str], environ: Mapping[str, str]) -> Optional[str]:
    """Why `rasa <argv>` must not start: an open or placeholder-guarded HTTP API in production."""
    if not is_production(environ):
        return None  # `make run` and the tests run in development
    from rasa.__main__ import create_argument_parser

    # Rasa's own parser, so `-t x`, `--auth-token=x` and abbreviations read as Rasa reads them
    arguments, _ = create_argument_parser().parse_known_args(list(argv))
    if not getattr(arguments, "enable_api", False):
        return None
    return secret_problem(TOKEN_NAME, getattr(arguments, "auth_token", None))


def main() -> None:
    rasa_patches.apply()
    problem = api_token_problem(sys.argv[1:], os.environ)
    if problem:
        raise SystemExit(f"Rasa server not started: {problem}")
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
