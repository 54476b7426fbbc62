"""Server-side staff sessions in `staff_sessions`.

The browser holds a random token in an HttpOnly cookie; the database holds only its SHA-256, so
a copy of the database cannot be used to sign in. A session ends after `idle` without any request
or open inbox page, and in any case `absolute` after sign-in, or when the account's password
changes. `last_seen` doubles as presence: the assistant offers a person only while some session was
seen recently (HANDOFF_PRESENCE_SECONDS).
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Optional, Tuple

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.engine import Engine

from handoff.models import aware, utcnow
from inbox.schema import staff, staff_sessions

COOKIE_NAME = "inbox_session"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StaffSession:
    token_hash: str
    staff_id: int
    staff_name: str
    staff_email: str
    csrf_token: str
    created_at: dt.datetime
    last_seen: dt.datetime
    expires_at: dt.datetime
    role: str = "staff"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_curator(self) -> bool:
        return self.role in ("curator", "admin")


def staff_signed_in(engine: Engine, within_seconds: int, now: Optional[dt.datetime] = None) -> bool:
    """Presence: some enabled staff member's session was seen in the last `within_seconds`."""
    now = now or utcnow()
    since = now - dt.timedelta(seconds=within_seconds)
    with engine.connect() as connection:
        count = connection.execute(
            select(func.count())
            .select_from(staff_sessions)
            .join(staff, staff.c.id == staff_sessions.c.staff_id)
            .where(staff_sessions.c.last_seen >= since)
            .where(staff_sessions.c.expires_at > now)
            .where(staff.c.disabled.is_(False))
        ).scalar_one()
    return count > 0


class SessionStore:
    def __init__(self, engine: Engine, idle: dt.timedelta, absolute: dt.timedelta) -> None:
        self.engine = engine
        self.idle = idle
        self.absolute = absolute

    def create(
        self, staff_id: int, authenticated_at: Optional[dt.datetime] = None
    ) -> Tuple[str, Optional[StaffSession]]:
        """A new session (and so a new token: no session fixation); returns the cookie value and
        the session. `authenticated_at` is when the password check began: if the password changed
        since, the session is None (it was signed in with the old one)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.engine.begin() as connection:
            connection.execute(
                insert(staff_sessions).values(
                    token_hash=token_hash(token),
                    staff_id=staff_id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=authenticated_at or now,
                    last_seen=now,
                    expires_at=now + self.absolute,
                )
            )
        session = self.load(token)
        if session is None:
            with self.engine.begin() as connection:
                connection.execute(
                    delete(staff_sessions).where(staff_sessions.c.token_hash == token_hash(token))
                )
        return token, session

    def load(self, token: Optional[str]) -> Optional[StaffSession]:
        """The live session for this cookie value: not expired, idle or of a disabled account."""
        if not token or len(token) > 200 or not token.isascii():
            return None
        return self._load_hash(token_hash(token))

    def _load_hash(self, hashed: str) -> Optional[StaffSession]:
        now = utcnow()
        with self.engine.connect() as connection:
            row = connection.execute(
                select(
                    staff_sessions,
                    staff.c.name.label("staff_name"),
                    staff.c.email.label("staff_email"),
                    staff.c.role,
                )
                .join(staff, staff.c.id == staff_sessions.c.staff_id)
                .where(staff_sessions.c.token_hash == hashed)
                .where(staff_sessions.c.expires_at > now)
                .where(staff_sessions.c.last_seen > now - self.idle)
                .where(staff.c.disabled.is_(False))
                .where(
                    or_(
                        staff.c.password_changed_at.is_(None),
                        staff_sessions.c.created_at >= staff.c.password_changed_at,
                    )
                )
            ).first()
        if row is None:
            return None
        data = row._mapping
        return StaffSession(
            token_hash=data["token_hash"],
            staff_id=data["staff_id"],
            staff_name=data["staff_name"],
            staff_email=data["staff_email"],
            csrf_token=data["csrf_token"],
            created_at=aware(data["created_at"]),  # type: ignore[arg-type]
            last_seen=aware(data["last_seen"]),  # type: ignore[arg-type]
            expires_at=aware(data["expires_at"]),  # type: ignore[arg-type]
            role=data["role"],
        )

    def touch(self, session: StaffSession) -> bool:
        """Marks the session seen now (the staff member is present); False if it has ended."""
        if self._load_hash(session.token_hash) is None:
            return False
        with self.engine.begin() as connection:
            connection.execute(
                update(staff_sessions)
                .where(staff_sessions.c.token_hash == session.token_hash)
                .values(last_seen=utcnow())
            )
        return True

    def delete(self, session: StaffSession) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(staff_sessions).where(staff_sessions.c.token_hash == session.token_hash)
            )

    def delete_expired(self) -> int:
        now = utcnow()
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(staff_sessions).where(
                    or_(
                        staff_sessions.c.expires_at <= now,
                        staff_sessions.c.last_seen <= now - self.idle,
                    )
                )
            )
        return int(result.rowcount)
