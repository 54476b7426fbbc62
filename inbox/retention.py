"""Deletes what the centre no longer needs to keep: `python -m inbox.retention`.

Run it daily (cron, a systemd timer, the Kubernetes CronJob). Older than HANDOFF_RETENTION_DAYS
(default 30) go:
- conversations last active before then (their last event in the tracker store, and the last
  change of their handoffs and callback requests): every tracker event, handoff, message and
  callback request of theirs. A conversation with open work (a waiting or claimed handoff, an
  open callback request) is kept whatever its age;
- ended handoffs (with their messages) and handled callback requests, also of conversations
  that go on;
- the client address in audit-log lines (the line stays: who did what, when).
Whatever their age: the contact details the callback form leaves in a kept conversation (the
slots, what the person typed, the assistant's echo) once no open callback request needs them;
expired staff sessions; sign-in attempts older than a day. The audit log keeps a line saying
how many were removed. The tracker store is the one the endpoints file names (HANDOFF_ENDPOINTS).
"""

import argparse
import datetime as dt
import re
import sys
from typing import Dict, List, Optional, Sequence, Set

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Engine

from handoff.audit import record
from handoff.models import ACTIVE, ENDED, utcnow
from handoff.schema import (
    audit_log,
    callback_requests,
    handoff_end_notices,
    handoff_messages,
    handoffs,
)
from handoff.settings import HandoffSettings
from handoff.store import HandoffStore
from inbox.security import SignInLimiter
from inbox.sessions import SessionStore
from tracker_stores.retention import CHUNK, TrackerRetention, tracker_db_url

ATTEMPTS_KEPT = dt.timedelta(days=1)
# inbox/views/auth.py writes "address 203.0.113.9" (after a reason for a failed sign-in). The
# line is kept as the record of who signed in when; the address only serves to look into
# recent abuse, so it goes after the retention period like everything else about a person.
ADDRESS = re.compile(r"address [^,]+")
ADDRESS_REMOVED = "address removed"


def apply_retention(
    store: HandoffStore,
    days: int,
    now: Optional[dt.datetime] = None,
    tracker: Optional[TrackerRetention] = None,
) -> Dict[str, int]:
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=days)
    removed = {"conversations": 0, "callback_details": 0}
    if tracker is not None:
        removed["conversations"] = delete_conversations(store, tracker, cutoff)
        removed["callback_details"] = scrub_callback_details(store, tracker)
    deleted = delete_ended(store.engine, cutoff)
    deleted.update(removed)
    deleted["addresses"] = forget_addresses(store, cutoff)
    store.audit(
        None,
        "retention",
        detail=f"{removed['conversations']} conversations deleted, callback details scrubbed "
        f"from {removed['callback_details']}, {deleted['addresses']} sign-in addresses removed",
    )
    # sessions: the longest any session could still be valid is its absolute lifetime
    sessions = SessionStore(store.engine, idle=dt.timedelta(days=1), absolute=dt.timedelta(days=1))
    deleted["sessions"] = sessions.delete_expired()
    limiter = SignInLimiter(store.engine, per_account=0, per_address=0, window=ATTEMPTS_KEPT)
    deleted["sign_in_attempts"] = limiter.delete_older_than(now - ATTEMPTS_KEPT)
    return deleted


def delete_ended(engine: Engine, cutoff: dt.datetime) -> Dict[str, int]:
    """Ended handoffs (with their messages) and handled callbacks before cutoff."""
    with engine.begin() as connection:
        old = select(handoffs.c.id).where(
            and_(handoffs.c.status.in_(ENDED), handoffs.c.ended_at < cutoff)
        )
        old_ids = [row[0] for row in connection.execute(old).all()]
        if old_ids:
            connection.execute(
                delete(handoff_messages).where(handoff_messages.c.handoff_id.in_(old_ids))
            )
            connection.execute(
                delete(handoff_end_notices).where(handoff_end_notices.c.handoff_id.in_(old_ids))
            )
            connection.execute(delete(handoffs).where(handoffs.c.id.in_(old_ids)))
        callbacks = connection.execute(
            delete(callback_requests).where(
                and_(callback_requests.c.status == "done", callback_requests.c.handled_at < cutoff)
            )
        )
        record(
            connection,
            None,
            "retention",
            detail=f"{len(old_ids)} handoffs, {callbacks.rowcount} callbacks",
        )
    return {"handoffs": len(old_ids), "callbacks": int(callbacks.rowcount)}


