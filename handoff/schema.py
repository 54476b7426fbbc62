"""Tables of the handoff database (SQLite by default, PostgreSQL by URL).

Patient data is kept to what a handoff needs: the conversation id, the messages exchanged while
staff handle it, and, for callback requests, a name and a way to reach the person. The bot part
of the conversation stays in Rasa's tracker store and is read from there when staff open it.
"""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateColumn

metadata = MetaData()

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

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("conversation_id", String(255), nullable=False, index=True),
    Column("channel", String(50), nullable=False),
    # waiting -> claimed -> closed | returned (to the bot)
    Column("status", String(20), nullable=False, index=True),
    # requested | misunderstood | feedback | emergency
    Column("reason", String(20), nullable=False),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", Integer, ForeignKey("staff.id"), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("ended_by", Integer, ForeignKey("staff.id"), nullable=True),
    Column("ended_at", DateTime(timezone=True), nullable=True),
    Column("notified_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, index=True),
    # who asked, as the channels' keyed hash of the client address (never the address itself):
    # what the per-address cap counts (handoff/limits.py); None when a channel did not say
    Column("address_key", String(64), nullable=True),
)

handoff_messages = Table(
    "handoff_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handoff_id", String(32), ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False),
    Column("sender", String(10), nullable=False),  # person | staff
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=True),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # staff messages: set once the assistant has sent it to the person's channel
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Index("ix_handoff_messages_handoff", "handoff_id", "id"),
)

# One row per ended handoff: has the assistant been told (Rasa's EXTERNAL_handoff_ended)? Written in
# the same transaction as the end, so a restart of the inbox or an unreachable assistant never
# leaves a person waiting for staff who have gone; the inbox retries until it is delivered.
handoff_end_notices = Table(
    "handoff_end_notices",
    metadata,
    Column(
        "handoff_id",
        String(32),
        ForeignKey("handoffs.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("conversation_id", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True, index=True),
)

callback_requests = Table(
    "callback_requests",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("conversation_id", String(255), nullable=False),
    Column("channel", String(50), nullable=False),
    Column("name", String(120), nullable=False),
    Column("contact", String(254), nullable=False),
    Column("consented_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False, index=True),  # open | done
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("handled_by", Integer, ForeignKey("staff.id"), nullable=True),
    Column("handled_at", DateTime(timezone=True), nullable=True),
    Column("notified_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, index=True),
    Column("address_key", String(64), nullable=True),  # as in handoffs
)

# One row per cap (handoff/limits.py CAPS) and period in which it refused a request: staff are
# alerted once (the unique key: only the first insert wins), and `refused` counts the rest.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cap", String(20), nullable=False),  # conversation | address | overall
    Column("period_start", DateTime(timezone=True), nullable=False),
    # the cap as it was: at most `allowed` requests in `window_minutes`
    Column("allowed", Integer, nullable=False),
    Column("window_minutes", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("last_refused_at", DateTime(timezone=True), nullable=False),
    Column("notified_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("cap", "period_start", name="uq_alerts_cap_period"),
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

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=True),
    Column("action", String(40), nullable=False),
    Column("handoff_id", String(32), nullable=True),
    Column("callback_id", String(32), nullable=True),
    Column("detail", String(500), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
)


def add_missing_columns(engine: Engine) -> None:
    """Adds columns defined here after a database was created (`create_all` only creates missing
    tables), so an existing database keeps working. A new column must be nullable or have a
    `server_default`, which existing rows then get."""
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspect(engine).get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            definition = CreateColumn(column).compile(dialect=engine.dialect)
            try:
                with engine.begin() as connection:
                    connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {definition}")
            except DBAPIError:
                # another process starting at the same time may have added it first
                if column.name not in {c["name"] for c in inspect(engine).get_columns(table.name)}:
                    raise
