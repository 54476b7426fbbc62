"""Stored conversations become person messages: how each ended, what it was answered with, the
feedback on it; never the contact details a callback request collected."""

import dataclasses
import datetime as dt

from curation.conversations import person_messages, read_database, read_period
from tests.curation.stored_conversations import (
    CALLBACK_NAME,
    CALLBACK_PHONE,
    COST_ITEM,
    COST_PARAPHRASES,
    DRIVING_PARAPHRASES,
    NOW,
    OFFERED,
    OLD_QUESTION,
    TYPED_EMAIL,
    endpoints_file,
)


def by_text(conversations):
    return {message.text: message for message in conversations.messages}


def test_each_question_ends_in_one_outcome(last_30_days):
    messages = by_text(last_30_days)
    outcomes = {text: message.outcome for text, message in messages.items()}
    assert outcomes == {
        COST_PARAPHRASES[0]: "something_else",
        COST_PARAPHRASES[1]: "out_of_scope",
        COST_PARAPHRASES[2]: "thumbs_down",
        DRIVING_PARAPHRASES[0]: "clarified",
        DRIVING_PARAPHRASES[1]: "handed_off",
        "can my dog get ms": "out_of_scope",
        "what is the weather tomorrow": "out_of_scope",
        "what is hsct": "answered",
        "Side effects": "answered",
        "does hsct help with fatigue": "answered",
        "I suddenly cannot see out of one eye": "emergency",
        # asked, not understood, then a callback request: what staff took over
        "can hsct stop my relapses": "handed_off",
    }
    # feedback, reasons and "yes" are not questions; a greeting-free fixture has no others
    assert not any(text.startswith("/") for text in messages)


def test_a_message_carries_what_the_assistant_chose_and_the_feedback(last_30_days):
    messages = by_text(last_30_days)
    rated = messages[COST_PARAPHRASES[2]]
    assert (rated.topic, rated.items, rated.channel) == ("cost_insurance", (COST_ITEM,), "voice")
    assert rated.feedback.value == "down" and rated.feedback.reason == "not_answered"
    assert rated.feedback.comment == "it does not say the price in Mexico"
    assert messages[COST_PARAPHRASES[0]].offered == tuple(OFFERED)
    assert messages[COST_PARAPHRASES[0]].items == ()
    button = messages["Side effects"]
    assert button.typed is False and button.topic == "side_effects"  # the label, not "/ask_..."
    assert [f.value for f in last_30_days.feedback] == ["down", "up"]


def test_contact_details_never_leave_the_tracker_store(last_30_days):
    everything = repr([dataclasses.asdict(m) for m in last_30_days.messages])
    everything += repr(last_30_days.feedback)
    for secret in (CALLBACK_NAME, CALLBACK_PHONE, TYPED_EMAIL, "Robin", "900461"):
        assert secret not in everything
    assert "[removed]" not in everything


def test_the_period_bounds_what_is_read(tracker_db, tmp_path):
    url = f"sqlite:///{tracker_db}"
    week = read_database(url, NOW - dt.timedelta(days=7), NOW + dt.timedelta(hours=1))
    assert COST_PARAPHRASES[2] not in by_text(week)  # 20 days ago
    assert COST_PARAPHRASES[0] in by_text(week)
    whole = read_database(url, NOW - dt.timedelta(days=90), NOW + dt.timedelta(hours=1))
    assert OLD_QUESTION in by_text(whole) and OLD_QUESTION not in by_text(week)
    # found through the endpoints file, as the inbox finds it
    through_file = read_period(
        str(endpoints_file(tmp_path, tracker_db)),
        NOW - dt.timedelta(days=7),
        NOW + dt.timedelta(hours=1),
    )
    assert by_text(through_file).keys() == by_text(week).keys()


def test_no_tracker_database_yet_is_an_empty_report_and_creates_none(tmp_path):
    missing = tmp_path / "none.db"
    found = read_database(f"sqlite:///{missing}", NOW - dt.timedelta(days=7), NOW)
    assert found.messages == [] and found.feedback == []
    assert not missing.exists()


def test_a_button_payload_counts_even_when_the_model_did_not_know_its_intent():
    """A model trained before `feedback_reason` existed classifies the payload as text."""
    events = [
        {
            "event": "user",
            "timestamp": 1.0,
            "text": "is hsct painful",
            "parse_data": {"intent": {"name": "ask_side_effects"}},
        },
        {
            "event": "bot",
            "timestamp": 2.0,
            "metadata": {"utter_action": "utter_evidence_answer"},
            "data": {
                "custom": {
                    "type": "evidence_answer",
                    "topic": "side_effects",
                    "evidence_ids": ["x"],
                }
            },
        },
        {
            "event": "user",
            "timestamp": 3.0,
            "text": '/give_feedback{"feedback_value":"down"}',
            "metadata": {"feedback_on": ["x"]},
            "parse_data": {"intent": {"name": "nlu_fallback"}},
        },
        {
            "event": "user",
            "timestamp": 4.0,
            "text": '/feedback_reason{"feedback_reason":"out_of_date"}',
            "metadata": {"feedback_on": ["x"], "feedback_comment": "call 0770 090 0123"},
            "parse_data": {"intent": {"name": "out_of_scope"}},
        },
        {"event": "bot", "timestamp": 5.0, "metadata": {"utter_action": "utter_out_of_scope"}},
    ]
    found = person_messages("c", events)
    [message] = found.messages
    assert (message.text, message.outcome) == ("is hsct painful", "thumbs_down")
    assert message.feedback.reason == "out_of_date"
    assert message.feedback.comment is None  # a comment with a phone number is left out
