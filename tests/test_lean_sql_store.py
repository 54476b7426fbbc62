"""The lean SQL tracker store writes the rows Rasa's SQLTrackerStore writes and loads the
trackers it loads, on SQLite and PostgreSQL, without counting what is stored for a tracker it
loaded itself."""

import asyncio
import time

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from sqlalchemy import event as sqlalchemy_event

from tests.conftest import ROOT
from tests.databases import postgres_database
from tracker_stores.lean_sql import LeanSQLTrackerStore
from tracker_stores.sqlite import SQLiteTrackerStore


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(request, tmp_path, domain):
    """(ours, Rasa's) on two separate databases of the same kind."""
    if request.param == "sqlite":
        yield (
            SQLiteTrackerStore(domain=domain, db=str(tmp_path / "ours.db")),
            SQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "rasas.db")),
        )
        return
    with postgres_database() as ours_url, postgres_database() as rasas_url:
        made = []
        for url, kind in ((ours_url, LeanSQLTrackerStore), (rasas_url, SQLTrackerStore)):
            address, name = url.rsplit("/", 1)
            user_host = address.split("://", 1)[1]
            user, host_port = user_host.split("@")
            host, port = host_port.split(":")
            made.append(
                kind(
                    domain=domain,
                    dialect="postgresql",
                    url=host,
                    port=int(port),
                    username=user,
                    db=name,
                )
            )
        yield tuple(made)
        for store in made:
            store.engine.dispose()


def user(text, intent="ask_edss"):
    return UserUttered(text, intent={"name": intent, "confidence": 1.0})


def turn(text):
    return [
        user(text),
        SlotSet("last_topic", "edss"),
        BotUttered("an answer"),
        ActionExecuted("action_answer_question"),
        ActionExecuted("action_listen"),
    ]


def counting_queries(store):
    """How many statements asked the database to count events."""
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if "count(" in statement.lower():
            seen.append(statement)

    sqlalchemy_event.listen(store.engine, "before_cursor_execute", record)
    return seen


def stored(store, sender):
    with store.session_scope() as session:
        rows = session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender)
        return [(row.type_name, row.data) for row in rows.order_by(store.SQLEvent.id)]


SESSION_START = [
    ActionExecuted("action_session_start"),
    SessionStarted(),
    ActionExecuted("action_listen"),
]


def conversation(store, domain, sender, script):
    """A new conversation's first save, then a load-change-save per step, like turns."""
    first = DialogueStateTracker.from_events(sender, SESSION_START, slots=domain.slots)
    asyncio.run(store.save(first))
    for step in script:
        tracker = asyncio.run(store.retrieve(sender))
        for events in step:  # several saves of one loaded tracker in one turn
            for event in events:
                tracker.update(event)
            asyncio.run(store.save(tracker))
    return asyncio.run(store.retrieve(sender))


SCRIPTS = {
    "turns": [[turn("what is EDSS")], [turn("and the cost")], [turn("thanks")]],
    "two saves in a turn": [[turn("hi"), turn("again")], [turn("more")]],
    "a new session in a turn": [
        [turn("hi")],
        [
            [
                ActionExecuted("action_session_start"),
                SessionStarted(timestamp=time.time() + 1),
                ActionExecuted("action_listen"),
                *turn("back again"),
            ]
        ],
        [turn("and once more")],
    ],
    "a turn that adds nothing": [[turn("hi")], [[]], [turn("then this")]],
}


@pytest.mark.parametrize("script", SCRIPTS, ids=list(SCRIPTS))
def test_the_database_holds_what_rasas_store_writes(stores, domain, script):
    ours, rasas = stores
    ours_tracker = conversation(ours, domain, "p", SCRIPTS[script])
    rasas_tracker = conversation(rasas, domain, "p", SCRIPTS[script])
    assert stored(ours, "p") == stored(rasas, "p")
    assert ours_tracker.current_state() == rasas_tracker.current_state()


def test_a_second_save_after_a_new_session_adds_each_event_once(stores, domain):
    """Where Rasa's count goes wrong: once a turn's first save has stored a new session, the
    count covers only that session, so Rasa's second save writes the new session's events
    again. The remembered count adds only what came after."""
    ours, rasas = stores
    script = [
        [turn("hi")],
        [
            [ActionExecuted("action_session_start"), SessionStarted(timestamp=time.time() + 1)],
            turn("back again"),
        ],
    ]
    ours_tracker = conversation(ours, domain, "p", script)
    conversation(rasas, domain, "p", script)
    every_event = SESSION_START + turn("hi") + script[1][0] + turn("back again")
    assert [kind for kind, _ in stored(ours, "p")] == [e.type_name for e in every_event]
    assert len(stored(rasas, "p")) > len(every_event)  # if Rasa fixes this, drop the line
    assert ours.stored_event_count(ours_tracker) == len(ours_tracker.events)


def test_a_loaded_tracker_is_saved_without_counting_what_is_stored(stores, domain):
    ours, _ = stores
    conversation(ours, domain, "p", [[turn("hi")]])
    counts = counting_queries(ours)
    tracker = asyncio.run(ours.retrieve("p"))
    for event in turn("again"):
        tracker.update(event)
    asyncio.run(ours.save(tracker))
    assert counts == []
    # a tracker the store did not load is counted in the database, as Rasa does
    asyncio.run(ours.save(DialogueStateTracker.from_events("new", turn("x"), slots=domain.slots)))
    assert len(counts) == 1


def test_a_full_history_load_is_not_taken_for_the_stored_count(stores, domain):
    ours, _ = stores
    conversation(ours, domain, "p", SCRIPTS["a new session in a turn"])
    full = asyncio.run(ours.retrieve_full_tracker("p"))
    assert ours.stored_event_count(full) is None
    latest = asyncio.run(ours.retrieve("p"))
    assert ours.stored_event_count(latest) == len(latest.events) < len(full.events)


@pytest.mark.parametrize("script", SCRIPTS, ids=list(SCRIPTS))
def test_loading_gives_the_tracker_rasas_store_loads_from_the_same_rows(stores, domain, script):
    ours, rasas = stores
    conversation(rasas, domain, "p", SCRIPTS[script])
    # ours reads what Rasa's store wrote, in its database
    ours.engine, ours.sessionmaker = rasas.engine, rasas.sessionmaker
    for load in ("retrieve", "retrieve_full_tracker"):
        ours_tracker = asyncio.run(getattr(ours, load)("p"))
        rasas_tracker = asyncio.run(getattr(rasas, load)("p"))
        assert ours_tracker.current_state(EventVerbosity.ALL) == rasas_tracker.current_state(
            EventVerbosity.ALL
        )
    assert asyncio.run(ours.retrieve("nobody")) is None
