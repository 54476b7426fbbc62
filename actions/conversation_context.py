"""Reads what the actions need from a tracker: the recognised entities, grouped by label."""

from typing import Dict, Set

from rasa_sdk import Tracker

ENTITY_LABELS = ("therapy", "ms_type", "drug")


def recognised_entities(tracker: Tracker) -> Dict[str, Set[str]]:
    """Entity values in the latest message, plus the MS type the person mentioned earlier.

    The MS type is remembered (a slot) because people say "I have SPMS" once and then ask
    several questions; drugs and therapies only count in the message that names them.
    """
    found: Dict[str, Set[str]] = {label: set() for label in ENTITY_LABELS}
    for entity in tracker.latest_message.get("entities") or []:
        label, value = entity.get("entity"), entity.get("value")
        if label in found and isinstance(value, str):
            found[label].add(value)
    remembered_ms_type = tracker.get_slot("ms_type")
    if not found["ms_type"] and isinstance(remembered_ms_type, str):
        found["ms_type"].add(remembered_ms_type)
    return found


def remembered_entities(tracker: Tracker) -> Dict[str, Set[str]]:
    """What the person said in earlier messages that still applies (their MS type)."""
    remembered_ms_type = tracker.get_slot("ms_type")
    if isinstance(remembered_ms_type, str):
        return {"ms_type": {remembered_ms_type}}
    return {}
