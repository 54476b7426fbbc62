"""The Rasa server's entry point: the project's Rasa patches, then Rasa's own command line.

    python -m addons.rasa_server run --model models --endpoints endpoints.yml ...

Takes exactly `python -m rasa`'s arguments. rasa_patches.apply() runs first, so a Rasa whose
internals the patches no longer fit refuses to start instead of running without them.
Outside development (ASSISTANT_ENV, secrets_check.py) it also refuses to open the HTTP API
(`--enable-api`) without a usable `--auth-token`: the API reads and writes every conversation,
and Rasa would serve it to anyone with no token, or with `change-me`.

Numerical libraries get one thread each, before any of them loads (an operator's own setting
wins). By default OpenBLAS starts a thread per core that spins while it waits for work: under
the benchmark's load that thread burned 10 ms of CPU per message, a third of the server's, on
the core the NLU thread and the action server need (60 instead of 49 messages/s). A Sanic
worker is one process; several workers, not several BLAS threads, use several cores.
"""

import os

ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
for _variable in ONE_THREAD:
    os.environ.setdefault(_variable, "1")

import sys  # noqa: E402  (after the thread settings, which must precede numpy's import)
from typing import Mapping, Optional, Sequence  # noqa: E402

from addons import rasa_patches  # noqa: E402
from secrets_check import is_production, secret_problem  # noqa: E402

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
