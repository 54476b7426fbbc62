"""The evidence checker refuses every kind of broken store, naming what is wrong."""

import copy
import datetime as dt

import pytest
import yaml

from actions.evidence_check import commit_date, find_problems, main
from actions.evidence_store import load_raw

TODAY = dt.date(2026, 11, 21)
EXAMPLES = ["one?", "two?", "three?", "four?", "five?"]


def good_raw() -> dict:
    return {
        "sources": [
            {"id": "nmss", "title": "aHSCT", "publisher": "NMSS", "kind": "patient_information"},
            {"id": "sormani_2017", "title": "Meta", "publisher": "Neurology", "kind": "study"},
        ],
        "topics": [
            {
                "id": "cost",
                "intent": "ask_cost",
                "title": "Cost",
                "spoken_title": "cost",
                "ask_your_centre": "What will I pay in all?",
                "related": ["risk"],
            },
            {
                "id": "risk",
                "intent": "ask_risk",
                "title": "Risk",
                "spoken_title": "risk",
                "ask_your_centre": "How many of your patients died?",
            },
        ],
        "items": [
            {
                "id": "cost.us",
                "topic": "cost",
                "title": "Cost in the US",
                "spoken_title": "the cost in the U S",
                "questions": EXAMPLES,
                "answer": "A",
                "spoken": "S",
                "sources": ["nmss"],
                "evidence_kind": "guidance",
                "last_reviewed": "2026-11-01",
                "primary": True,
            },
            {
                "id": "risk.pooled",
                "topic": "risk",
                "title": "Pooled risk",
                "spoken_title": "the pooled risk",
                "questions": EXAMPLES,
                "answer": "A",
                "spoken": "S",
                "sources": ["sormani_2017"],
                "evidence_kind": "meta_analysis",
                "last_reviewed": dt.date(2026, 1, 5),
                "primary": True,
            },
        ],
    }


def test_a_good_store_has_no_problems():
    assert find_problems(good_raw(), today=TODAY) == []


