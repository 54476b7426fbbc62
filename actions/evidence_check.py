"""Refuses an evidence store that the assistant must not answer from.

    python -m actions.evidence_check [evidence_dir] [--today]

Exits non-zero and names every offending item or source. Part of `make test`, so a stale or
broken store never lands.
"""

import argparse
import datetime as dt
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Set

from actions.evidence_store import EVIDENCE_DIR, load_raw, parse_date

REPO_ROOT = Path(__file__).resolve().parent.parent

MAX_REVIEW_AGE_DAYS = 365
EVIDENCE_KINDS = {
    "randomised_trial",
    "meta_analysis",
    "cohort",
    "case_series",
    "guidance",
    "consensus",
    "patient_information",
    "regulatory",
    "lab_study",
}
SOURCE_FIELDS = ("id", "title", "publisher", "kind")
ITEM_FIELDS = ("id", "title", "spoken_title", "answer", "spoken", "evidence_kind", "last_reviewed")
TOPIC_FIELDS = ("id", "intent", "title", "spoken_title", "ask_your_centre")
# The item ranker finds an item only through the questions it lists: a handful of phrasings
# at least, so one odd wording does not decide what the item is about.
MIN_EXAMPLE_QUESTIONS = 5
MAX_TITLE_CHARS = 40  # a button label on a phone screen


def list_followed_by_text(text: str) -> bool:
    """A line of text right after a list item: markdown would make it part of that item."""
    lines = text.split("\n")
    return any(
        current.lstrip().startswith("- ")
        and following.strip()
        and not following.lstrip().startswith("- ")
        for current, following in zip(lines, lines[1:], strict=False)
    )


_NUMBER = re.compile(r"(\d+(?:\.\d+)?)(\s+thousand)?")


def numbers_in(text: str) -> Set[float]:
    """The numbers a text states ("85 thousand" is 85000; "$85,000" is 85000)."""
    found = set()
    for digits, thousand in _NUMBER.findall(text.replace(",", "")):
        found.add(float(digits) * (1000 if thousand else 1))
    return found


def spoken_number_problems(name: str, item: dict, source_years: Dict[str, int]) -> List[str]:
    """The spoken variant says the same as the written answer, only shorter: every number it
    says must be in the answer or its details (rounded is fine: 78 for 78.4; "80 to 100
    thousand" for "$80,000 to $100,000"), or be the year of one of its sources."""
    written = numbers_in(f"{item.get('answer') or ''} {item.get('details') or ''}")
    cited = list(item.get("sources") or []) + list(item.get("checked_claims") or [])
    written |= {float(source_years[s]) for s in cited if source_years.get(s)}
    unsupported = sorted(
        number
        for number in numbers_in(str(item.get("spoken") or ""))
        if not any(abs(number - w) < 1 or abs(number * 1000 - w) < 1000 for w in written)
    )
    if not unsupported:
        return []
    said = ", ".join(f"{n:g}" for n in unsupported)
    return [f"{name} spoken variant says {said}, which its written answer does not"]


def question_problems(name: str, item: dict) -> List[str]:
    """An item must say which questions it answers, in several distinct phrasings."""
    problems = []
    questions = [str(q).strip() for q in item.get("questions") or []]
    if len(questions) < MIN_EXAMPLE_QUESTIONS:
        problems.append(
            f"{name} lists {len(questions)} example questions; at least "
            f"{MIN_EXAMPLE_QUESTIONS} are needed (questions:)"
        )
    normalised = [" ".join(q.lower().split()) for q in questions]
    if "" in normalised:
        problems.append(f"{name} has an empty example question")
    for dup, count in Counter(normalised).items():
        if dup and count > 1:
            problems.append(f"{name} lists the example question '{dup}' {count} times")
    if len(str(item.get("title") or "")) > MAX_TITLE_CHARS:
        problems.append(f"{name} title is longer than {MAX_TITLE_CHARS} characters")
    return problems


