"""Real databases for tests: a temporary SQLite file, or a fresh PostgreSQL database.

PostgreSQL runs on this machine and in CI (127.0.0.1:5432, trust authentication); each test
session creates its own database and drops it afterwards. POSTGRES_ADMIN_URL overrides where.
"""

import datetime as dt
import os
import uuid
from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import create_engine, text

from handoff.store import HandoffStore

POSTGRES_ADMIN_URL = os.environ.get(
    "POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DATABASES = ["sqlite", "postgresql"]  # every handoff-store test runs against both


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"ms_assistant_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def database_url(kind: str, directory) -> Iterator[str]:
    if kind == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{directory / 'handoff.db'}"


@contextmanager
def handoff_store(kind: str, directory) -> Iterator[HandoffStore]:
    """The handoff store on a fresh database of `kind`, its connections closed afterwards."""
    with database_url(kind, directory) as url:
        store = HandoffStore.from_url(url)
        try:
            yield store
        finally:
            store.engine.dispose()


# the handoff modules that stamp what they write with `utcnow`
CLOCKED = (
    "handoff.queue",
    "handoff.callbacks",
    "handoff.staff_actions",
    "handoff.outbox",
    "handoff.audit",
)


def set_handoff_clock(monkeypatch, clock: Callable[[], dt.datetime]) -> None:
    """Every time the handoff store writes comes from `clock` (monkeypatch undoes it)."""
    for module in CLOCKED:
        monkeypatch.setattr(f"{module}.utcnow", clock)
