"""Rasa's SQL tracker store on SQLite, in write-ahead-log mode over one open connection.

The embedded default keeps conversations in one SQLite file. With SQLite's default rollback
journal every saved turn costs several fsyncs (profiled: 4.9 ms of a turn's time, more than
classifying the message). In WAL mode with `synchronous=NORMAL` a commit is one append to the
log: a crash or restart of the process loses nothing; only a power cut can lose the last
moments, a trade SQLite documents as the usual one for WAL. Production runs PostgreSQL
(endpoints.production.yml) and is unaffected.
"""

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from addons.rasa_patches import require_attributes
from tracker_stores.lean_sql import LeanSQLTrackerStore

PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000")


def _apply_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    for pragma in PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


class SQLiteTrackerStore(LeanSQLTrackerStore):
    """SQLTrackerStore for `dialect: sqlite` with SQLite tuned for one writer process (and
    the lighter loads and saves of LeanSQLTrackerStore)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("dialect", "sqlite")
        if kwargs["dialect"] != "sqlite":
            raise ValueError("SQLiteTrackerStore is for SQLite; use SQLTrackerStore otherwise")
        super().__init__(*args, **kwargs)  # creates the tables
        # Rasa's queries go through these two attributes (session_scope): replaced below, so
        # a Rasa that renamed them would otherwise keep its own engine without the pragmas
        require_attributes(self, ("engine", "sessionmaker"), "SQLiteTrackerStore")
        # One connection kept open (SQLAlchemy's SQLite default opens and closes one per
        # query: 10% of a turn in the profile). The Rasa server reads and writes from its
        # event-loop thread only, so a single connection is safe.
        url = self.engine.url
        self.engine.dispose()
        self.engine = create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        event.listen(self.engine, "connect", _apply_pragmas)
        self.sessionmaker = sessionmaker(bind=self.engine)
