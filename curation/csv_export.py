"""Each report as CSV, for a spreadsheet. People's words go into these files, so a cell that a
spreadsheet would run as a formula (= + - @, or a tab or carriage return before one) is
prefixed with a quote (OWASP's advice on CSV injection)."""

import csv
import io
from typing import Any, Dict, Iterable, List, Sequence

from curation.grouping import Group
from curation.reports import COLUMNS, ItemRow, TopicsReport, outcome_label, reason_label

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def _joined(counts: Dict[str, int]) -> str:
    return "; ".join(f"{key} ({count})" for key, count in counts.items())


def unanswered_csv(groups: List[Group], steps: List[str], titles: Dict[str, str]) -> str:
    header = ["question", "messages", "conversations", "examples", "items chosen", "outcomes"]
    header += ["thumbs-down reasons", "comments", *steps]
    rows = [
        [
            group.label,
            group.count,
            group.conversations,
            " | ".join(group.examples),
            _joined({titles.get(item, item): count for item, count in group.items}),
            _joined({outcome_label(key): count for key, count in group.outcomes.items()}),
            _joined({reason_label(key): count for key, count in group.reasons.items()}),
            " | ".join(group.comments),
            *group.trend,
        ]
        for group in groups
    ]
    return to_csv(header, rows)


def items_csv(rows: List[ItemRow]) -> str:
    header = ["item", "title", "topic", "shown", "thumbs up", "thumbs down", "reasons"]
    header += ["comments", "last reviewed", "review due", "sources"]
    return to_csv(
        header,
        (
            [
                row.id,
                row.title,
                row.topic,
                row.shown,
                row.thumbs_up,
                row.thumbs_down,
                _joined({reason_label(key): count for key, count in row.reasons.items()}),
                " | ".join(row.comments),
                row.last_reviewed.isoformat() if row.last_reviewed else "",
                row.due_on.isoformat() if row.due_on else "",
                "; ".join(row.sources),
            ]
            for row in rows
        ),
    )


def topics_csv(report: TopicsReport) -> str:
    """Two tables in one file would not sort in a spreadsheet: one row per topic, then one per
    step of the period with the topic column saying so."""
    rows: List[List[Any]] = [
        [row.topic, "whole period", *(row.counts[c] for c in COLUMNS), row.total]
        for row in report.rows
    ]
    rows += [
        ["all topics", step, *(counts[c] for c in COLUMNS), sum(counts.values())]
        for step, counts in zip(report.steps, report.over_time, strict=True)
    ]
    return to_csv(["topic", "period", *COLUMNS, "total"], rows)
