"""Reads what the actions need from a tracker beyond the latest message."""

from typing import Dict, Set

from rasa_sdk import Tracker


def remembered_entities(tracker: Tracker) -> Dict[str, Set[str]]:
    """What the person said in earlier messages that still applies: their MS type (a slot),
    because people say "I have SPMS" once and then ask several questions. Drugs and therapies
    only count in the message that names them (the planner reads those from the message)."""
    remembered_ms_type = tracker.get_slot("ms_type")
    if isinstance(remembered_ms_type, str):
        return {"ms_type": {remembered_ms_type}}
    return {}
