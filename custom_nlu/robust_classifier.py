"""Rasa's LogisticRegressionClassifier, made safe for messages with no features.

An empty or whitespace-only message has no tokens, so no featurizer adds anything, and
scikit-learn refuses the zero-width row: Rasa 3.6 then fails the whole turn and the person
gets silence. Here such a message is classified as `nlu_fallback` with an empty ranking, so
the assistant asks them to say it another way.
"""

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message


def has_features(message: Message) -> bool:
    # Looks at the feature list itself: Message.get_*_features would combine (copy) the
    # matrices just to answer yes or no.
    return any(
        feature.attribute == TEXT and feature.type == FEATURE_TYPE_SENTENCE
        for feature in message.features
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RobustLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Logistic regression intent classifier that never fails on a featureless message."""

    def process(self, messages: List[Message]) -> List[Message]:
        featured = [m for m in messages if has_features(m)]
        if featured:
            super().process(featured)
        for message in messages:
            if not has_features(message):
                unknown = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 0.0}
                message.set(INTENT, unknown, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [unknown], add_to_output=True)
        return messages
