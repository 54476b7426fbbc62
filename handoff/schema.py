"""Tables of the handoff database (SQLite by default, PostgreSQL by URL).

Patient data is kept to what a handoff needs: the conversation id, the messages exchanged while
staff handle it, and, for callback requests, a name and a way to reach the person. The bot part
of the conversation stays in Rasa's tracker store and is read from there when staff open it.

The tables of the queue are here; the staff accounts, sessions and sign-in attempts they refer
to are the inbox's (inbox/schema.py), on the same `metadata`: `create_tables` creates them all.
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


def create_tables(engine: Engine) -> None:
    """Every table of the handoff database, for a new database and one created by an older
    version alike: run at every start."""
    import inbox.schema  # noqa: F401  registers the staff tables, which the queue's refer to

    metadata.create_all(engine)
    add_missing_columns(engine)


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
