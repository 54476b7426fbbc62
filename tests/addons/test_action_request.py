"""Action calls carry the events from the person's latest message on, and otherwise exactly
Rasa's request; the actions read nothing older than that."""

import ast
from pathlib import Path

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from rasa_sdk import Tracker

from addons import rasa_patches
from tests.conftest import ROOT

# What the actions may read of a rasa-sdk Tracker: state Rasa sends whole (slots, the latest
# message, the active loop) and helpers that look back no further than the latest message.
# Reading `events` or an older event would need the whole conversation: change the patch
# (addons/action_request.py) before adding such a read here.
ALLOWED_TRACKER_READS = {
    "get_slot",
    "sender_id",
    "latest_message",
    "get_latest_input_channel",
    "get_latest_entity_values",
    "get_intent_of_latest_message",
    "slots_to_validate",
    "active_loop",
    "active_loop_or_name",
    "latest_action_name",
    "slots",
    "current_slot_values",
}


@pytest.fixture(autouse=True)
def patched():
    rasa_patches.apply()


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


def user(text):
    return UserUttered(
        text,
        intent={"name": "ask_edss", "confidence": 1.0},
        parse_data={
            "intent": {"name": "ask_edss", "confidence": 1.0},
            "entities": [],
            "text": text,
            "item_ranking": [{"id": "x"}],
        },
    )


def conversation(domain, turns, tail=()):
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
    ]
    for number in range(turns):
        events += [
            user(f"question {number}"),
            ActionExecuted("action_answer_question"),
            BotUttered(f"answer {number}"),
            SlotSet("last_topic", "edss"),
            ActionExecuted("action_listen"),
        ]
    events += [user("the latest question"), *tail]
    return DialogueStateTracker.from_events("person", events, slots=domain.slots)


def both(domain, tracker):
    action = RemoteAction("action_answer_question", EndpointConfig("http://localhost:1"))
    ours = action._action_call_format(tracker, domain)
    rasas = rasa_patches.original("action request from the latest message")(action, tracker, domain)
    return ours, rasas


@pytest.mark.parametrize("turns", [0, 1, 9])
def test_the_request_is_rasas_with_the_events_from_the_latest_message_on(domain, turns):
    tail = [ActionExecuted("action_extract_slots"), SlotSet("contact_name", "Sam")]
    ours, rasas = both(domain, conversation(domain, turns, tail))
    all_events = rasas["tracker"].pop("events")
    sent = ours["tracker"].pop("events")
    assert ours == rasas  # slots, latest message, active loop, domain rules: all Rasa's
    assert sent == all_events[-3:]  # the latest message, then what came after it
    assert sent[0]["event"] == "user" and sent[0]["text"] == "the latest question"
    assert len(all_events) == 4 + 5 * turns + 2


def test_without_a_message_the_events_are_sent_whole(domain):
    tracker = DialogueStateTracker.from_events(
        "person", [ActionExecuted("action_session_start"), SessionStarted()], slots=domain.slots
    )
    ours, rasas = both(domain, tracker)
    assert ours == rasas


def test_rasa_sdk_reads_the_same_from_the_shorter_request(domain):
    tail = [
        ActionExecuted("action_extract_slots"),
        SlotSet("contact_name", "Sam"),
        SlotSet("contact_detail", "a way to reach me"),
    ]
    ours, rasas = both(domain, conversation(domain, 5, tail))
    short, whole = Tracker.from_dict(ours["tracker"]), Tracker.from_dict(rasas["tracker"])
    for read in ("slots_to_validate", "get_latest_input_channel", "get_intent_of_latest_message"):
        assert getattr(short, read)() == getattr(whole, read)()
    assert short.latest_message == whole.latest_message
    assert short.current_slot_values() == whole.current_slot_values()
    assert short.slots_to_validate() == {
        "contact_name": "Sam",
        "contact_detail": "a way to reach me",
    }


def tracker_reads(path: Path):
    """(attribute, line) for every `tracker.<attribute>` in a module."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "tracker":
                yield node.attr, node.lineno


def test_the_actions_read_nothing_older_than_the_latest_message():
    modules = sorted((ROOT / "actions").glob("*.py"))
    reads = {(path.name, attr, line) for path in modules for attr, line in tracker_reads(path)}
    assert {attr for _, attr, _ in reads} >= {"get_slot", "latest_message"}  # the check sees them
    older = sorted(read for read in reads if read[1] not in ALLOWED_TRACKER_READS)
    assert not older, f"actions read more of the tracker than the request carries: {older}"


def test_the_check_catches_a_read_of_the_events(tmp_path):
    module = tmp_path / "action.py"
    module.write_text("def run(tracker):\n    return tracker.events[-5]\n")
    assert ("events", 2) in set(tracker_reads(module))
