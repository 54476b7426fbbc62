"""Every view exports as CSV that a spreadsheet opens without running anyone's words."""

import csv
import datetime as dt
import io

from actions.evidence_store import get_store
from curation import csv_export, reports
from curation.periods import Period
from tests.curation.stored_conversations import COST_PARAPHRASES, NOW


def parsed(text):
    return list(csv.reader(io.StringIO(text)))


def test_cells_a_spreadsheet_would_run_are_quoted():
    for dangerous in ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert csv_export.safe_cell(dangerous) == "'" + dangerous
    assert csv_export.safe_cell("how much is it?") == "how much is it?"
    assert csv_export.safe_cell(None) == "" and csv_export.safe_cell(3) == "3"
    rows = parsed(csv_export.to_csv(["a", "b"], [["=cmd|' /C calc'!A0", 'say "hi", ok']]))
    assert rows == [["a", "b"], ["'=cmd|' /C calc'!A0", 'say "hi", ok']]


def test_each_view_exports(last_30_days):
    period = Period.last(30, now=NOW + dt.timedelta(hours=1))
    store = get_store()
    groups = reports.unanswered(last_30_days, period)
    unanswered = parsed(csv_export.unanswered_csv(groups, [s.label for s in period.steps()], {}))
    assert unanswered[0][:3] == ["question", "messages", "conversations"]
    assert len(unanswered[0]) == 8 + len(period.steps())
    assert unanswered[1][0] in COST_PARAPHRASES and unanswered[1][1] == "3"
    assert "Didn't answer my question (1)" in unanswered[1]  # labels, not keys
    assert "Thumbs down (1)" in unanswered[1][5]
    items = parsed(csv_export.items_csv(reports.items(last_30_days, store, dt.date.today())))
    assert len(items) == len(store.items) + 1 and items[0][0] == "item"
    topics = parsed(csv_export.topics_csv(reports.topics(last_30_days, store, period)))
    assert topics[0] == [
        "topic",
        "period",
        "answered",
        "clarified",
        "handed_off",
        "emergency",
        "total",
    ]
    assert sum(int(row[-1]) for row in topics[1:] if row[1] == "whole period") == 12