def conversations_in_use(store: HandoffStore, cutoff: dt.datetime) -> Set[str]:
    """Conversations with open work, or a handoff or callback request changed since cutoff."""
    with store.engine.connect() as connection:
        handed = connection.execute(
            select(handoffs.c.conversation_id).where(
                or_(handoffs.c.status.in_(ACTIVE), handoffs.c.updated_at >= cutoff)
            )
        ).scalars()
        called = connection.execute(
            select(callback_requests.c.conversation_id).where(
                or_(callback_requests.c.status == "open", callback_requests.c.updated_at >= cutoff)
            )
        ).scalars()
        return set(handed) | set(called)


def delete_conversations(
    store: HandoffStore, tracker: TrackerRetention, cutoff: dt.datetime
) -> int:
    """Conversations idle since cutoff in both databases: their handoff records, then their
    tracker events (if that fails, the next run finds the conversation idle again)."""
    gone: List[str] = sorted(set(tracker.idle_since(cutoff)) - conversations_in_use(store, cutoff))
    with store.engine.begin() as connection:
        for start in range(0, len(gone), CHUNK):
            chunk = gone[start : start + CHUNK]
            theirs = select(handoffs.c.id).where(handoffs.c.conversation_id.in_(chunk))
            connection.execute(
                delete(handoff_messages).where(handoff_messages.c.handoff_id.in_(theirs))
            )
            connection.execute(
                delete(handoff_end_notices).where(handoff_end_notices.c.handoff_id.in_(theirs))
            )
            connection.execute(delete(handoffs).where(handoffs.c.conversation_id.in_(chunk)))
            connection.execute(
                delete(callback_requests).where(callback_requests.c.conversation_id.in_(chunk))
            )
    tracker.delete(gone)
    return len(gone)


def scrub_callback_details(store: HandoffStore, tracker: TrackerRetention) -> int:
    """Kept conversations lose the callback form's copies of a name and contact once no open
    callback request of theirs needs them (the request itself stays until it is old)."""
    scrubbed = 0
    for conversation_id in tracker.with_callback_details():
        with store.engine.connect() as connection:
            requests = connection.execute(
                select(
                    callback_requests.c.status,
                    callback_requests.c.name,
                    callback_requests.c.contact,
                ).where(callback_requests.c.conversation_id == conversation_id)
            ).all()
        if any(request.status == "open" for request in requests):
            continue
        known = [value for request in requests for value in (request.name, request.contact)]
        scrubbed += tracker.scrub_callback_details(conversation_id, known)
    return scrubbed


def forget_addresses(store: HandoffStore, cutoff: dt.datetime) -> int:
    """Removes the client address from audit-log lines older than cutoff."""
    forgotten = 0
    with store.engine.begin() as connection:
        rows = connection.execute(
            select(audit_log.c.id, audit_log.c.detail)
            .where(audit_log.c.at < cutoff)
            .where(audit_log.c.detail.like("%address %"))
        ).all()
        for row in rows:
            detail = ADDRESS.sub(ADDRESS_REMOVED, row.detail)
            if detail != row.detail:
                connection.execute(
                    update(audit_log).where(audit_log.c.id == row.id).values(detail=detail)
                )
                forgotten += 1
    return forgotten


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
    parser.add_argument(
        "--endpoints",
        default=settings.endpoints,
        help="the Rasa server's endpoints file, whose tracker store is pruned "
        f"(default HANDOFF_ENDPOINTS={settings.endpoints})",
    )
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    try:
        tracker_url = tracker_db_url(args.endpoints)
    except (OSError, ValueError) as problem:
        parser.error(str(problem))
    tracker = TrackerRetention.from_url(tracker_url) if tracker_url else None
    store = HandoffStore.from_url(settings.db_url)
    try:
        deleted = apply_retention(store, args.days, tracker=tracker)
    finally:
        store.engine.dispose()
        if tracker is not None:
            tracker.engine.dispose()
    print(
        f"Deleted {deleted['conversations']} conversations, {deleted['handoffs']} ended "
        f"handoffs, {deleted['callbacks']} handled callback requests and "
        f"{deleted['addresses']} sign-in addresses (older than {args.days} days); scrubbed "
        f"callback details from {deleted['callback_details']} conversations; deleted "
        f"{deleted['sessions']} expired sessions and {deleted['sign_in_attempts']} old sign-in "
        "attempts."
    )
    if tracker_url is None:
        print("The tracker store keeps conversations in memory only: nothing to prune there.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
