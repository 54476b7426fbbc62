"""The answer planner: which items answer each question, and when to ask instead."""

from dataclasses import replace

import pytest

import actions.answer_planner as planner
from actions.answer_planner import CALIBRATION, plan_answer
from actions.evidence_store import get_store


@pytest.fixture(scope="module")
def store():
    return get_store()


def ranking(*pairs):
    """An item ranking as the item ranker writes it: [(item id, score), ...]."""
    return [{"id": item_id, "topic": item_id.split(".")[0], "score": s} for item_id, s in pairs]


def signals(items, topic_probabilities=None, topic_scores=None, text="a question"):
    """What the item ranker adds for one question."""
    return {
        "text": text,
        "item_ranking": ranking(*items),
        "topic_probabilities": topic_probabilities or {},
        "topic_scores": topic_scores or {},
    }


def parse(intents, items, topic_probabilities=None, topic_scores=None, **extra):
    """A parse result: the classifier's ranking (intent -> probability) and the rankings."""
    ranked = sorted(intents.items(), key=lambda pair: -pair[1])
    return {
        "intent": {"name": ranked[0][0], "confidence": ranked[0][1]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranked],
        "entities": extra.pop("entities", []),
        **signals(items, topic_probabilities, topic_scores, extra.pop("text", "a question")),
        **extra,
    }


def confident(intent, items, topic):
    return parse({intent: 0.95}, items, {topic: 0.9}, {topic: 0.8})


def test_a_confident_question_is_answered_with_its_best_matching_items(store):
    plan = plan_answer(
        store,
        confident(
            "ask_side_effects",
            [("side_effects.higher_risk_groups", 0.82), ("side_effects.infections", 0.55)],
            "side_effects",
        ),
    )
    (part,) = plan.parts
    assert part.action == "answer" and part.topic == "side_effects"
    # the item that matches the question comes first, not the topic's fixed primary item
    assert part.items == ["side_effects.higher_risk_groups"]


def test_a_general_question_gets_the_topics_core_answer(store):
    """The best match is one of the topic's primary items: the other primary items join it."""
    plan = plan_answer(
        store,
        confident(
            "ask_side_effects",
            [("side_effects.short_and_long_term", 0.9), ("side_effects.higher_risk_groups", 0.6)],
            "side_effects",
        ),
    )
    primary = [i.id for i in store.items_for_topic("side_effects") if i.primary]
    assert plan.parts[0].items[0] == "side_effects.short_and_long_term"
    assert set(plan.parts[0].items) == set(primary)


def test_a_close_second_item_of_the_topic_joins_the_answer(store):
    plan = plan_answer(
        store,
        confident(
            "ask_side_effects",
            [("side_effects.higher_risk_groups", 0.82), ("side_effects.infections", 0.80)],
            "side_effects",
        ),
    )
    assert plan.parts[0].items == ["side_effects.higher_risk_groups", "side_effects.infections"]


def test_a_clearly_better_item_of_another_topic_leads_the_answer(store):
    plan = plan_answer(
        store,
        confident(
            "ask_procedure_steps",
            [("recovery_aftercare.first_weeks", 0.95), ("procedure_steps.six_steps", 0.6)],
            "procedure_steps",
        ),
    )
    assert plan.parts[0].topic == "procedure_steps"
    assert plan.parts[0].items[0] == "recovery_aftercare.first_weeks"


def test_disagreeing_weak_signals_ask_with_the_best_item_of_each_leading_topic(store):
    plan = plan_answer(
        store,
        parse(
            {"nlu_fallback": 0.4, "ask_finding_a_center": 0.35, "ask_cost_insurance": 0.3},
            [("cost_insurance.insurance", 0.52), ("finding_a_center.questions_to_ask", 0.5)],
            {"cost_insurance": 0.5, "finding_a_center": 0.4},
        ),
    )
    assert plan.needs_clarification
    assert set(plan.parts[0].candidates) == {
        "cost_insurance.insurance",
        "finding_a_center.questions_to_ask",
    }


