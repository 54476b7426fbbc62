"""Removes contact details from free text a person leaves with feedback, so none are kept.

A feedback comment is read by curators who improve the answers, not by staff who reply: an
address or number in it has no use there and would be personal data kept for no purpose. The
patterns err towards removing too much (a run of seven or more digits is treated as a phone
number even when it is not one), because a lost digit costs nothing and a kept number does.

They run on the event loop, so their work must grow linearly with the text: every repeat is
bounded, except an `\\S+` that ends a pattern, which nothing after it can make the engine retry.
Each starting position then costs a bounded amount, and a text a linear one. The unbounded
`[\\w\\-]+(?:\\.[\\w\\-]+)*\\.` and `[\\w.+'\\-]+@` these replace re-scanned the rest of the text
from every position: 950 ms for 8,000 characters of "a.a.a.…" (issue 12).
"""

import re

REMOVED = "[removed]"

# DNS allows labels of 63 characters; ten labels is more than any real address has
LABEL = r"[\w\-]{1,63}"
MAX_LABELS = 10
# a scheme ("https://", "mailto:" is caught as an e-mail), "www.", or a domain with a path
URL = re.compile(
    r"\b[a-z][a-z0-9+.\-]{0,31}://\S+"
    r"|\bwww\.\S+"
    rf"|\b(?:{LABEL}\.){{1,{MAX_LABELS}}}[a-z]{{2,63}}/\S*",
    re.IGNORECASE,
)
# the local part of an address has at most 64 characters (RFC 5321)
EMAIL = re.compile(rf"[\w.+'\-]{{1,64}}@{LABEL}(?:\.{LABEL}){{1,{MAX_LABELS}}}")
# digits joined by spaces, dashes or brackets, optionally after "+"; kept only if shorter
# than a phone number (years and doses are rarely seven digits in a row). A written number is
# under 25 characters; a longer run is matched in pieces of up to 42, each counted alone.
DIGIT_RUN = re.compile(r"\+?\(?\d[\d \t\-()]{0,40}\d\)?")
PHONE_MIN_DIGITS = 7
PATTERNS = (URL, EMAIL, DIGIT_RUN)


def _phone_or_kept(match: "re.Match[str]") -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return REMOVED if digits >= PHONE_MIN_DIGITS else match.group(0)


def remove_contact_details(text: str) -> str:
    """The text with URLs, e-mail addresses and phone numbers replaced by "[removed]"."""
    text = URL.sub(REMOVED, text)
    text = EMAIL.sub(REMOVED, text)
    return DIGIT_RUN.sub(_phone_or_kept, text)
