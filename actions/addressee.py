"""Whom a question is put to: a particular clinic ("what's your death rate?"), another patient
("what DMTs were you on?"), or nobody in particular. The assistant speaks for no clinic and has
no experience of its own, so it says so before giving the general evidence.

Plain Python; the phrases are data (lexicon/addressed_questions.yml).
"""

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml

LEXICON_FILE = Path(__file__).resolve().parent.parent / "lexicon" / "addressed_questions.yml"
CLINIC = "clinic"
PERSON = "person"


@lru_cache(maxsize=None)
def _patterns(path: Path = LEXICON_FILE) -> Dict[str, List[re.Pattern]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        kind: [re.compile(expression, re.IGNORECASE) for expression in data.get(kind) or []]
        for kind in (CLINIC, PERSON)
    }


def addressed_to(text: str) -> Optional[str]:
    """`clinic`, `person` or None. A clinic wins when both match: its caveat also covers
    people ("I can't speak for a particular clinic or person")."""
    patterns = _patterns()
    for kind in (CLINIC, PERSON):
        if any(pattern.search(text or "") for pattern in patterns[kind]):
            return kind
    return None
