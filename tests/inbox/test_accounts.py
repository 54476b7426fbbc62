"""Staff accounts: Argon2id hashes (never the password), the command line, disabling."""

import datetime as dt
import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from handoff.models import utcnow
from inbox import accounts
from inbox.accounts import (
    AccountError,
    create_account,
    find_account,
    get_account,
    list_accounts,
    set_disabled,
    set_password,
    set_role,
    verify_password,
)
from inbox.schema import staff
from inbox.sessions import SessionStore
from tests.databases import DATABASES, handoff_store

PASSWORD = "correct horse battery staple"
ADMIN = ["--role", "admin"]


@pytest.fixture(params=DATABASES)
def store(request, tmp_path):
    with handoff_store(request.param, tmp_path) as store:
        yield store


def stored_hash(store, staff_id):
    with store.engine.connect() as connection:
        return connection.execute(
            select(staff.c.password_hash).where(staff.c.id == staff_id)
        ).scalar_one()


def test_passwords_are_stored_as_argon2id_hashes_only(store):
    staff_id = create_account(store.engine, " Lee@Clinic.Example ", "  Nurse   Lee ", PASSWORD)
    hashed = stored_hash(store, staff_id)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert create_account(store.engine, "kim@clinic.example", "Kim", PASSWORD) != staff_id
    assert stored_hash(store, staff_id + 1) != hashed  # salted: the same password, another hash
    account = find_account(store.engine, "LEE@clinic.example")
    assert (account.email, account.name) == ("lee@clinic.example", "Nurse Lee")


def test_verifying_passwords(store):
    create_account(store.engine, "lee@clinic.example", "Lee", PASSWORD)
    assert verify_password(store.engine, "lee@clinic.example", PASSWORD).name == "Lee"
    assert verify_password(store.engine, "Lee@Clinic.example", PASSWORD) is not None
    assert verify_password(store.engine, "lee@clinic.example", PASSWORD + "!") is None
    assert verify_password(store.engine, "nobody@clinic.example", PASSWORD) is None
    assert verify_password(store.engine, "lee@clinic.example", "x" * 5000) is None
    set_disabled(store.engine, "lee@clinic.example", True)
    assert verify_password(store.engine, "lee@clinic.example", PASSWORD) is None


