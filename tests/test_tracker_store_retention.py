"""Retention in Rasa's SQL tracker store: where it finds the database, and what a scrub keeps."""

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from tests.conftest import ROOT
from tracker_stores.retention import (
    REMOVED,
    TrackerRetention,
    form_active,
    scrubbed,
    tracker_db_url,
)
from tracker_stores.sqlite import SQLiteTrackerStore


def user(text, intent="inform"):
    return UserUttered(text, intent={"name": intent, "confidence": 1.0})


def callback_form(name="Sam Jones", contact="07700 900123", finished=True):
    """The callback form as Rasa records it: a refused answer first, then name and contact."""
    events = [
        user("what is EDSS", "ask_edss"),
        BotUttered("EDSS is a scale ...", metadata={"utter_action": "utter_answer"}),
        user("yes", "affirm"),
        ActionExecuted("callback_form"),
        ActiveLoop("callback_form"),
        SlotSet("requested_slot", "callback_name"),
        BotUttered("What name should we ask for?"),
        user(name),
        SlotSet("callback_name", name),
        SlotSet("requested_slot", "callback_contact"),
        user("ring me at home"),
        SlotSet("callback_contact", None),
        BotUttered("Sorry, that doesn't look like a phone number"),
        user(f"it is {contact}"),
        SlotSet("callback_contact", contact),
    ]
    if finished:
        events += [
            SlotSet("requested_slot", None),
            ActiveLoop(None),
            BotUttered(f"Thank you, {name}. We will get back to you at {contact} soon."),
            SlotSet("callback_name", None),
            SlotSet("callback_contact", None),
            user("thanks, and what about HSCT?", "ask_hsct"),
        ]
    return [event.as_dict() for event in events]


def test_a_scrub_removes_the_callback_details_and_keeps_the_rest():
    events = callback_form()
    after = scrubbed(events)
    text = str(after)
    assert "Sam Jones" not in text and "07700 900123" not in text
    assert "ring me at home" not in text  # refused answers are the person's words too
    by_text = [event.get("text") for event in after]
    assert "what is EDSS" in by_text and "thanks, and what about HSCT?" in by_text
    assert f"Thank you, {REMOVED}. We will get back to you at {REMOVED} soon." in by_text
    slots = [e["value"] for e in after if e["event"] == "slot" and e["name"].startswith("callback")]
    assert slots and all(value is None for value in slots)
    answers = [e for e in after if e["event"] == "user" and e["text"] == REMOVED]
    assert len(answers) == 3
    assert all(e["parse_data"]["intent"]["name"] == "inform" for e in answers)
    assert len(after) == len(events)
    # a name seen only in the stored request (the person typed it elsewhere) goes too
    assert "Robin" not in str(scrubbed([user("I am Robin, hi", "greet").as_dict()], ["Robin"]))
    # whole words only: a name inside another word stays
    assert scrubbed([user("Alfie is here").as_dict()], ["Al"])[0]["text"] == "Alfie is here"


def test_a_form_still_asking_is_not_touched(tmp_path):
    assert form_active(callback_form(finished=False))
    assert not form_active(callback_form())
    domain = Domain.load(str(ROOT / "domain.yml"))
    path = tmp_path / "conversations.db"
    rasa_store = SQLiteTrackerStore(domain=domain, db=str(path))
    for sender, finished in (("asking", False), ("done", True)):
        events = callback_form(finished=finished)
        asyncio.run(rasa_store.save(DialogueStateTracker.from_dict(sender, events, domain.slots)))
    retention = TrackerRetention.from_url(f"sqlite:///{path}")
    assert retention is not None
    assert sorted(retention.with_callback_details()) == ["asking", "done"]
    assert retention.scrub_callback_details("asking") is False
    assert retention.scrub_callback_details("done") is True
    assert retention.with_callback_details() == ["asking"]
    kept = asyncio.run(rasa_store.retrieve("asking"))
    assert kept.get_slot("callback_name") == "Sam Jones"
    retention.engine.dispose()


def test_the_tracker_database_is_the_one_the_endpoints_file_names(tmp_path, monkeypatch):
    assert tracker_db_url(str(ROOT / "endpoints.yml")) == "sqlite:///var/conversations.db"
    for name, value in {
        "TRACKER_DB_HOST": "db.internal",
        "TRACKER_DB_PORT": "5432",
        "TRACKER_DB_NAME": "rasa",
        "TRACKER_DB_USER": "rasa",
        "TRACKER_DB_PASSWORD": "p@ss",
        "ACTION_SERVER_URL": "http://actions:5055/webhook",
        "REDIS_HOST": "redis",
        "REDIS_PORT": "6379",
        "REDIS_DB": "0",
        "REDIS_PASSWORD": "",
    }.items():
        monkeypatch.setenv(name, value)
    production = tracker_db_url(str(ROOT / "endpoints.production.yml"))
    assert production == "postgresql://rasa:p%40ss@db.internal:5432/rasa"

    in_memory = tmp_path / "in_memory.yml"
    in_memory.write_text("action_endpoint:\n  url: http://localhost:5055/webhook\n")
    assert tracker_db_url(str(in_memory)) is None
    redis = tmp_path / "redis.yml"
    redis.write_text("tracker_store:\n  type: redis\n  url: localhost\n")
    with pytest.raises(ValueError, match="SQL tracker stores only"):
        tracker_db_url(str(redis))
    with pytest.raises(FileNotFoundError):
        tracker_db_url(str(tmp_path / "missing.yml"))


def test_retention_needs_only_the_tracker_stores_variables(monkeypatch):
    # the endpoints files also name the action server's token, which retention never uses
    monkeypatch.delenv("ACTION_SERVER_TOKEN", raising=False)
    assert tracker_db_url(str(ROOT / "endpoints.yml")) == "sqlite:///var/conversations.db"
    monkeypatch.delenv("TRACKER_DB_HOST", raising=False)
    with pytest.raises(ValueError, match="TRACKER_DB_HOST"):
        tracker_db_url(str(ROOT / "endpoints.production.yml"))


def test_no_database_yet_means_nothing_to_prune(tmp_path):
    assert TrackerRetention.from_url(f"sqlite:///{tmp_path / 'none.db'}") is None
    assert not (tmp_path / "none.db").exists()  # and none was created
