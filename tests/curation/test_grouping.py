"""Messages are grouped by meaning with the assistant's sentence encoder: paraphrases together,
different questions apart, the same input always the same groups."""

import datetime as dt

import numpy as np

from curation.conversations import PersonMessage
from curation.grouping import SAME_QUESTION, clusters, encode, group_messages
from curation.periods import Period
from tests.curation.stored_conversations import (
    COST_PARAPHRASES,
    DRIVING_PARAPHRASES,
    FATIGUE,
    NOW,
    UNRELATED,
)

PERIOD = Period.last(7, now=NOW)


def message(text, days_ago=1.0, outcome="clarified", items=(), conversation=None):
    return PersonMessage(
        conversation=conversation or text,
        text=text,
        at=NOW - dt.timedelta(days=days_ago),
        channel="webchat",
        intent=None,
        outcome=outcome,
        items=tuple(items),
    )


def groups_of(texts):
    return sorted(sorted(g.examples) for g in group_messages([message(t) for t in texts], PERIOD))


def test_paraphrases_group_together_and_other_questions_stay_apart():
    texts = (
        COST_PARAPHRASES
        + DRIVING_PARAPHRASES
        + UNRELATED
        + [FATIGUE, "can i get pregnant after hsct"]
    )
    assert groups_of(texts) == sorted(
        [
            sorted(COST_PARAPHRASES),
            sorted(DRIVING_PARAPHRASES),
            [UNRELATED[0]],
            [UNRELATED[1]],
            [FATIGUE],
            ["can i get pregnant after hsct"],
        ]
    )


def test_the_threshold_decides_and_the_result_is_deterministic():
    vectors = encode(COST_PARAPHRASES + UNRELATED)
    assert clusters(vectors) == [[0, 1, 2], [3], [4]]
    assert clusters(vectors, threshold=1.01) == [[0], [1], [2], [3], [4]]  # nothing is that close
    assert clusters(vectors, threshold=-1.0) == [[0, 1, 2, 3, 4]]
    assert clusters(vectors) == clusters(vectors.copy())
    assert clusters(np.zeros((0, 384), dtype=np.float32)) == []
    assert 0.4 < SAME_QUESTION < 0.8


def test_a_group_counts_messages_items_outcomes_and_its_trend():
    messages = [
        message("how much does hsct cost in mexico", 1, "something_else", ["a.one", "a.two"]),
        message("How much does HSCT cost in Mexico", 1.5, "thumbs_down", ["a.one"], "c2"),
        message("is hsct expensive in mexico", 6.5, "out_of_scope", conversation="c2"),
        message("can my dog get ms", 2, "out_of_scope"),
        message("", 2),  # a button without a label: nothing to group
    ]
    first, second = group_messages(messages, PERIOD)
    assert first.count == 3 and first.conversations == 2
    assert first.examples[0].lower() == "how much does hsct cost in mexico"
    assert len(first.examples) == 2  # the same words in other capitals are one wording
    assert first.items == [("a.one", 2), ("a.two", 1)]
    assert first.outcomes == {"something_else": 1, "thumbs_down": 1, "out_of_scope": 1}
    assert len(first.trend) == 7 and sum(first.trend) == 3
    assert first.trend[-1] == 1 and first.trend[-2] == 1 and first.trend[0] == 1
    assert second.label == "can my dog get ms" and second.count == 1