def test_weak_hashes_are_upgraded_at_sign_in(store):
    staff_id = create_account(store.engine, "lee@clinic.example", "Lee", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with store.engine.begin() as connection:
        connection.execute(staff.update().where(staff.c.id == staff_id).values(password_hash=weak))
    assert verify_password(store.engine, "lee@clinic.example", PASSWORD) is not None
    assert stored_hash(store, staff_id) != weak


def test_account_rules(store):
    with pytest.raises(AccountError, match="12 characters"):
        create_account(store.engine, "lee@clinic.example", "Lee", "short")
    with pytest.raises(AccountError, match="e-mail"):
        create_account(store.engine, "not-an-address", "Lee", PASSWORD)
    create_account(store.engine, "lee@clinic.example", "Lee", PASSWORD)
    with pytest.raises(AccountError, match="already exists"):
        create_account(store.engine, "LEE@clinic.example", "Lee again", PASSWORD)


def test_disabling_or_a_new_password_signs_the_account_out(store):
    staff_id = create_account(store.engine, "lee@clinic.example", "Lee", PASSWORD)
    sessions = SessionStore(store.engine, dt.timedelta(minutes=30), dt.timedelta(hours=12))
    token, _ = sessions.create(staff_id)
    assert sessions.load(token) is not None
    set_password(store.engine, "lee@clinic.example", "a brand new password")
    assert sessions.load(token) is None
    assert verify_password(store.engine, "lee@clinic.example", "a brand new password")
    token, _ = sessions.create(staff_id)
    set_disabled(store.engine, "lee@clinic.example", True)
    assert sessions.load(token) is None
    set_disabled(store.engine, "lee@clinic.example", False)
    assert verify_password(store.engine, "lee@clinic.example", "a brand new password")


def test_a_sign_in_with_the_old_password_still_under_way_gets_no_session(store):
    staff_id = create_account(store.engine, "lee@clinic.example", "Lee", PASSWORD)
    sessions = SessionStore(store.engine, dt.timedelta(minutes=30), dt.timedelta(hours=12))
    checked_at = utcnow()  # an attacker's check of the old password begins ...
    assert verify_password(store.engine, "lee@clinic.example", PASSWORD) is not None
    set_password(store.engine, "lee@clinic.example", "a brand new password")  # ... Lee changes it
    token, session = sessions.create(staff_id, checked_at)  # ... and the session comes after
    assert session is None and sessions.load(token) is None
    # a session from before the change is refused even if its row were still there
    with store.engine.begin() as connection:
        connection.execute(
            staff.update()
            .where(staff.c.id == staff_id)
            .values(password_changed_at=utcnow() + dt.timedelta(seconds=5))
        )
    token, session = sessions.create(staff_id)
    assert session is None
    with store.engine.begin() as connection:
        connection.execute(
            staff.update().where(staff.c.id == staff_id).values(password_changed_at=utcnow())
        )
    token, session = sessions.create(staff_id)  # signed in after the change: fine
    assert session is not None and sessions.load(token) is not None


def test_roles(store):
    staff_id = create_account(store.engine, "lee@clinic.example", "Lee", PASSWORD)
    assert find_account(store.engine, "lee@clinic.example").role == "staff"
    admin_id = create_account(store.engine, "ana@clinic.example", "Ana", PASSWORD, role="admin")
    assert get_account(store.engine, admin_id).is_admin
    with pytest.raises(AccountError, match="role"):
        create_account(store.engine, "kim@clinic.example", "Kim", PASSWORD, role="root")
    with pytest.raises(AccountError, match="role"):
        set_role(store.engine, "lee@clinic.example", "superuser")
    set_role(store.engine, "lee@clinic.example", "admin")
    assert get_account(store.engine, staff_id).is_admin


def test_the_command_line(store, monkeypatch, capsys):
    url = store.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("HANDOFF_DB_URL", url)
    monkeypatch.setenv("INBOX_NEW_PASSWORD", PASSWORD)
    assert accounts.main(["create", "--email", "lee@clinic.example", "--name", "Lee"]) == 0
    assert "Created account" in capsys.readouterr().out
    assert accounts.main(["create", "--email", "lee@clinic.example", "--name", "Lee"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert accounts.main(["list"]) == 0
    listing = capsys.readouterr().out
    assert "lee@clinic.example" in listing and "active" in listing and "$argon2" not in listing
    assert accounts.main(["disable", "--email", "lee@clinic.example"]) == 0
    assert [a.disabled for a in list_accounts(store.engine)] == [True]
    assert accounts.main(["enable", "--email", "lee@clinic.example"]) == 0
    monkeypatch.setenv("INBOX_NEW_PASSWORD", "another long password")
    assert accounts.main(["set-password", "--email", "lee@clinic.example"]) == 0
    assert verify_password(store.engine, "lee@clinic.example", "another long password")
    assert accounts.main(["disable", "--email", "nobody@clinic.example"]) == 1
    # admins: `make staff-account ... ROLE=admin`, or promoting an account
    assert accounts.main(["create", "--email", "ana@clinic.example", "--name", "Ana"] + ADMIN) == 0
    assert "(admin)" in capsys.readouterr().out
    assert find_account(store.engine, "ana@clinic.example").is_admin
    assert not find_account(store.engine, "lee@clinic.example").is_admin  # the default
    assert accounts.main(["set-role", "--email", "lee@clinic.example", "--role", "admin"]) == 0
    assert find_account(store.engine, "lee@clinic.example").is_admin
    accounts.main(["list"])
    assert re.search(r"lee@clinic\.example\s+Lee\s+admin\s+active", capsys.readouterr().out)
    with pytest.raises(SystemExit):  # argparse refuses an unknown role
        accounts.main(["set-role", "--email", "lee@clinic.example", "--role", "root"])


def test_the_command_line_asks_for_the_password_twice(store, monkeypatch):
    monkeypatch.setenv("HANDOFF_DB_URL", store.engine.url.render_as_string(hide_password=False))
    monkeypatch.delenv("INBOX_NEW_PASSWORD", raising=False)
    answers = iter([PASSWORD, PASSWORD + "typo"])
    monkeypatch.setattr(accounts.getpass, "getpass", lambda prompt: next(answers))
    assert accounts.main(["create", "--email", "lee@clinic.example", "--name", "Lee"]) == 1
    answers = iter([PASSWORD, PASSWORD])
    assert accounts.main(["create", "--email", "lee@clinic.example", "--name", "Lee"]) == 0
    assert verify_password(store.engine, "lee@clinic.example", PASSWORD)
