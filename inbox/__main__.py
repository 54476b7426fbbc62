"""Serves the staff inbox: `python -m inbox` (settings from the environment, see .env.example)."""

import logging
import sys

from pydantic import ValidationError

from inbox.app import create_app
from inbox.settings import InboxSettings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        settings = InboxSettings()
    except ValidationError as problem:
        print(f"The staff inbox cannot start; check its settings:\n{problem}", file=sys.stderr)
        return 2
    app = create_app(settings)
    app.run(
        host=settings.host,
        port=settings.port,
        workers=1,  # notifications go to this process's pages (notify.Hub)
        access_log=False,
        motd=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