def test_nothing_close_in_the_store_is_not_answered(store):
    plan = plan_answer(
        store, confident("ask_side_effects", [("side_effects.infections", 0.2)], "side_effects")
    )
    assert plan.parts[0].action == "unanswerable" and not plan.answered


def test_a_did_you_mean_button_answers_exactly_the_item_it_names(store):
    chosen = {
        "text": '/ask_side_effects{"evidence_item": "side_effects.higher_risk_groups"}',
        "intent": {"name": "ask_side_effects", "confidence": 1.0},
        "entities": [{"entity": "evidence_item", "value": "side_effects.higher_risk_groups"}],
    }
    plan = plan_answer(store, chosen)
    assert [p.items for p in plan.parts] == [["side_effects.higher_risk_groups"]]


def test_a_topic_button_without_rankings_gets_the_topics_items(store):
    button = {"text": "/ask_cost_insurance", "intent": {"name": "ask_cost_insurance"}}
    plan = plan_answer(store, button)
    expected = [i.id for i in store.select_items("cost_insurance", {})]
    assert plan.parts[0].items == expected


def three_questions(store):
    parts = [
        signals(
            [("cost_insurance.us_cost", 0.9)], {"cost_insurance": 0.9}, {"cost_insurance": 0.8}
        ),
        signals(
            [("mortality_safety.overall_risk", 0.7)],
            {"mortality_safety": 0.5, "side_effects": 0.4},
            {"mortality_safety": 0.6},
        ),
        signals([("side_effects.infections", 0.1)], {"side_effects": 0.3}, {"side_effects": 0.2}),
    ]
    for part, text in zip(parts, ["How much?", "Is it safe?", "Can I bring my dog?"], strict=True):
        part["text"] = text
    return parse(
        {"ask_cost_insurance": 0.85, "ask_mortality_safety": 0.1},
        [("cost_insurance.us_cost", 0.6)],
        question_parts=parts,
    )


def test_each_question_of_several_is_planned_on_its_own(store):
    plan = plan_answer(store, three_questions(store))
    assert [(p.text, p.action) for p in plan.parts] == [
        ("How much?", "answer"),
        ("Is it safe?", "clarify"),
        ("Can I bring my dog?", "unanswerable"),
    ]
    # the best match first, then the rest of the topic's core answer (both items are primary)
    assert plan.parts[0].items == ["cost_insurance.us_cost", "cost_insurance.insurance"]
    assert plan.parts[1].candidates[0] == "mortality_safety.overall_risk"


def test_a_lower_threshold_answers_every_question_that_has_an_item(store):
    lenient = replace(CALIBRATION, min_score=0.5, min_margin=0.0)
    plan = plan_answer(store, three_questions(store), lenient)
    assert [p.action for p in plan.parts] == ["answer", "answer", "unanswerable"]


def test_two_questions_answered_by_the_same_item_get_it_once(store):
    same = signals(
        [("cost_insurance.us_cost", 0.9)], {"cost_insurance": 0.9}, {"cost_insurance": 0.9}
    )
    plan = plan_answer(
        store,
        parse(
            {"ask_cost_insurance": 0.95},
            [("cost_insurance.us_cost", 0.9)],
            question_parts=[{**same, "text": "How much?"}, {**same, "text": "The price?"}],
        ),
    )
    assert len(plan.answered) == 1 and len(plan.parts) == 1


def test_a_higher_threshold_turns_the_same_answer_into_a_clarification(store, monkeypatch):
    """The calibration is what decides: the same signals, a stricter setting, no answer."""
    message = confident("ask_side_effects", [("side_effects.infections", 0.8)], "side_effects")
    assert plan_answer(store, message).answered
    monkeypatch.setattr(planner, "CALIBRATION", replace(CALIBRATION, min_score=5.0))
    assert plan_answer(store, message).needs_clarification