@pytest.mark.parametrize(
    "break_it, expected",
    [
        (lambda r: r["items"][0].update(sources=[]), "item 'cost.us' (?) has no source"),
        (lambda r: r["items"][0].pop("sources"), "item 'cost.us' (?) has no source"),
        (
            lambda r: r["items"][0].update(sources=["nmss", "who_knows"]),
            "item 'cost.us' (?) cites unknown source 'who_knows'",
        ),
        (
            lambda r: r["items"][0].update(topic="miracles"),
            "item 'cost.us' (?) has unknown topic 'miracles'",
        ),
        (lambda r: r["items"][1].update(id="cost.us"), "duplicate item id 'cost.us' (2 times)"),
        (lambda r: r["sources"][1].update(id="nmss"), "duplicate source id 'nmss' (2 times)"),
        (
            lambda r: r["items"][1].update(last_reviewed="2025-11-20"),
            "item 'risk.pooled' (?) was last reviewed on 2025-11-20, more than 12 months before",
        ),
        (
            lambda r: r["items"][1].update(last_reviewed="last spring"),
            "item 'risk.pooled' (?) has an unreadable last_reviewed 'last spring'",
        ),
        (
            lambda r: r["items"][1].pop("last_reviewed"),
            "item 'risk.pooled' (?) lacks last_reviewed",
        ),
        (
            lambda r: r["items"][0].pop("questions"),
            "item 'cost.us' (?) lists 0 example questions; at least 5",
        ),
        (
            lambda r: r["items"][0].update(questions=EXAMPLES[:4]),
            "item 'cost.us' (?) lists 4 example questions",
        ),
        (
            lambda r: r["items"][0].update(questions=EXAMPLES + ["One?"]),
            "item 'cost.us' (?) lists the example question 'one?' 2 times",
        ),
        (lambda r: r["items"][0].pop("title"), "item 'cost.us' (?) lacks title"),
        (
            lambda r: r["items"][0].update(id="price.us"),
            "item 'price.us' (?) id must start with its topic ('cost.')",
        ),
        (
            lambda r: r["items"][0].update(title="x" * 41),
            "item 'cost.us' (?) title is longer than 40",
        ),
        (lambda r: r["topics"][0].pop("ask_your_centre"), "topic 'cost' lacks ask_your_centre"),
        (
            lambda r: r["items"][0].update(
                answer="About 2 in 1,000 died.", spoken="About 3 in 1,000."
            ),
            "item 'cost.us' (?) spoken variant says 3, which its written answer does not",
        ),
        (
            lambda r: r["items"][0].update(checked_claims=["nope"]),
            "item 'cost.us' (?) checks a claim of unknown source 'nope'",
        ),
        (
            lambda r: r["items"][0].update(checked_claims=["nmss"]),
            "item 'cost.us' (?) cites 'nmss' both as support and as a claim it checked",
        ),
        (
            lambda r: r["items"][1].update(evidence_kind="anecdote"),
            "item 'risk.pooled' (?) has unknown evidence_kind 'anecdote'",
        ),
        (
            lambda r: r["topics"][0].update(related=["nowhere"]),
            "topic 'cost' relates to unknown topic 'nowhere'",
        ),
        (lambda r: r["items"].pop(1), "topic 'risk' has no evidence items"),
        (lambda r: r["items"][1].update(primary=False), "topic 'risk' has no primary item"),
        (
            lambda r: r["items"][0].update(answer="Risks:\n- infection\nMore text."),
            "item 'cost.us' (?) answer: a paragraph follows a list without a blank line",
        ),
    ],
)
def test_each_problem_is_refused_and_names_the_offender(break_it, expected):
    raw = copy.deepcopy(good_raw())
    break_it(raw)
    problems = find_problems(raw, today=TODAY)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_spoken_numbers_may_round_or_say_thousands_but_not_differ():
    raw = good_raw()
    raw["items"][0].update(
        answer="78.4% at 3 years; it cost $85,000 in a 2017 study.",
        spoken="78 percent at 3 years; about 85 thousand dollars in 2017.",
    )
    assert find_problems(raw, today=TODAY) == []


def test_a_review_exactly_twelve_months_old_is_still_accepted():
    raw = good_raw()
    raw["items"][1]["last_reviewed"] = "2025-11-21"
    assert find_problems(raw, today=TODAY) == []


def test_the_command_fails_on_a_broken_store_on_disk(tmp_path, capsys):
    raw = good_raw()
    (tmp_path / "items").mkdir()
    (tmp_path / "sources.yml").write_text(yaml.safe_dump({"sources": raw["sources"]}))
    (tmp_path / "topics.yml").write_text(yaml.safe_dump({"topics": raw["topics"]}))
    items = raw["items"]
    items[0]["sources"] = ["missing_source"]
    for item in items:
        item["last_reviewed"] = str(dt.date.today())
        topic = item.pop("topic")
        (tmp_path / "items" / f"{topic}.yml").write_text(
            yaml.safe_dump({"topic": topic, "items": [item]})
        )
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "item 'cost.us' (cost.yml) cites unknown source 'missing_source'" in out


def test_the_real_store_passes_as_of_the_commit_under_test():
    assert find_problems(load_raw(), as_of=commit_date()) == []


def test_staleness_follows_the_commit_date_not_the_clock():
    raw = good_raw()  # reviewed 2026-11-01 and 2026-01-05
    a_year_on = dt.date(2027, 6, 1)
    # the same commit, checked on a later day, passes as it did
    assert find_problems(raw, today=a_year_on, as_of=TODAY) == []
    # a commit made a year on flags the item reviewed in January 2026
    problems = find_problems(raw, today=a_year_on, as_of=a_year_on)
    assert problems == [
        "item 'risk.pooled' (?) was last reviewed on 2026-01-05, more than 12 months before "
        "2027-06-01: review it"
    ]


def test_the_commit_date_is_read_from_git():
    date = commit_date()
    assert date is not None and date <= dt.date.today()
