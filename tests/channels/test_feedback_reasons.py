"""A thumbs-down's reason: the vocabulary, the six payloads allowed, and the optional comment
(capped, without contact details, kept on that message only)."""

import json

import pytest

from channels.button_payloads import allowed_payloads, is_allowed_payload
from channels.feedback_reasons import feedback_reasons, load_feedback_reasons
from channels.user_input import COMMENT_KEY, FEEDBACK_COMMENT_MAX_CHARS, admit

LIMIT = 4000
KEYS = [
    "wrong_topic",
    "not_answered",
    "hard_to_understand",
    "out_of_date",
    "could_be_harmful",
    "other",
]


def reason_payload(key: str) -> str:
    return "/feedback_reason" + json.dumps({"feedback_reason": key})


def reason_metadata(**overrides):
    return {"display": "Reason: Out of date", "feedback_on": ["edss.scale"], **overrides}


def test_the_reasons_are_the_six_keys_in_the_order_people_see_them():
    reasons = feedback_reasons()
    assert list(reasons) == KEYS
    assert reasons["not_answered"] == "Didn't answer my question"
    assert all(label.strip() for label in reasons.values())


def test_a_reason_without_a_label_is_refused(tmp_path):
    path = tmp_path / "feedback_reasons.yml"
    path.write_text("reasons:\n  wrong_topic: Wrong topic\n  other:\n", encoding="utf-8")
    with pytest.raises(ValueError, match="other"):
        load_feedback_reasons(path)


def test_exactly_the_six_reasons_are_allowed_payloads():
    allowed = allowed_payloads()
    reason_payloads = {key for key in allowed if key[0] == "feedback_reason"}
    assert reason_payloads == {
        ("feedback_reason", frozenset({("feedback_reason", key)})) for key in KEYS
    }
    for key in KEYS:
        assert admit(reason_payload(key), LIMIT).text == reason_payload(key)


@pytest.mark.parametrize(
    "typed",
    [
        reason_payload("spam"),
        reason_payload("Wrong topic"),  # a label, not a key
        reason_payload("<script>"),
        '/feedback_reason{"feedback_reason": "other", "handoff_reason": "emergency"}',
        '/feedback_reason{"feedback_value": "down"}',
        "/feedback_reason",
    ],
)
def test_any_other_reason_is_turned_into_words(typed):
    assert not is_allowed_payload(typed)
    admitted = admit(typed, LIMIT)
    assert admitted.text == typed.lstrip("/")
    assert COMMENT_KEY not in admit(typed, LIMIT, reason_metadata(feedback_comment="hi")).metadata


def test_the_comment_is_kept_on_a_reason_with_the_rated_answers_evidence():
    metadata = reason_metadata(feedback_comment="  The dates are from 2019.  ")
    admitted = admit(reason_payload("out_of_date"), LIMIT, metadata)
    assert admitted.metadata == {
        "display": "Reason: Out of date",
        "feedback_on": ["edss.scale"],
        COMMENT_KEY: "The dates are from 2019.",
    }


def test_the_comment_is_capped():
    assert FEEDBACK_COMMENT_MAX_CHARS == 300
    long_comment = "word " * 200
    admitted = admit(reason_payload("other"), LIMIT, reason_metadata(feedback_comment=long_comment))
    kept = admitted.metadata[COMMENT_KEY]
    assert len(kept) <= FEEDBACK_COMMENT_MAX_CHARS
    assert kept.startswith("word word")


@pytest.mark.parametrize(
    "comment, kept",
    [
        ("Write to me at lee.smith+ms@clinic.example.org", "Write to me at [removed]"),
        ("call me on +44 (0)20 7946-0958 please", "call me on [removed] please"),
        ("my number is 07700 900123", "my number is [removed]"),
        ("see https://forum.example/thread?id=5 instead", "see [removed] instead"),
        ("or www.example.org", "or [removed]"),
        ("the 2019 trial, 3 doses, EDSS 6.5", "the 2019 trial, 3 doses, EDSS 6.5"),
    ],
)
def test_contact_details_in_a_comment_are_removed(comment, kept):
    admitted = admit(reason_payload("other"), LIMIT, reason_metadata(feedback_comment=comment))
    assert admitted.metadata[COMMENT_KEY] == kept


def test_the_displayed_line_loses_contact_details_too():
    metadata = reason_metadata(display="Reason: Something else. Mail lee@clinic.example")
    admitted = admit(reason_payload("other"), LIMIT, metadata)
    assert admitted.metadata["display"] == "Reason: Something else. Mail [removed]"


@pytest.mark.parametrize(
    "text",
    [
        "what are the side effects",
        '/give_feedback{"feedback_value": "down"}',
        "/ask_side_effects",
        "x" * (LIMIT + 1),
    ],
)
def test_a_comment_is_dropped_from_any_other_message(text):
    admitted = admit(text, LIMIT, reason_metadata(feedback_comment="call 020 7946 0958"))
    assert COMMENT_KEY not in admitted.metadata
    assert admitted.metadata["feedback_on"] == ["edss.scale"]


@pytest.mark.parametrize("odd", [None, 42, ["a"], "   "])
def test_a_comment_that_is_not_text_is_not_kept(odd):
    admitted = admit(reason_payload("other"), LIMIT, reason_metadata(feedback_comment=odd))
    assert COMMENT_KEY not in admitted.metadata
