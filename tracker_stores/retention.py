"""Retention in Rasa's SQL tracker store: old conversations go, kept ones lose callback details.

Used by `python -m inbox.retention`. Plain SQL on the `events` table Rasa's SQLTrackerStore
writes (one row per event: sender_id, type_name, timestamp, action_name, data as JSON), so it
runs without a model or a domain, on SQLite (endpoints.yml) and PostgreSQL (production).
- `delete`: every event of the given conversations.
- `scrub_callback_details`: the callback form's copies of a name and a phone number or e-mail
  (the slots, what the person typed while the form asked, and the assistant's "Thank you, …,
  we will get back to you at …"). The callback request in the handoff database is the one copy
  staff need; the tracker's copies are scrubbed once no open request needs them.
Rasa only appends events (it counts the stored ones, never rewrites them), so rewriting the
`data` of a stored event while the assistant runs is safe.
"""

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

import yaml
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url

from handoff.database import make_engine

ENV_REFERENCE = re.compile(r"\$\{(\w+)\}")  # ${VAR} in an endpoints file, as Rasa reads it
REMOVED = "[removed]"
CALLBACK_FORM = "callback_form"
CALLBACK_SLOTS = ("callback_name", "callback_contact")
CHUNK = 500  # ids per DELETE: well below every database's limit on bound parameters

# The columns of Rasa's SQLTrackerStore.SQLEvent this module uses (it never creates the table).
events = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("action_name", String(255)),
    Column("data", Text),
)


def _tracker_store_config(endpoints_file: str) -> Optional[Any]:
    """The file's tracker_store section with ${VARIABLES} filled in as Rasa fills them. Only
    that section: Rasa's reader expands the whole file, so retention would need every other
    service's secrets (the action server's token) just to find the database."""
    from rasa.utils.endpoints import EndpointConfig

    section = (yaml.safe_load(Path(endpoints_file).read_text()) or {}).get("tracker_store")
    if not section:
        return None
    expanded = {key: _expand(value) for key, value in section.items()}
    return EndpointConfig.from_dict(expanded)


