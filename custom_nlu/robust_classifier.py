"""Rasa's LogisticRegressionClassifier, made safe for featureless messages, and cheaper.

- An empty or whitespace-only message has no tokens, so no featurizer adds anything, and
  scikit-learn refuses the zero-width row: Rasa 3.6 then fails the whole turn and the person
  gets silence. Here such a message is classified as `nlu_fallback` with an empty ranking, so
  the assistant asks them to say it another way.
- At run time the probabilities are computed from the trained coefficients directly: Rasa
  deep-copies and re-stacks every feature matrix into a new sparse row for each message
  (profiled: 3 ms a turn). Same model, same arithmetic (softmax of X·Wᵀ + b, as scikit-learn's
  multinomial predict_proba); other solvers and two-class models use Rasa's path.
"""

from typing import Any, Dict, List, Optional

import numpy as np
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
from rasa.utils.tensorflow.constants import RANKING_LENGTH


def sentence_features(message: Message) -> List[Any]:
    """The message's sentence-level text features, sparse ones first, in featurizer order —
    the column order Rasa's classifier was trained on."""
    features = [
        f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE
    ]
    return [f.features for f in features if f.is_sparse()] + [
        f.features for f in features if f.is_dense()
    ]


def has_features(message: Message) -> bool:
    # Looks at the feature list itself: Message.get_*_features would combine (copy) the
    # matrices just to answer yes or no.
    return bool(sentence_features(message))


def _multinomial(clf: Any) -> bool:
    return (
        getattr(clf, "coef_", None) is not None
        and len(clf.classes_) > 2
        and clf.solver != "liblinear"
        and clf.multi_class in ("auto", "multinomial")
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RobustLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Logistic regression intent classifier that never fails on a featureless message."""

    def probabilities(self, message: Message) -> Optional[np.ndarray]:
        """Class probabilities computed from the coefficients; None if not applicable."""
        if not _multinomial(self.clf):
            return None
        logits = self.clf.intercept_.astype(np.float64).copy()
        offset = 0
        for block in sentence_features(message):
            width = block.shape[1]
            weights = self.clf.coef_[:, offset : offset + width]
            if hasattr(block, "tocsr"):
                row = block.tocsr()
                logits += weights[:, row.indices] @ row.data.astype(np.float64)
            else:
                logits += weights @ np.asarray(block, dtype=np.float64).ravel()
            offset += width
        if offset != self.clf.coef_.shape[1]:
            return None  # features differ from training: let Rasa's path report it
        logits -= logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not has_features(message):
                unknown = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 0.0}
                message.set(INTENT, unknown, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [unknown], add_to_output=True)
                continue
            probabilities = self.probabilities(message)
            if probabilities is None:
                super().process([message])
                continue
            self._set_ranking(message, probabilities)
        return messages

    def _set_ranking(self, message: Message, probabilities: np.ndarray) -> None:
        ranking: List[Dict[str, Any]] = sorted(
            (
                {"name": name, "confidence": float(p)}
                for name, p in zip(self.clf.classes_, probabilities, strict=False)
            ),
            key=lambda entry: -entry["confidence"],
        )
        message.set(INTENT, ranking[0], add_to_output=True)
        if self.config[RANKING_LENGTH] > 0:
            ranking = ranking[: self.config[RANKING_LENGTH]]
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
