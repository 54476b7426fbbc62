"""The payloads a person's button press may send, and nothing else.

Rasa reads any message that starts with "/" as an intent with entities (and even a
confidence: "/emergency@0.99"), so without this anyone could type "/EXTERNAL_staff_reply" or
"/request_human{...}". A payload is accepted only when a button of the assistant could have
sent exactly it: the buttons of domain.yml's responses, the topic buttons (evidence/topics.yml),
the "did you mean" buttons (a topic's intent with one of that topic's evidence item ids), the
widget's own buttons (greeting, talk to a person, thumbs up or down, a thumbs-down's reason from
lexicon/feedback_reasons.yml) and the phone's choices.
"""

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Set, Tuple

import yaml

from channels.feedback_reasons import load_feedback_reasons

ROOT = Path(__file__).resolve().parent.parent
PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_]+)(?P<entities>\{.*\})?$", re.DOTALL)
# Sent by the widget's own controls (widget/src/widget.js), not by a response's buttons.
WIDGET_PAYLOADS = ("/greet", "/request_human")
FEEDBACK = ("give_feedback", "feedback_value", ("up", "down"))
FEEDBACK_REASON_INTENT = "feedback_reason"  # the entity has the same name; values: the keys
ITEM_ENTITY = "evidence_item"

Payload = Tuple[str, FrozenSet[Tuple[str, str]]]


@dataclass(frozen=True)
class ParsedPayload:
    intent: str
    entities: Dict[str, str]

    @property
    def key(self) -> Payload:
        return self.intent, frozenset(self.entities.items())


def parse_payload(text: str) -> Optional[ParsedPayload]:
    """'/intent' or '/intent{"entity": "value"}' with string values; anything else: None."""
    match = PAYLOAD.match(text.strip())
    if not match:
        return None
    entities: Dict[str, str] = {}
    if match.group("entities"):
        try:
            parsed = json.loads(match.group("entities"))
        except ValueError:
            return None
        if not isinstance(parsed, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
        ):
            return None
        entities = parsed
    return ParsedPayload(match.group("intent"), entities)


def _read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _domain_button_payloads(domain: dict) -> Set[str]:
    payloads: Set[str] = set()
    for variations in (domain.get("responses") or {}).values():
        for variation in variations or []:
            for button in variation.get("buttons") or []:
                if isinstance(button.get("payload"), str):
                    payloads.add(button["payload"])
    return payloads


def allowed_payloads(root: Path = ROOT) -> FrozenSet[Payload]:
    """Every (intent, entities) pair a button may send, read from the domain and evidence."""
    allowed: Set[Payload] = set()
    texts = set(WIDGET_PAYLOADS) | _domain_button_payloads(_read(root / "domain.yml"))
    voice_names = ((_read(root / "lexicon" / "voice.yml").get("choices") or {}).get("names")) or {}
    texts |= set(voice_names)
    for text in texts:
        parsed = parse_payload(text)
        if parsed is not None:
            allowed.add(parsed.key)
    topics = _read(root / "evidence" / "topics.yml").get("topics") or []
    intents = {topic["id"]: topic["intent"] for topic in topics}
    for intent in intents.values():
        allowed.add((intent, frozenset()))
    for path in sorted((root / "evidence" / "items").glob("*.yml")):
        raw = _read(path)
        intent = intents.get(raw.get("topic"))
        for item in raw.get("items") or []:
            if intent:
                allowed.add((intent, frozenset({(ITEM_ENTITY, item["id"])})))
    intent, entity, values = FEEDBACK
    allowed |= {(intent, frozenset({(entity, value)})) for value in values}
    reasons = load_feedback_reasons(root / "lexicon" / "feedback_reasons.yml")
    allowed |= {
        (FEEDBACK_REASON_INTENT, frozenset({(FEEDBACK_REASON_INTENT, key)})) for key in reasons
    }
    return frozenset(allowed)


@lru_cache(maxsize=1)
def _cached_allowed() -> FrozenSet[Payload]:
    return allowed_payloads()


def is_allowed_payload(text: str, allowed: Optional[FrozenSet[Payload]] = None) -> bool:
    parsed = parse_payload(text)
    if parsed is None:
        return False
    return parsed.key in (allowed if allowed is not None else _cached_allowed())
