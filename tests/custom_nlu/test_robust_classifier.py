"""The classifier that no longer fails the turn on a message without features."""

import numpy as np
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from custom_nlu.robust_classifier import RobustLogisticRegressionClassifier, has_features


class Recording(RobustLogisticRegressionClassifier):
    def __init__(self):  # no model storage needed: only process() is exercised
        self.seen = []


def sentence_feature():
    return Features(np.ones((1, 3)), "sentence", "text", "test")


def test_has_features_looks_for_a_sentence_feature_of_the_text():
    message = Message(data={"text": "hi"})
    assert not has_features(message)
    message.add_features(Features(np.ones((1, 3)), "sequence", "text", "test"))
    assert not has_features(message)
    message.add_features(sentence_feature())
    assert has_features(message)


def test_a_featureless_message_becomes_nlu_fallback_and_others_are_classified(monkeypatch):
    classified = []
    monkeypatch.setattr(
        "rasa.nlu.classifiers.logistic_regression_classifier.LogisticRegressionClassifier.process",
        lambda self, messages: classified.extend(messages) or messages,
    )
    empty, normal = Message(data={"text": ""}), Message(data={"text": "hello"})
    normal.add_features(sentence_feature())
    Recording().process([empty, normal])
    assert classified == [normal]
    assert empty.get("intent") == {"name": "nlu_fallback", "confidence": 0.0}
    assert empty.get("intent_ranking") == [{"name": "nlu_fallback", "confidence": 0.0}]
