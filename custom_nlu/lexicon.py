"""Reads the vocabulary files in `lexicon/` (data, not code) into plain Python structures."""

from pathlib import Path
from typing import Dict, List, Tuple

import yaml

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicon"


def _load(name: str, lexicon_dir: Path = LEXICON_DIR) -> dict:
    with open(lexicon_dir / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def entity_phrases(lexicon_dir: Path = LEXICON_DIR) -> List[Tuple[str, str, str]]:
    """(label, canonical value, phrase) for every phrase in `entities.yml`, deduplicated
    case-insensitively so the ruler gets each pattern once."""
    seen = set()
    rows = []
    for label, values in _load("entities.yml", lexicon_dir).items():
        for canonical, phrases in values.items():
            for phrase in phrases:
                key = (label, phrase.strip().lower())
                if key in seen:
                    continue
                seen.add(key)
                rows.append((label, canonical, phrase.strip()))
    return rows


def emergency_patterns(lexicon_dir: Path = LEXICON_DIR) -> Dict[str, List[str]]:
    """Regular expressions, grouped by the kind of emergency they signal."""
    return _load("emergency_phrases.yml", lexicon_dir)["patterns"]