def _expand(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    missing = [name for name in ENV_REFERENCE.findall(value) if name not in os.environ]
    if missing:
        raise ValueError(f"set the environment variables {missing} the endpoints file names")
    return ENV_REFERENCE.sub(lambda match: os.environ[match.group(1)], value)


def tracker_db_url(endpoints_file: str) -> Optional[str]:
    """The database the Rasa server started with `--endpoints endpoints_file` keeps
    conversations in, read the way Rasa reads it (environment variables filled in); None if it
    keeps them in memory only. Other stores (Redis, MongoDB, DynamoDB) are refused: retention
    would silently keep what it promises to delete."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.utils.common import class_from_module_path

    if not Path(endpoints_file).is_file():
        raise FileNotFoundError(f"no endpoints file '{endpoints_file}'")
    config = _tracker_store_config(endpoints_file)
    if config is None or config.type is None:
        return None
    if config.type.lower() != "sql":
        try:
            store_class = class_from_module_path(config.type)
        except (ImportError, AttributeError):
            store_class = None
        if not (isinstance(store_class, type) and issubclass(store_class, SQLTrackerStore)):
            raise ValueError(f"retention supports SQL tracker stores only, not '{config.type}'")
    options = config.kwargs
    port = options.get("port")
    url = SQLTrackerStore.get_db_url(
        options.get("dialect", "sqlite"),
        config.url,
        int(port) if port else None,
        options.get("db", "rasa.db"),
        options.get("username"),
        options.get("password"),
        query=options.get("query"),
    )
    return url if isinstance(url, str) else url.render_as_string(hide_password=False)


class TrackerRetention:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, db_url: str) -> Optional["TrackerRetention"]:
        """None when there is nothing to prune: no SQLite file or no events table yet."""
        url = make_url(db_url)
        if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
            return None
        engine = make_engine(db_url)
        if not inspect(engine).has_table(events.name):
            engine.dispose()
            return None
        return cls(engine)

    def idle_since(self, cutoff: dt.datetime) -> List[str]:
        """Conversations whose last event is older than `cutoff`."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(events.c.sender_id)
                .group_by(events.c.sender_id)
                .having(func.max(events.c.timestamp) < cutoff.timestamp())
            ).all()
        return [row[0] for row in rows]

    def delete(self, sender_ids: Sequence[str]) -> int:
        deleted = 0
        with self.engine.begin() as connection:
            for start in range(0, len(sender_ids), CHUNK):
                chunk = list(sender_ids[start : start + CHUNK])
                deleted += connection.execute(
                    delete(events).where(events.c.sender_id.in_(chunk))
                ).rowcount
        return deleted

    def with_callback_details(self) -> List[str]:
        """Conversations with a callback slot still holding a value."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(events.c.sender_id)
                .where(events.c.type_name == "slot")
                .where(events.c.action_name.in_(CALLBACK_SLOTS))  # Rasa stores the slot's name
                .where(events.c.data.not_like('%"value": null%'))  # json.dumps, as Rasa writes
                .distinct()
            ).all()
        return [row[0] for row in rows]

    def scrub_callback_details(self, sender_id: str, known: Iterable[str] = ()) -> bool:
        """Scrubs the conversation (see `scrubbed`); False, untouched, while the callback form
        is still asking (the person is answering it right now)."""
        with self.engine.begin() as connection:
            rows = connection.execute(
                select(events.c.id, events.c.data)
                .where(events.c.sender_id == sender_id)
                .order_by(events.c.id)
            ).all()
            stored = [json.loads(row.data or "{}") for row in rows]
            if form_active(stored):
                return False
            for row, before, after in zip(rows, stored, scrubbed(stored, known), strict=True):
                if after != before:
                    connection.execute(
                        update(events).where(events.c.id == row.id).values(data=json.dumps(after))
                    )
        return True


def form_active(stored: List[Dict[str, Any]]) -> bool:
    loops = [event for event in stored if event.get("event") == "active_loop"]
    return bool(loops) and loops[-1].get("name") == CALLBACK_FORM


def scrubbed(stored: List[Dict[str, Any]], known: Iterable[str] = ()) -> List[Dict[str, Any]]:
    """The events without the callback form's contact details:
    - the callback slots' values become null;
    - what the person typed while the form was active becomes "[removed]" (the answers, also
      the ones the form refused), its intent kept, its entities dropped;
    - every slot value and every `known` value (the stored request's name and contact) is
      replaced wherever else it appears as a whole word: the assistant's echo of it."""
    secrets = {str(value) for value in known if value}
    secrets |= {
        str(event["value"])
        for event in stored
        if event.get("event") == "slot"
        and event.get("name") in CALLBACK_SLOTS
        and event.get("value")
    }
    pattern = (
        re.compile(
            "|".join(
                rf"(?<!\w){re.escape(secret)}(?!\w)"
                for secret in sorted(secrets, key=len, reverse=True)  # longest first
            )
        )
        if secrets
        else None
    )
    result = []
    in_form = False
    for event in stored:
        kind = event.get("event")
        if kind == "active_loop":
            in_form = event.get("name") == CALLBACK_FORM
        if kind == "slot" and event.get("name") in CALLBACK_SLOTS:
            event = {**event, "value": None}
        elif kind == "user" and in_form:
            event = {**event, "text": REMOVED}
            if isinstance(event.get("parse_data"), dict):
                event["parse_data"] = {**event["parse_data"], "text": REMOVED, "entities": []}
        result.append(_replaced(event, pattern) if pattern else event)
    return result


def _replaced(value: Any, pattern: "re.Pattern[str]") -> Any:
    if isinstance(value, str):
        return pattern.sub(REMOVED, value)
    if isinstance(value, list):
        return [_replaced(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, pattern) for key, item in value.items()}
    return value
