"""Removes contact details from free text a person leaves with feedback, so none are kept.

A feedback comment is read by curators who improve the answers, not by staff who reply: an
address or number in it has no use there and would be personal data kept for no purpose. The
patterns err towards removing too much (a run of seven or more digits is treated as a phone
number even when it is not one), because a lost digit costs nothing and a kept number does.
"""

import re

REMOVED = "[removed]"

# a scheme ("https://", "mailto:" is caught as an e-mail), "www.", or a domain with a path
URL = re.compile(
    r"\b[a-z][a-z0-9+.\-]*://\S+|\bwww\.\S+|\b[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}/\S*",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+'\-]+@[\w\-]+(?:\.[\w\-]+)+")
# digits joined by spaces, dashes or brackets, optionally after "+"; kept only if shorter
# than a phone number (years and doses are rarely seven digits in a row)
DIGIT_RUN = re.compile(r"\+?\(?\d[\d \t\-()]*\d\)?")
PHONE_MIN_DIGITS = 7


def _phone_or_kept(match: "re.Match[str]") -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return REMOVED if digits >= PHONE_MIN_DIGITS else match.group(0)


def remove_contact_details(text: str) -> str:
    """The text with URLs, e-mail addresses and phone numbers replaced by "[removed]"."""
    text = URL.sub(REMOVED, text)
    text = EMAIL.sub(REMOVED, text)
    return DIGIT_RUN.sub(_phone_or_kept, text)
