"""The real assistant (action server + Rasa server) with the staff inbox, for end-to-end tests:
one Stack per test module, its own handoff database, production inbox settings."""

import secrets
from pathlib import Path
from typing import Optional

from devtools.serve import Stack
from tests.inbox.conftest import inbox_env
from tests.integration.conftest import free_port, make_stack


def assistant_with_inbox(
    directory: Path, db_url: str, hours: str = "always", web: bool = False, **inbox_extra: str
) -> Stack:
    stack = make_stack(directory)
    stack.token = secrets.token_urlsafe(24)  # a real token: the inbox runs in production mode
    stack.extra_env |= {"HANDOFF_DB_URL": db_url, "HANDOFF_HOURS": hours}
    stack.inbox_port = free_port()
    stack.inbox_env = inbox_env(db_url, stack.rasa_url, stack.token, **inbox_extra)
    if web:
        stack.web_port = free_port()
    return stack


def bot_texts(events) -> list:
    return [e.get("text") for e in events if e["event"] == "bot"]


def slot_value(events, name: str) -> Optional[object]:
    value = None
    for event in events:
        if event["event"] == "slot" and event["name"] == name:
            value = event["value"]
    return value


def custom_types(replies) -> list:
    return [(r.get("custom") or {}).get("type") for r in replies]
