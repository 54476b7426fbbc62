"""Rasa NLU component: a safety net that forces the `emergency` intent when a message matches
an urgent-help phrase (lexicon/emergency_phrases.yml), whatever the classifier thought.

A statistical classifier can rank "I've had a fever since yesterday, two weeks after my
transplant" as a side-effects question; a person in that situation must get urgent-help
guidance first, so clear phrases are matched deterministically. It runs after the
FallbackClassifier so a low-confidence message that is an emergency is not lost to the
"did you mean" path either: when the fallback fired but the classifier's own best guess was
`emergency`, the urgent-help answer wins too (a needless urgent-help message costs little; a
"did you mean" list in front of someone with a fever after a transplant costs a lot).
"""

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from custom_nlu.lexicon import emergency_patterns

EMERGENCY_INTENT = "emergency"
FALLBACK_INTENT = "nlu_fallback"


def compile_patterns(patterns: Dict[str, List[str]]) -> List[re.Pattern]:
    return [
        re.compile(expression, re.IGNORECASE)
        for expressions in patterns.values()
        for expression in expressions
    ]


def matches_emergency(text: str, compiled: List[re.Pattern]) -> bool:
    return any(pattern.search(text) for pattern in compiled)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyPhraseDetector(GraphComponent, IntentClassifier):
    """Sets the intent to `emergency` for messages that match an urgent-help phrase."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self, compiled: List[re.Pattern]) -> None:
        self._compiled = compiled

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EmergencyPhraseDetector":
        return cls(compile_patterns(emergency_patterns()))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = message.get(INTENT_RANKING_KEY, [])
            best_guess = _best_guess(ranking)
            fallback = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == FALLBACK_INTENT
            if matches_emergency(message.get(TEXT) or "", self._compiled):
                confidence = 1.0
            elif fallback and best_guess.get(INTENT_NAME_KEY) == EMERGENCY_INTENT:
                confidence = best_guess[PREDICTED_CONFIDENCE_KEY]
            else:
                continue
            forced = {INTENT_NAME_KEY: EMERGENCY_INTENT, PREDICTED_CONFIDENCE_KEY: confidence}
            rest = [entry for entry in ranking if entry.get(INTENT_NAME_KEY) != EMERGENCY_INTENT]
            message.set(INTENT, forced, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [forced] + rest, add_to_output=True)
        return messages


def _best_guess(ranking: List[Dict[Text, Any]]) -> Dict[Text, Any]:
    """The classifier's top intent, ignoring the fallback's own entry."""
    return next((entry for entry in ranking if entry.get(INTENT_NAME_KEY) != FALLBACK_INTENT), {})
