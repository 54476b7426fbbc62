"""Saved replies ("canned replies"): answers staff insert into the reply box and edit before
sending. Admins add, edit and delete them (inbox/views/canned_replies.py); the texts are the
centre's content, kept in the database (table `canned_replies`, inbox/schema.py), never in
code.
"""

import datetime as dt
from dataclasses import dataclass
from typing import List, Optional

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine

from handoff.models import utcnow
from inbox.schema import canned_replies

MAX_TITLE = 120
MAX_BODY = 2000  # half a staff reply (conversation.py MAX_REPLY): room to add to it


@dataclass(frozen=True)
class CannedReply:
    id: int
    title: str
    body: str
    updated_by: Optional[int]
    updated_at: dt.datetime


def problem_with(title: str, body: str) -> Optional[str]:
    """Why a saved reply cannot be stored as written (a code the page explains), or None."""
    if not title:
        return "no_title"
    if len(title) > MAX_TITLE:
        return "title_too_long"
    if not body:
        return "no_body"
    if len(body) > MAX_BODY:
        return "body_too_long"
    return None


def _reply(row: object) -> CannedReply:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    if values["updated_at"].tzinfo is None:  # SQLite hands back naive UTC
        values["updated_at"] = values["updated_at"].replace(tzinfo=dt.timezone.utc)
    return CannedReply(**values)


def list_replies(engine: Engine) -> List[CannedReply]:
    """Every saved reply, by title: the order staff look them up in."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(canned_replies).order_by(canned_replies.c.title, canned_replies.c.id)
        ).all()
    return [_reply(row) for row in rows]


def get_reply(engine: Engine, reply_id: int) -> Optional[CannedReply]:
    with engine.connect() as connection:
        row = connection.execute(
            select(canned_replies).where(canned_replies.c.id == reply_id)
        ).first()
    return _reply(row) if row else None


def add_reply(engine: Engine, title: str, body: str, staff_id: int) -> int:
    with engine.begin() as connection:
        result = connection.execute(
            insert(canned_replies).values(
                title=title, body=body, updated_by=staff_id, updated_at=utcnow()
            )
        )
    return int(result.inserted_primary_key[0])


def update_reply(engine: Engine, reply_id: int, title: str, body: str, staff_id: int) -> bool:
    """False if the reply no longer exists (another admin deleted it)."""
    with engine.begin() as connection:
        result = connection.execute(
            update(canned_replies)
            .where(canned_replies.c.id == reply_id)
            .values(title=title, body=body, updated_by=staff_id, updated_at=utcnow())
        )
    return bool(result.rowcount)


def delete_reply(engine: Engine, reply_id: int) -> bool:
    with engine.begin() as connection:
        result = connection.execute(delete(canned_replies).where(canned_replies.c.id == reply_id))
    return bool(result.rowcount)
