"""The handoff database's engine: SQLite by default, PostgreSQL by URL."""

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from handoff.schema import create_tables


def make_engine(db_url: str) -> Engine:
    # hide_parameters: a database error must not copy a person's message into the logs
    if db_url.startswith("sqlite"):
        engine = create_engine(
            db_url, future=True, hide_parameters=True, connect_args={"timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
            cursor.close()

        return engine
    return create_engine(db_url, future=True, pool_pre_ping=True, hide_parameters=True)


def open_database(db_url: str) -> Engine:
    """An engine on the database, its folder and every table created if missing."""
    if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:///:memory:"):
        Path(db_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(db_url)
    create_tables(engine)
    return engine


class OnDatabase:
    """Base of the handoff jobs (queue.py, callbacks.py, staff_actions.py, outbox.py, audit.py):
    each works on one engine, so a process shares one connection pool among them."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
