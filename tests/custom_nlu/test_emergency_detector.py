"""The emergency safety net: clear urgent phrases always become `emergency`."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from custom_nlu.emergency_detector import (
    EmergencyPhraseDetector,
    compile_patterns,
    matches_emergency,
)
from custom_nlu.lexicon import emergency_patterns
from tests.regex_work import retried_unbounded_repeats

COMPILED = compile_patterns(emergency_patterns())

URGENT = [
    "I've had a fever since last night, it's two weeks after my transplant",
    "my wife has a high temperature after her stem cell transplant",
    "im running a fever and shaking",
    "my temp is 39.2",
    "I can't breathe properly",
    "he is struggling to breathe",
    "I'm short of breath after chemo",
    "there is bleeding that won't stop from my line",
    "I'm coughing up blood",
    "I have chest pain",
    "I want to kill myself",
    "i dont want to live anymore",
    "thinking about suicide",
    "I just want to end it all",
    "sometimes I want to hurt myself",
    "please call an ambulance",
    "this is an emergency",
    "my husband collapsed",
]

NOT_URGENT = [
    "is fever a side effect of hsct",
    "what are the side effects",
    "how long does the fever risk last after transplant",
    "can hsct cause breathing problems in the long term",
    "how dangerous is it",
    "what is the death rate",
    "what temperature should I worry about",
    "does bleeding happen during chemo",
]


@pytest.mark.parametrize("text", URGENT)
def test_urgent_phrases_match(text):
    assert matches_emergency(text, COMPILED)


@pytest.mark.parametrize("text", NOT_URGENT)
def test_questions_about_symptoms_are_left_to_the_classifier(text):
    assert not matches_emergency(text, COMPILED)


def test_every_pattern_is_exercised_by_a_urgent_example():
    for pattern in COMPILED:
        assert any(
            pattern.search(text)
            for text in URGENT
            + [
                "i have trouble breathing",
                "he's not breathing",
                "she is choking",
                "my temperature is 101",
                "shivering with chills",
                "i can't stop the bleeding",
                "vomiting blood",
                "she had a seizure",
                "i passed out",
                "it's a medical emergency",
                "i'd be better off dead",
                "no reason to live",
                "i've been self harming",
                "i want to die",
                "i want to take my own life",
            ]
        ), pattern.pattern


def test_detector_overrides_the_classifier_and_the_fallback():
    message = Message(
        data={
            "text": "I have a fever and I had my transplant 10 days ago",
            "intent": {"name": "nlu_fallback", "confidence": 0.25},
            "intent_ranking": [
                {"name": "nlu_fallback", "confidence": 0.25},
                {"name": "ask_side_effects", "confidence": 0.2},
                {"name": "emergency", "confidence": 0.1},
            ],
        }
    )
    EmergencyPhraseDetector(COMPILED).process([message])
    assert message.get("intent") == {"name": "emergency", "confidence": 1.0}
    names = [r["name"] for r in message.get("intent_ranking")]
    assert names == ["emergency", "nlu_fallback", "ask_side_effects"]


def test_detector_leaves_other_messages_alone():
    original = {"name": "ask_side_effects", "confidence": 0.8}
    message = Message(
        data={
            "text": "is fever a side effect",
            "intent": dict(original),
            "intent_ranking": [dict(original)],
        }
    )
    EmergencyPhraseDetector(COMPILED).process([message])
    assert message.get("intent") == original


def test_a_fallback_over_an_emergency_best_guess_becomes_the_emergency():
    # no urgent phrase: only the classifier thought it was an emergency, below the threshold
    message = Message(
        data={
            "text": "my dad had the transplant and now he's really not himself",
            "intent": {"name": "nlu_fallback", "confidence": 0.7},
            "intent_ranking": [
                {"name": "nlu_fallback", "confidence": 0.7},
                {"name": "emergency", "confidence": 0.52},
                {"name": "ask_recovery_aftercare", "confidence": 0.3},
            ],
        }
    )
    EmergencyPhraseDetector(COMPILED).process([message])
    assert message.get("intent") == {"name": "emergency", "confidence": 0.52}
    names = [r["name"] for r in message.get("intent_ranking")]
    assert names == ["emergency", "nlu_fallback", "ask_recovery_aftercare"]


def test_a_fallback_whose_best_guess_is_another_topic_stays_a_fallback():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.7},
        {"name": "ask_side_effects", "confidence": 0.45},
        {"name": "emergency", "confidence": 0.4},
    ]
    message = Message(
        data={
            "text": "what about the fevers people get",
            "intent": dict(ranking[0]),
            "intent_ranking": [dict(entry) for entry in ranking],
        }
    )
    EmergencyPhraseDetector(COMPILED).process([message])
    assert message.get("intent") == ranking[0]
    assert message.get("intent_ranking") == ranking


def test_a_confident_answer_is_not_touched_even_if_emergency_is_second():
    ranking = [
        {"name": "ask_side_effects", "confidence": 0.8},
        {"name": "emergency", "confidence": 0.15},
    ]
    message = Message(
        data={
            "text": "is a temperature normal during chemo",
            "intent": dict(ranking[0]),
            "intent_ranking": [dict(entry) for entry in ranking],
        }
    )
    EmergencyPhraseDetector(COMPILED).process([message])
    assert message.get("intent") == ranking[0]


def test_an_emergency_inside_a_long_post_of_questions_is_still_urgent():
    """Several questions and a paragraph of context do not hide it: the whole text is checked."""
    post = (
        "Hi all, long time lurker. I had aHSCT in Sheffield three weeks ago and came home on "
        "Friday. How long did your fatigue last? Did anyone's hair start growing back by month "
        "two? Also my temp is 38.9 tonight and I feel awful, and what should I ask at my "
        "follow up?"
    )
    assert matches_emergency(post, COMPILED)
    message = Message(
        data={
            "text": post,
            "intent": {"name": "ask_recovery_aftercare", "confidence": 0.93},
            "intent_ranking": [{"name": "ask_recovery_aftercare", "confidence": 0.93}],
        }
    )
    EmergencyPhraseDetector(COMPILED).process([message])
    assert message.get("intent")["name"] == "emergency"


def test_every_pattern_does_linear_work():
    # issue 12: "fever .*" re-scanned the rest of a 4,000-character message after every "fever"
    for pattern in COMPILED:
        assert retried_unbounded_repeats(pattern) == [], pattern.pattern


def test_a_fever_and_when_it_started_are_still_found_a_sentence_apart():
    # the bound that replaced ".*" leaves room for a long sentence between them
    said = "fever again, on and off, and it has been worse all day and all evening since yesterday"
    assert matches_emergency(said, COMPILED)
