"""The sentences the web chat and REST channels say themselves (lexicon/channel_replies.yml):
replies to messages the assistant never sees, so they cannot come from domain.yml."""

from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

REPLIES_FILE = Path(__file__).resolve().parent.parent / "lexicon" / "channel_replies.yml"


@lru_cache(maxsize=1)
def _replies() -> Dict[str, str]:
    return yaml.safe_load(REPLIES_FILE.read_text(encoding="utf-8"))["replies"]


def channel_reply(name: str, **values: Any) -> str:
    return _replies()[name].format(**values)
