"""Server-side staff sessions in `staff_sessions`.

The browser holds a random token in an HttpOnly cookie; the database holds only its SHA-256, so
a copy of the database cannot be used to sign in. A session ends after `idle` without any request
or open inbox page, and in any case `absolute` after sign-in. `last_seen` doubles as presence:
the assistant offers a person only while some session was seen recently (HANDOFF_PRESENCE_SECONDS).
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Optional, Tuple

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Engine

from handoff.schema import staff, staff_sessions
from handoff.store import _aware, utcnow

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


class SessionStore:
    def __init__(self, engine: Engine, idle: dt.timedelta, absolute: dt.timedelta) -> None:
        self.engine = engine
        self.idle = idle
        self.absolute = absolute

    def create(self, staff_id: int) -> Tuple[str, StaffSession]:
        """A new session (and so a new token: no session fixation); returns the cookie value."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        with self.engine.begin() as connection:
            connection.execute(
                insert(staff_sessions).values(
                    token_hash=token_hash(token),
                    staff_id=staff_id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    last_seen=now,
                    expires_at=now + self.absolute,
                )
            )
        session = self.load(token)
        assert session is not None
        return token, session

    def load(self, token: Optional[str]) -> Optional[StaffSession]:
        """The live session for this cookie value: not expired, idle or of a disabled account."""
        if not token or len(token) > 200:
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
                )
                .join(staff, staff.c.id == staff_sessions.c.staff_id)
                .where(staff_sessions.c.token_hash == hashed)
                .where(staff_sessions.c.expires_at > now)
                .where(staff_sessions.c.last_seen > now - self.idle)
                .where(staff.c.disabled.is_(False))
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
            created_at=_aware(data["created_at"]),  # type: ignore[arg-type]
            last_seen=_aware(data["last_seen"]),  # type: ignore[arg-type]
            expires_at=_aware(data["expires_at"]),  # type: ignore[arg-type]
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
