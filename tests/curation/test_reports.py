"""The three reports on the fixture of stored conversations."""

import datetime as dt

from actions.evidence_store import get_store
from curation import reports
from curation.periods import Period
from tests.curation.stored_conversations import (
    COST_ITEM,
    COST_PARAPHRASES,
    DRIVING_PARAPHRASES,
    NOW,
    OFFERED,
)

PERIOD = Period.last(30, now=NOW + dt.timedelta(hours=1))


def test_unanswered_groups_the_poorly_answered_questions_only(last_30_days):
    groups = reports.unanswered(last_30_days, PERIOD)
    everything = [text for group in groups for text in group.examples]
    assert "what is hsct" not in everything and "does hsct help with fatigue" not in everything
    assert "I suddenly cannot see out of one eye" not in everything  # emergencies are answered
    cost = groups[0]
    assert sorted(cost.examples) == sorted(COST_PARAPHRASES) and cost.count == 3
    assert dict(cost.items) == {COST_ITEM: 1, **{item: 1 for item in OFFERED}}
    assert cost.outcomes == {"something_else": 1, "out_of_scope": 1, "thumbs_down": 1}
    assert cost.reasons == {"not_answered": 1}
    assert cost.comments == ["it does not say the price in Mexico"]
    assert len(cost.trend) == len(PERIOD.steps()) == 5  # weeks over 30 days
    assert cost.trend[-1] == 2 and sum(cost.trend) == 3
    driving = next(g for g in groups if DRIVING_PARAPHRASES[0] in g.examples)
    assert sorted(driving.examples) == sorted(DRIVING_PARAPHRASES)
    assert driving.outcomes == {"clarified": 1, "handed_off": 1}


def test_the_item_report_puts_items_due_for_review_first(last_30_days):
    store = get_store()
    oldest = min(i.last_reviewed for i in store.items)
    # a year's review age (actions/evidence_check.py), less the 60 days ahead it looks, and 3
    today = oldest + dt.timedelta(days=365 - reports.REVIEW_WITHIN_DAYS + 3)
    rows = reports.items(last_30_days, store, today)
    assert len(rows) == len(store.items)
    due = [row.due for row in rows]
    assert any(due) and not all(due)
    assert due == sorted(due, reverse=True)  # all due ones come first
    dates = [row.due_on for row in rows if row.due]
    assert dates == sorted(dates)
    cost = next(row for row in rows if row.id == COST_ITEM)
    assert (cost.shown, cost.thumbs_up, cost.thumbs_down) == (1, 0, 1)
    assert cost.reasons == {"Didn't answer my question": 1}  # the label people saw
    assert cost.comments == ["it does not say the price in Mexico"]
    assert cost.sources and cost.last_reviewed == store.item(COST_ITEM).last_reviewed
    rated_up = next(row for row in rows if row.id == "what_is_hsct.definition")
    assert (rated_up.shown, rated_up.thumbs_up) == (1, 1)
    # nothing is due on the day every item was reviewed: then the most shown come first
    fresh = reports.items(last_30_days, store, oldest)
    assert not any(row.due for row in fresh)
    assert fresh[0].id == "side_effects.short_and_long_term" and fresh[0].shown == 2


def test_topics_count_outcomes_per_topic_and_over_time(last_30_days):
    report = reports.topics(last_30_days, get_store(), PERIOD)
    rows = {row.topic: row.counts for row in report.rows}
    side_effects = get_store().topics["side_effects"].title
    assert rows[side_effects] == {"answered": 2, "clarified": 0, "handed_off": 0, "emergency": 0}
    cost = get_store().topics["cost_insurance"].title
    assert rows[cost]["answered"] == 1  # the thumbs-down one (the others had no topic)
    assert rows[reports.NO_TOPIC]["emergency"] == 1
    totals = {column: sum(step[column] for step in report.over_time) for column in reports.COLUMNS}
    assert totals == {"answered": 4, "clarified": 5, "handed_off": 2, "emergency": 1}
    assert sum(row.total for row in report.rows) == len(last_30_days.messages) == 12
    assert len(report.steps) == len(report.over_time) == 5
    assert report.busiest_step == max(sum(step.values()) for step in report.over_time)
