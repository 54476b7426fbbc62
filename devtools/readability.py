"""How hard an answer is to read: the Flesch-Kincaid grade of its text, as a reader meets it.

Readers include people with cognitive fatigue and carers reading aloud, so answers aim at
grade 8 or below (tests/devtools/test_readability.py); details may be harder.

Markdown is read as a person reads it: emphasis marks are dropped, and each list item is its
own sentence (a list of six steps is six short sentences, not one long one).
"""

import re

import textstat

MAX_ANSWER_GRADE = 8.0
_LIST_ITEM = re.compile(r"^(?:- |\d+\.\s)")
_MARKUP = re.compile(r"[*_#>`]")


def plain_text(markdown: str) -> str:
    sentences = []
    for line in markdown.split("\n"):
        line = _MARKUP.sub("", line).strip()
        if not line:
            continue
        if _LIST_ITEM.match(line):
            line = _LIST_ITEM.sub("", line)
            if not re.search(r"[.!?:]$", line):
                line += "."
        sentences.append(line)
    return " ".join(sentences)


def reading_grade(markdown: str) -> float:
    """The Flesch-Kincaid grade level of the text as read."""
    return float(textstat.flesch_kincaid_grade(plain_text(markdown)))
