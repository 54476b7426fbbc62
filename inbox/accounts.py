"""Staff accounts: e-mail, name, role and an Argon2id password hash (never the password).

    python -m inbox.accounts create --email lee@clinic.example --name "Lee"   # asks for a password
    python -m inbox.accounts create --email ana@clinic.example --name "Ana" --role admin
    INBOX_NEW_PASSWORD=... python -m inbox.accounts create --email ... --name ...
    python -m inbox.accounts list
    python -m inbox.accounts set-role --email lee@clinic.example --role admin
    python -m inbox.accounts disable --email lee@clinic.example   # also signs them out
    python -m inbox.accounts enable --email lee@clinic.example
    python -m inbox.accounts set-password --email lee@clinic.example

The database is HANDOFF_DB_URL, the one the inbox and the action server use.
"""

import argparse
import getpass
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from handoff.models import utcnow
from inbox.schema import staff, staff_sessions

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# staff answer people; a curator also reads the curators' reports (what the assistant could
# not answer, per-item feedback) and the evaluation page; an admin can do everything, and
# manages accounts, canned replies and reads the audit log
ROLES = ("staff", "curator", "admin")
_hasher = PasswordHasher()  # Argon2id with the library's recommended parameters


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so that takes as long as a wrong password."""
    return _hasher.hash("not a real password, only for timing")


class AccountError(ValueError):
    """A request about accounts that cannot be done (shown to the operator as is)."""


@dataclass(frozen=True)
class StaffAccount:
    id: int
    email: str
    name: str
    disabled: bool
    password_hash: str
    role: str = "staff"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_curator(self) -> bool:
        return self.role in ("curator", "admin")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError("the password is too long")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _account(row) -> StaffAccount:
    return StaffAccount(
        id=row.id,
        email=row.email,
        name=row.name,
        disabled=bool(row.disabled),
        password_hash=row.password_hash,
        role=row.role,
    )


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"the role must be one of: {', '.join(ROLES)}")
    return role


def create_account(
    engine: Engine, email: str, name: str, password: str, role: str = "staff"
) -> int:
    email, name = normalise_email(email), " ".join(name.split())
    check_role(role)
    if "@" not in email or len(email) > 254:
        raise AccountError("that does not look like an e-mail address")
    if not 1 <= len(name) <= 120:
        raise AccountError("the name must be 1 to 120 characters")
    check_password_rules(password)
    try:
        with engine.begin() as connection:
            return int(
                connection.execute(
                    insert(staff).values(
                        email=email,
                        name=name,
                        password_hash=hash_password(password),
                        disabled=False,
                        role=role,
                        created_at=utcnow(),
                    )
                ).inserted_primary_key[0]
            )
    except IntegrityError as exists:
        raise AccountError(f"an account for {email} already exists") from exists


def find_account(engine: Engine, email: str) -> Optional[StaffAccount]:
    with engine.connect() as connection:
        row = connection.execute(
            select(staff).where(func.lower(staff.c.email) == normalise_email(email))
        ).first()
    return _account(row) if row else None


def get_account(engine: Engine, staff_id: int) -> Optional[StaffAccount]:
    with engine.connect() as connection:
        row = connection.execute(select(staff).where(staff.c.id == staff_id)).first()
    return _account(row) if row else None


def list_accounts(engine: Engine) -> List[StaffAccount]:
    with engine.connect() as connection:
        return [_account(r) for r in connection.execute(select(staff).order_by(staff.c.id))]


def staff_names(engine: Engine) -> Dict[int, str]:
    with engine.connect() as connection:
        return {r.id: r.name for r in connection.execute(select(staff.c.id, staff.c.name))}


def verify_password(engine: Engine, email: str, password: str) -> Optional[StaffAccount]:
    """The enabled account with this e-mail and password, or None. Upgrades an old hash."""
    account = find_account(engine, email)
    if len(password) > MAX_PASSWORD_LENGTH:
        return None
    try:
        _hasher.verify(account.password_hash if account else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or account.disabled:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        _set_hash(engine, account.id, hash_password(password))
    return account


def set_password(engine: Engine, email: str, password: str) -> None:
    """A new password; every session signed in before it ends, also one whose sign-in (with the
    old password) was still under way (inbox/sessions.py compares with `password_changed_at`)."""
    check_password_rules(password)
    account = find_account(engine, email)
    if account is None:
        raise AccountError(f"no account for {normalise_email(email)}")
    with engine.begin() as connection:
        connection.execute(
            update(staff)
            .where(staff.c.id == account.id)
            .values(password_hash=hash_password(password), password_changed_at=utcnow())
        )
    _sign_out_everywhere(engine, account.id)


def set_role(engine: Engine, email: str, role: str) -> None:
    """Takes effect at the account's next request: sessions read the role from the account."""
    check_role(role)
    account = find_account(engine, email)
    if account is None:
        raise AccountError(f"no account for {normalise_email(email)}")
    with engine.begin() as connection:
        connection.execute(update(staff).where(staff.c.id == account.id).values(role=role))


