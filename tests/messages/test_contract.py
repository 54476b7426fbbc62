"""The message contract: payload names in one place, and one choice of what a person saw."""

import re
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from channels.webchat import conversation_history
from inbox.transcript import transcript
from messages.contract import (
    EVIDENCE_ANSWER,
    PAYLOAD_TYPES,
    STAFF_MESSAGE,
    bot_message,
    custom_type,
    is_external,
    visible_messages,
)

ROOT = Path(__file__).resolve().parents[2]
# the modules that used to keep their own copy of the names
READERS = [
    "actions/rendering.py",
    "actions/handoff.py",
    "inbox/transcript.py",
    "channels/voice_twiml.py",
    "curation/conversations.py",
    "widget/src/render.js",
]


def test_one_payload_carries_text_buttons_and_custom():
    payload = bot_message(
        {
            "text": "Answer.\n\nSources: X",
            "buttons": [{"title": "Cost", "payload": "/ask_cost_insurance"}],
            "custom": {"type": "evidence_answer"},
            "utter_action": "utter_evidence_answer",
        }
    )
    assert payload == {
        "text": "Answer.\n\nSources: X",
        "quick_replies": [
            {"content_type": "text", "title": "Cost", "payload": "/ask_cost_insurance"}
        ],
        "custom": {"type": "evidence_answer"},
    }
    assert bot_message({"text": None, "buttons": []}) == {}


def test_every_custom_type_in_the_domain_is_a_named_payload_type():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    used = {
        variation["custom"]["type"]
        for variations in domain["responses"].values()
        for variation in variations
        if isinstance(variation.get("custom"), dict)
    }
    assert used, "the domain sends custom payloads"
    assert used <= set(PAYLOAD_TYPES.values())


def test_no_reader_keeps_its_own_copy_of_a_payload_type():
    for path in READERS:
        text = (ROOT / path).read_text(encoding="utf-8")
        for kind in PAYLOAD_TYPES.values():
            # a name given or compared, not a same-named phrase key (lexicon.phrase("transfer"))
            copy = rf"(=|:)\s*[\"']{kind}[\"']|[\"']{kind}[\"']\s*:"
            assert not re.search(copy, text), f"{path} spells out {kind!r}"


def test_the_inbox_events_are_recognised_by_metadata_or_intent():
    assert is_external({"event": "user", "text": "x", "metadata": {"is_external": True}})
    assert is_external({"event": "user", "parse_data": {"intent": {"name": "EXTERNAL_x"}}})
    assert is_external(UserUttered.create_external("EXTERNAL_staff_reply").as_dict())
    assert not is_external({"event": "user", "text": "EXTERNAL: typed by a person"})
    assert not is_external({"event": "user", "text": "hi", "metadata": "odd"})


@pytest.mark.parametrize(
    "typed", ["EXTERNAL: EXTERNAL_staff_reply", "EXTERNAL: hello", "EXTERNAL_staff_reply"]
)
def test_a_person_who_types_the_external_prefix_is_shown(typed):
    # issue 12: the text alone once hid "EXTERNAL: EXTERNAL_…" from staff and the history
    said = UserUttered(typed, intent={"name": "out_of_scope"}).as_dict()
    assert not is_external(said)
    assert [m["text"] for m in visible_messages([said])] == [typed]


def test_visible_messages_are_what_the_person_saw_in_order():
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1},
        {"event": "user", "text": "/ask_edss", "metadata": {"display": "EDSS"}, "timestamp": 2},
        {"event": "user", "text": "", "timestamp": 3},
        {"event": "bot", "text": None, "data": {}, "timestamp": 4},
        {"event": "bot", "text": None, "data": {"custom": {"type": "x"}}, "timestamp": 5},
        {
            "event": "user",
            "text": "EXTERNAL: EXTERNAL_handoff_ended",
            "metadata": {"is_external": True},
            "timestamp": 6,
        },
        {"event": "bot", "text": "Hi", "data": {"buttons": [{"title": "A", "payload": "/a"}, 3]}},
    ]
    assert visible_messages(events) == [
        {"sender": "user", "text": "EDSS", "timestamp": 2},
        {"sender": "bot", "custom": {"type": "x"}, "timestamp": 5},
        {
            "sender": "bot",
            "text": "Hi",
            "quick_replies": [{"content_type": "text", "title": "A", "payload": "/a"}],
            "timestamp": None,
        },
    ]
    assert custom_type(visible_messages(events)[1]) == "x"
    assert custom_type({"custom": {"type": 3}}) is None


def test_the_web_chat_and_the_staff_inbox_show_the_same_messages():
    events = [
        ActionExecuted("action_listen"),
        UserUttered("/request_human", metadata={"display": "Talk to a person"}),
        BotUttered("The EDSS is a scale.", {"custom": {"type": EVIDENCE_ANSWER}}),
        SlotSet("handoff_active", True),
        UserUttered.create_external("EXTERNAL_staff_reply", [], "webchat"),
        BotUttered("Hi, I'm Lee.", {"custom": {"type": STAFF_MESSAGE, "staff_name": "Lee"}}),
        UserUttered("EXTERNAL: not from the inbox"),
    ]
    web = [(m["sender"], m["text"]) for m in conversation_history(events)]
    inbox = transcript({"events": [event.as_dict() for event in events]})
    assert web == [
        ("user", "Talk to a person"),
        ("bot", "The EDSS is a scale."),
        ("bot", "Hi, I'm Lee."),
        ("user", "EXTERNAL: not from the inbox"),
    ]
    assert [("user" if e.who == "person" else "bot", e.text) for e in inbox] == web
    assert [e.kind for e in inbox] == [None, "evidence", "staff", None]
