"""Contact details removed from a feedback comment, in work that grows linearly with the text
(issue 12: the old patterns took 950 ms on 8,000 characters of "a.a.a.…")."""

import json
import re

import pytest

import channels.user_input as user_input
from channels.contact_details import PATTERNS, PHONE_MIN_DIGITS, remove_contact_details
from channels.user_input import (
    COMMENT_KEY,
    DISPLAY_KEY,
    FEEDBACK_COMMENT_MAX_CHARS,
    FEEDBACK_DISPLAY_MAX_CHARS,
    admit,
)
from tests.regex_work import retried_unbounded_repeats

LIMIT = 4000
REASON = "/feedback_reason" + json.dumps({"feedback_reason": "other"})
# the shapes that made the old patterns re-scan the rest of the text from every position
PATHOLOGICAL = ["a.", "a@", "-", "a-", "_.", "a", "a" * 62 + "."]


@pytest.mark.parametrize(
    "text, kept",
    [
        ("mail lee.smith+ms@clinic.example.org now", "mail [removed] now"),
        ("MAIL LEE@CLINIC.EXAMPLE", "MAIL [removed]"),
        ("at o'brien@a.b.c.d.example.co.uk.", "at [removed]."),
        ("see http://forum.example/t?id=5, then", "see [removed] then"),
        ("see HTTPS://Forum.Example/T", "see [removed]"),
        ("git+ssh://host.example/repo", "[removed]"),
        ("or www.example.org/page", "or [removed]"),
        ("the msforum.example.org/thread/9 post", "the [removed] post"),
        ("ring +44 (0)20 7946-0958 or 07700 900123", "ring [removed] or [removed]"),
        ("a 1234567 number", "a [removed] number"),
        ("EDSS 6.5 in 2019, 3 doses of 10 mg", "EDSS 6.5 in 2019, 3 doses of 10 mg"),
        ("e.g. the M.S. clinic, i.e. mine", "e.g. the M.S. clinic, i.e. mine"),
        ("user@localhost is not an address", "user@localhost is not an address"),
    ],
)
def test_addresses_links_and_numbers_are_removed_and_other_words_kept(text, kept):
    assert remove_contact_details(text) == kept


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.pattern[:30])
def test_every_pattern_does_linear_work(pattern):
    assert retried_unbounded_repeats(pattern) == []


@pytest.mark.parametrize(
    "quadratic",
    [
        r"[\w.+'\-]+@[\w\-]+(?:\.[\w\-]+)+",  # the old e-mail pattern
        r"\b[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}/\S*",  # the old domain-with-a-path pattern
        r"\bfever\b.*\b(right now|tonight)\b",
        r"(a+)+$",
    ],
)
def test_the_work_check_catches_the_patterns_it_replaced(quadratic):
    assert retried_unbounded_repeats(re.compile(quadratic))


@pytest.mark.parametrize("unit", PATHOLOGICAL)
def test_a_pathological_text_without_contact_details_comes_out_unchanged(unit):
    text = unit * (FEEDBACK_COMMENT_MAX_CHARS // len(unit))
    assert remove_contact_details(text) == text


def test_a_pathological_link_or_number_is_removed_whole():
    assert remove_contact_details("see http://" + "a." * 150) == "see [removed]"
    # a run longer than a written number is removed in pieces; what is left is too short to call
    left = remove_contact_details("1 " * 150)
    assert left.startswith("[removed]") and sum(ch.isdigit() for ch in left) < PHONE_MIN_DIGITS


def test_the_scrubber_only_ever_sees_text_within_the_caps(monkeypatch):
    seen = []

    def spy(text):
        seen.append(len(text))
        return remove_contact_details(text)

    monkeypatch.setattr(user_input, "remove_contact_details", spy)
    huge = "a." * (100 * FEEDBACK_COMMENT_MAX_CHARS)  # cut to the message limit on the way in
    admitted = admit(REASON, LIMIT, {DISPLAY_KEY: huge, COMMENT_KEY: huge})
    comment_seen, display_seen = seen
    assert comment_seen <= FEEDBACK_COMMENT_MAX_CHARS
    assert display_seen <= FEEDBACK_DISPLAY_MAX_CHARS
    assert len(admitted.metadata[COMMENT_KEY]) <= FEEDBACK_COMMENT_MAX_CHARS
    assert admitted.metadata[DISPLAY_KEY].endswith("…")


def test_a_reasons_line_with_a_full_comment_is_shown_whole():
    comment = "x" * FEEDBACK_COMMENT_MAX_CHARS
    display = f"Reason: Didn't answer my question. {comment}"
    admitted = admit(REASON, LIMIT, {DISPLAY_KEY: display, COMMENT_KEY: comment})
    assert admitted.metadata[DISPLAY_KEY] == display
    assert admitted.metadata[COMMENT_KEY] == comment