def set_disabled(engine: Engine, email: str, disabled: bool) -> None:
    account = find_account(engine, email)
    if account is None:
        raise AccountError(f"no account for {normalise_email(email)}")
    with engine.begin() as connection:
        connection.execute(update(staff).where(staff.c.id == account.id).values(disabled=disabled))
    if disabled:
        _sign_out_everywhere(engine, account.id)


def _set_hash(engine: Engine, staff_id: int, password_hash: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(staff).where(staff.c.id == staff_id).values(password_hash=password_hash)
        )


def _sign_out_everywhere(engine: Engine, staff_id: int) -> None:
    with engine.begin() as connection:
        connection.execute(delete(staff_sessions).where(staff_sessions.c.staff_id == staff_id))


# --- command line -------------------------------------------------------------------------
def _read_password() -> str:
    from_env = os.environ.get("INBOX_NEW_PASSWORD")
    if from_env:
        return from_env
    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("Same password again: ") != first:
        raise AccountError("the passwords differ")
    return first


def main(argv: Optional[Sequence[str]] = None) -> int:
    from handoff.database import open_database
    from handoff.settings import HandoffSettings

    parser = argparse.ArgumentParser(
        prog="python -m inbox.accounts",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="add a staff account")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=ROLES, default="staff")
    commands.add_parser("list", help="list staff accounts")
    set_role_command = commands.add_parser(
        "set-role", help="make an account staff, curator or admin"
    )
    set_role_command.add_argument("--email", required=True)
    set_role_command.add_argument("--role", choices=ROLES, required=True)
    for name, text in (
        ("disable", "disable an account and sign it out"),
        ("enable", "enable a disabled account"),
        ("set-password", "set a new password and sign the account out"),
    ):
        commands.add_parser(name, help=text).add_argument("--email", required=True)
    args = parser.parse_args(argv)

    engine = open_database(HandoffSettings().db_url)
    try:
        if args.command == "create":
            staff_id = create_account(engine, args.email, args.name, _read_password(), args.role)
            print(f"Created account {staff_id} for {normalise_email(args.email)} ({args.role}).")
        elif args.command == "list":
            for account in list_accounts(engine):
                state = "disabled" if account.disabled else "active"
                print(
                    f"{account.id:>4}  {account.email:<40} {account.name:<30} "
                    f"{account.role:<6} {state}"
                )
        elif args.command == "set-role":
            set_role(engine, args.email, args.role)
            print(f"{normalise_email(args.email)}: now {args.role}.")
        elif args.command in ("disable", "enable"):
            set_disabled(engine, args.email, args.command == "disable")
            print(f"{normalise_email(args.email)}: {args.command}d.")
        elif args.command == "set-password":
            set_password(engine, args.email, _read_password())
            print(f"{normalise_email(args.email)}: new password set; signed out everywhere.")
    except AccountError as problem:
        print(f"Error: {problem}.", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