def commit_date(repo: Path = REPO_ROOT) -> Optional[dt.date]:
    """The committer date of the commit under test (HEAD), or None outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%cs"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return dt.date.fromisoformat(out) if out else None
    except (OSError, subprocess.CalledProcessError, ValueError):
        return None


def find_problems(
    raw: dict, today: Optional[dt.date] = None, as_of: Optional[dt.date] = None
) -> List[str]:
    """Every reason not to trust the store, one line each, naming the item at fault.

    Staleness is judged `as_of` a date: `make test` passes the date of the commit under test,
    so a commit's result never changes with the calendar, while a commit made more than a
    year after a review flags the item. A review date after `today` (the clock) is refused.
    """
    today = today or dt.date.today()
    as_of = as_of or today
    problems: List[str] = []

    source_ids = [s.get("id") for s in raw["sources"]]
    topic_ids = [t.get("id") for t in raw["topics"]]
    item_ids = [i.get("id") for i in raw["items"]]
    for kind, ids in (("source", source_ids), ("topic", topic_ids), ("item", item_ids)):
        for dup, count in Counter(ids).items():
            if dup is not None and count > 1:
                problems.append(f"duplicate {kind} id '{dup}' ({count} times)")

    for source in raw["sources"]:
        missing = [f for f in SOURCE_FIELDS if not source.get(f)]
        if missing:
            problems.append(f"source '{source.get('id')}' lacks {', '.join(missing)}")

    known_topics = set(topic_ids)
    for topic in raw["topics"]:
        missing = [f for f in TOPIC_FIELDS if not topic.get(f)]
        if missing:
            problems.append(f"topic '{topic.get('id')}' lacks {', '.join(missing)}")
        for related in topic.get("related") or []:
            if related not in known_topics:
                problems.append(f"topic '{topic.get('id')}' relates to unknown topic '{related}'")

    known_sources = set(source_ids)
    source_years = {s.get("id"): s.get("year") for s in raw["sources"] if s.get("year")}
    oldest_allowed = as_of - dt.timedelta(days=MAX_REVIEW_AGE_DAYS)
    for item in raw["items"]:
        name = f"item '{item.get('id')}' ({item.get('_file', '?')})"
        missing = [f for f in ITEM_FIELDS if not item.get(f)]
        if missing:
            problems.append(f"{name} lacks {', '.join(missing)}")
        sources = item.get("sources") or []
        if not sources:
            problems.append(f"{name} has no source")
        for source_id in sources:
            if source_id not in known_sources:
                problems.append(f"{name} cites unknown source '{source_id}'")
        for source_id in item.get("checked_claims") or []:
            if source_id not in known_sources:
                problems.append(f"{name} checks a claim of unknown source '{source_id}'")
            elif source_id in sources:
                problems.append(
                    f"{name} cites '{source_id}' both as support and as a claim it checked"
                )
        if item.get("topic") not in known_topics:
            problems.append(f"{name} has unknown topic '{item.get('topic')}'")
        elif not str(item.get("id") or "").startswith(f"{item.get('topic')}."):
            problems.append(f"{name} id must start with its topic ('{item.get('topic')}.')")
        for field in ("answer", "details"):
            if list_followed_by_text(str(item.get(field) or "")):
                problems.append(f"{name} {field}: a paragraph follows a list without a blank line")
        problems += question_problems(name, item)
        problems += spoken_number_problems(name, item, source_years)
        kind = item.get("evidence_kind")
        if kind and kind not in EVIDENCE_KINDS:
            problems.append(f"{name} has unknown evidence_kind '{kind}'")
        reviewed = parse_date(item.get("last_reviewed"))
        if item.get("last_reviewed") and reviewed is None:
            problems.append(f"{name} has an unreadable last_reviewed '{item.get('last_reviewed')}'")
        elif reviewed and reviewed < oldest_allowed:
            problems.append(
                f"{name} was last reviewed on {reviewed}, more than 12 months before "
                f"{as_of}: review it"
            )
        elif reviewed and reviewed > today:
            problems.append(f"{name} has a review date in the future ({reviewed})")

    for topic_id in known_topics:
        topic_items = [i for i in raw["items"] if i.get("topic") == topic_id]
        if not topic_items:
            problems.append(f"topic '{topic_id}' has no evidence items")
        elif not any(i.get("primary") for i in topic_items):
            problems.append(f"topic '{topic_id}' has no primary item")
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Refuse a broken or stale evidence store.")
    parser.add_argument("evidence_dir", nargs="?", type=Path, default=EVIDENCE_DIR)
    parser.add_argument(
        "--today",
        action="store_true",
        help="judge staleness by today's date, not by the date of the commit under test",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    raw = load_raw(args.evidence_dir)
    as_of = None if args.today else commit_date()
    problems = find_problems(raw, as_of=as_of)
    if problems:
        print(f"Evidence store in {args.evidence_dir} refused ({len(problems)} problems):")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    judged = f"reviews judged as of {as_of} (the commit under test)" if as_of else "as of today"
    print(
        f"Evidence store OK: {len(raw['items'])} items, {len(raw['topics'])} topics, "
        f"{len(raw['sources'])} sources; {judged}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
