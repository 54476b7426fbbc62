"""Deletes what the centre no longer needs to keep: `python -m inbox.retention`.

Closed and returned handoffs (with their messages) and handled callback requests older than
HANDOFF_RETENTION_DAYS (default 30), expired staff sessions and old sign-in attempts. Open
handoffs and callback requests are never deleted. The audit log keeps a line saying how many
were removed. Run it daily (cron, a systemd timer, a Kubernetes CronJob).
"""

import argparse
import datetime as dt
import sys
from typing import Dict, Optional, Sequence

from sqlalchemy import delete

from handoff.schema import sign_in_attempts
from handoff.settings import HandoffSettings
from handoff.store import HandoffStore, utcnow
from inbox.sessions import SessionStore

ATTEMPTS_KEPT = dt.timedelta(days=1)


def apply_retention(
    store: HandoffStore, days: int, now: Optional[dt.datetime] = None
) -> Dict[str, int]:
    now = now or utcnow()
    deleted = store.delete_older_than(now - dt.timedelta(days=days))
    # sessions: the longest any session could still be valid is its absolute lifetime
    sessions = SessionStore(store.engine, idle=dt.timedelta(days=1), absolute=dt.timedelta(days=1))
    deleted["sessions"] = sessions.delete_expired()
    with store.engine.begin() as connection:
        deleted["sign_in_attempts"] = int(
            connection.execute(
                delete(sign_in_attempts).where(sign_in_attempts.c.at < now - ATTEMPTS_KEPT)
            ).rowcount
        )
    return deleted


def main(argv: Optional[Sequence[str]] = None) -> int:
    settings = HandoffSettings()
    parser = argparse.ArgumentParser(
        prog="python -m inbox.retention",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--days",
        type=int,
        default=settings.retention_days,
        help=f"keep this many days (default HANDOFF_RETENTION_DAYS={settings.retention_days})",
    )
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    store = HandoffStore.from_url(settings.db_url)
    try:
        deleted = apply_retention(store, args.days)
    finally:
        store.engine.dispose()
    print(
        f"Deleted {deleted['handoffs']} ended handoffs, {deleted['callbacks']} handled callback "
        f"requests (older than {args.days} days), {deleted['sessions']} expired sessions and "
        f"{deleted['sign_in_attempts']} old sign-in attempts."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
