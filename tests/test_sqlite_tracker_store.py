"""The SQLite tracker store keeps conversations like Rasa's, in WAL mode."""

import asyncio

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from addons.rasa_patches import RasaPatchError
from tests.conftest import ROOT
from tracker_stores.sqlite import SQLiteTrackerStore


@pytest.fixture
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


def test_turns_survive_a_new_store_on_the_same_file(tmp_path, domain):
    path = tmp_path / "conversations.db"
    store = SQLiteTrackerStore(domain=domain, db=str(path))
    tracker = DialogueStateTracker.from_events(
        "person",
        [
            ActionExecuted("action_listen"),
            UserUttered("what is EDSS", intent={"name": "ask_edss", "confidence": 1.0}),
            SlotSet("last_topic", "edss"),
        ],
        slots=domain.slots,
    )
    asyncio.run(store.save(tracker))

    reopened = SQLiteTrackerStore(domain=domain, db=str(path))
    restored = asyncio.run(reopened.retrieve("person"))
    assert [e.as_dict()["event"] for e in restored.events] == ["action", "user", "slot"]
    assert restored.get_slot("last_topic") == "edss"


def test_the_database_is_in_wal_mode(tmp_path, domain):
    store = SQLiteTrackerStore(domain=domain, db=str(tmp_path / "c.db"))
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_other_dialects_are_refused(domain):
    with pytest.raises(ValueError):
        SQLiteTrackerStore(domain=domain, dialect="postgresql")


def test_a_rasa_that_renamed_the_replaced_attributes_is_refused(tmp_path, domain, monkeypatch):
    """The store replaces Rasa's engine and sessionmaker: if Rasa kept its sessions under
    another name, ours would be ignored silently (no WAL) — so it refuses instead."""
    rasa_init = SQLTrackerStore.__init__

    def renamed(self, *args, **kwargs):
        rasa_init(self, *args, **kwargs)
        self._sessionmaker = self.__dict__.pop("sessionmaker")

    monkeypatch.setattr(SQLTrackerStore, "__init__", renamed)
    with pytest.raises(RasaPatchError, match="SQLiteTrackerStore relies on sessionmaker"):
        SQLiteTrackerStore(domain=domain, db=str(tmp_path / "c.db"))
