"""The reasons a person may give for a thumbs-down (lexicon/feedback_reasons.yml), in the order
they are offered. The widget's build, the payload allow-list and the curators' report all read
the same file, so a reason is added in one place."""

from functools import lru_cache
from pathlib import Path
from typing import Dict

import yaml

REASONS_FILE = Path(__file__).resolve().parent.parent / "lexicon" / "feedback_reasons.yml"


def load_feedback_reasons(path: Path = REASONS_FILE) -> Dict[str, str]:
    """{key: label people see}, in the file's order; refuses an empty or malformed file."""
    reasons = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("reasons")
    if not isinstance(reasons, dict) or not reasons:
        raise ValueError(f"{path.name} has no reasons")
    bad = [key for key, label in reasons.items() if not isinstance(label, str) or not label.strip()]
    if bad:
        raise ValueError(f"{path.name}: reasons without a label: {', '.join(map(str, bad))}")
    return {str(key): label.strip() for key, label in reasons.items()}


@lru_cache(maxsize=1)
def feedback_reasons() -> Dict[str, str]:
    """The ordered {key: label} mapping, read once."""
    return load_feedback_reasons()
