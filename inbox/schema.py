"""The inbox's own tables: staff accounts, their sessions and sign-in attempts, canned replies,
first-response breaches.

They live in the handoff database (the queue records who claimed, answered and ended a handoff
by staff id), on its `metadata`, so start-up creates them with the queue's tables
(handoff/schema.py `create_tables`). Only the inbox writes them: accounts.py, sessions.py,
security.py's sign-in limiter, canned_replies.py and first_response.py.
"""

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text

from handoff.schema import metadata

staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # staff | admin (also manages accounts and reads the audit log); inbox/accounts.py ROLES
    Column("role", String(20), nullable=False, default="staff", server_default="staff"),
    # sessions signed in before this no longer work (inbox/sessions.py)
    Column("password_changed_at", DateTime(timezone=True), nullable=True),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    # only a hash of the cookie value is stored: a database leak does not leak sessions
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False, index=True),
    Column("succeeded", Boolean, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
)

# Saved answers staff insert into a reply and edit before sending; admins manage them
# (inbox/canned_replies.py). Content written by the centre, so none are seeded in code.
canned_replies = Table(
    "canned_replies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(120), nullable=False),
    Column("body", Text, nullable=False),  # at most inbox/canned_replies.py MAX_BODY characters
    Column("updated_by", Integer, ForeignKey("staff.id"), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# One row per handoff that waited past the first-response breach threshold without a staff reply
# (inbox/first_response.py): the primary key lets only the first insert win, so staff are told
# once, as for `alerts`.
first_response_breaches = Table(
    "first_response_breaches",
    metadata,
    Column(
        "handoff_id",
        String(32),
        ForeignKey("handoffs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("breached_at", DateTime(timezone=True), nullable=False),
    Column("notified_at", DateTime(timezone=True), nullable=True, index=True),
)
