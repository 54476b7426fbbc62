"""`make content-audit`: what the person who keeps the evidence should look at next, as of today.

    python -m devtools.content_audit [--days 60] [--today YYYY-MM-DD]

Lists, and writes to results/content_audit.md:
- items whose review falls due in the next `--days` days (or is overdue), soonest first;
- items that rest on a trial registration, or that say when a trial's results are expected:
  the trial may have reported since the item was written;
- items citing a source that has no address, so a reader cannot check it.

Unlike `make test` (which judges staleness as of the commit under test, so its result never
changes with the calendar), this reads the clock: it is the to-do list, not a gate.
"""

import argparse
import datetime as dt
import re
import statistics
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from actions.evidence_check import MAX_REVIEW_AGE_DAYS
from actions.evidence_store import EvidenceStore, get_store
from devtools.readability import MAX_ANSWER_GRADE, reading_grade

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "results" / "content_audit.md"
TRIAL_REGISTRY = "trial_registry"
# "results are expected in July 2027", "due to end in 2028", "not expected before about 2029"
EXPECTED_YEAR = re.compile(
    r"\b(expected|due|end(?:s|ing)?|finish(?:es)?)\b[^.]{0,40}?\b(20\d\d)\b",
    re.IGNORECASE,
)


def due_for_review(store: EvidenceStore, today: dt.date, days: int) -> List[tuple]:
    """(due date, item) for items due within `days` days or overdue, soonest first."""
    horizon = today + dt.timedelta(days=days)
    due = []
    for item in store.items:
        if item.last_reviewed is None:
            due.append((today, item))
            continue
        due_on = item.last_reviewed + dt.timedelta(days=MAX_REVIEW_AGE_DAYS)
        if due_on <= horizon:
            due.append((due_on, item))
    return sorted(due, key=lambda pair: (pair[0], pair[1].id))


def trial_watch(store: EvidenceStore) -> List[tuple]:
    """(item, why) for items a trial's results could overtake."""
    watched = []
    for item in store.items:
        reasons = []
        registries = [
            s for s in item.sources if (src := store.sources.get(s)) and src.kind == TRIAL_REGISTRY
        ]
        if registries:
            reasons.append("cites trial registrations: " + ", ".join(registries))
        text = f"{item.answer} {item.details or ''}"
        years = sorted({int(m.group(2)) for m in EXPECTED_YEAR.finditer(text)})
        if years:
            reasons.append("says results or an end are expected in " + ", ".join(map(str, years)))
        if reasons:
            watched.append((item, "; ".join(reasons)))
    return watched


def sources_without_address(store: EvidenceStore) -> List[tuple]:
    """(item, source ids) for items citing a source with no address."""
    missing = []
    for item in store.items:
        ids = [
            s
            for s in list(item.sources) + list(item.checked_claims)
            if s in store.sources and not store.sources[s].url
        ]
        if ids:
            missing.append((item, ids))
    return missing


def readability(store: EvidenceStore) -> List[str]:
    """The reading-grade distribution of the answers, hardest first."""
    grades = sorted(((reading_grade(i.answer), i.id) for i in store.items), reverse=True)
    values = [grade for grade, _ in grades]
    bands = [(-99, 6), (6, 7), (7, 8), (8, 10), (10, 99)]  # (above, up to and including)
    lines = [
        f"Median grade {statistics.median(values):.1f}; "
        f"{sum(g <= MAX_ANSWER_GRADE for g in values)} of {len(values)} answers at grade "
        f"{MAX_ANSWER_GRADE:g} or below.",
        "",
        "| grade | answers |",
        "|---|---|",
    ]
    labels = ["6 or below", "over 6 to 7", "over 7 to 8", "over 8 to 10", "over 10"]
    lines += [
        f"| {label} | {sum(low < g <= high for g in values)} |"
        for label, (low, high) in zip(labels, bands, strict=True)
    ]
    lines += ["", "Hardest: " + ", ".join(f"`{i}` {g:.1f}" for g, i in grades[:5])]
    return lines


def report(store: EvidenceStore, today: dt.date, days: int) -> str:
    lines = [f"# Evidence content audit, {today}", ""]
    lines += ["## Reading grade of the answers (Flesch-Kincaid)", ""] + readability(store)
    lines += [""]
    due = due_for_review(store, today, days)
    lines += [f"## Due for review by {today + dt.timedelta(days=days)} ({len(due)})", ""]
    lines += [
        f"- {due_on}{' (overdue)' if due_on < today else ''}: `{item.id}` "
        f"(last reviewed {item.last_reviewed})"
        for due_on, item in due
    ] or ["- none"]
    watched = trial_watch(store)
    lines += ["", f"## Trials that may have reported ({len(watched)})", ""]
    lines += [f"- `{item.id}`: {why}" for item, why in watched] or ["- none"]
    missing = sources_without_address(store)
    lines += ["", f"## Sources without an address ({len(missing)} items)", ""]
    lines += [f"- `{item.id}`: {', '.join(ids)}" for item, ids in missing] or ["- none"]
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args(argv)
    text = report(get_store(), args.today, args.days)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)
    print(f"Written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
