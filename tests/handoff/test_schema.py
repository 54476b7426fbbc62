"""A database created before a column was added keeps working: the column is added on start."""

import ast
import datetime as dt
import subprocess
import sys

import pytest
from sqlalchemy import Boolean, Column, DateTime, Integer, MetaData, String, Table, inspect

from handoff.database import make_engine
from handoff.store import HandoffStore
from inbox.accounts import create_account, find_account, set_role
from inbox.sessions import SessionStore
from tests.conftest import ROOT
from tests.databases import DATABASES, database_url

NEW_COLUMNS = {"role", "password_changed_at"}


def create_staff_table_before_roles(url: str) -> None:
    """`staff` as the first release created it (no role, no password_changed_at), with Lee."""
    legacy = MetaData()
    staff = Table(
        "staff",
        legacy,
        Column("id", Integer, primary_key=True),
        Column("email", String(254), nullable=False, unique=True),
        Column("name", String(120), nullable=False),
        Column("password_hash", String(255), nullable=False),
        Column("disabled", Boolean, nullable=False, default=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )
    engine = make_engine(url)
    try:
        legacy.create_all(engine)
        with engine.begin() as connection:
            connection.execute(
                staff.insert().values(
                    email="lee@clinic.example",
                    name="Lee",
                    password_hash="x",
                    disabled=False,
                    created_at=dt.datetime.now(dt.timezone.utc),
                )
            )
        assert not NEW_COLUMNS & {c["name"] for c in inspect(engine).get_columns("staff")}
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_an_existing_database_gets_the_new_columns(kind, tmp_path):
    with database_url(kind, tmp_path) as url:
        create_staff_table_before_roles(url)
        for _ in range(2):  # every start adds what is missing, and only that
            store = HandoffStore.from_url(url)
            columns = {c["name"] for c in inspect(store.engine).get_columns("staff")}
            assert NEW_COLUMNS <= columns
            store.engine.dispose()

        store = HandoffStore.from_url(url)
        try:
            lee = find_account(store.engine, "lee@clinic.example")
            assert (lee.role, lee.is_admin) == ("staff", False)  # existing rows: ordinary staff
            sessions = SessionStore(store.engine, dt.timedelta(minutes=5), dt.timedelta(hours=1))
            token, session = sessions.create(lee.id)
            assert session is not None and sessions.load(token).role == "staff"
            set_role(store.engine, "lee@clinic.example", "admin")
            assert sessions.load(token).is_admin  # the role is read at each request
            create_account(store.engine, "kim@clinic.example", "Kim", "a long test password")
            assert find_account(store.engine, "kim@clinic.example").role == "staff"
        finally:
            store.engine.dispose()


def test_a_new_process_creates_the_inbox_tables_with_the_queue(tmp_path):
    """The staff tables are the inbox's (inbox/schema.py): a process that never imports the inbox,
    like the action server, still creates them, since the queue's tables refer to them."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from sqlalchemy import inspect; from handoff.database import open_database"
            "; print(sorted(inspect(open_database(sys.argv[1])).get_table_names()))",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    tables = set(ast.literal_eval(shown.stdout.strip()))
    assert {"staff", "staff_sessions", "sign_in_attempts", "canned_replies"} <= tables
    assert {"handoffs", "handoff_messages", "callback_requests", "audit_log"} <= tables
