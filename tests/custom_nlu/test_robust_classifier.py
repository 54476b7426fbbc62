"""The intent classifier: featureless messages fall back; fast probabilities equal Rasa's."""

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from custom_nlu.robust_classifier import RobustLogisticRegressionClassifier, has_features

INTENTS = ["ask_cost", "ask_risk", "ask_trials", "greet"]


def example(rng, intent=None):
    message = Message(data={"text": "x", **({"intent": intent} if intent else {})})
    words = scipy.sparse.random(1, 40, density=0.1, random_state=rng, format="coo")
    chars = scipy.sparse.random(1, 60, density=0.05, random_state=rng, format="coo")
    message.add_features(Features(words, "sentence", "text", "words"))
    message.add_features(Features(np.ones((3, 40)), "sequence", "text", "words"))
    message.add_features(Features(chars, "sentence", "text", "chars"))
    message.add_features(Features(rng.normal(size=(1, 8)), "sentence", "text", "embedding"))
    return message


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    rng = np.random.RandomState(3)
    data = TrainingData([example(rng, INTENTS[i % 4]) for i in range(80)])
    storage = LocalModelStorage(tmp_path_factory.mktemp("lr"))
    context = ExecutionContext(GraphSchema({}), node_name="lr")
    config = {**RobustLogisticRegressionClassifier.get_default_config(), "max_iter": 500}
    ours = RobustLogisticRegressionClassifier.create(config, storage, Resource("lr"), context)
    ours.train(data)
    rasas = LogisticRegressionClassifier.create(config, storage, Resource("lr2"), context)
    rasas.clf = ours.clf
    return ours, rasas, rng


def test_probabilities_equal_rasas_path(trained):
    ours, rasas, rng = trained
    for _ in range(20):
        message = example(rng)
        twin = Message(data=dict(message.data), features=list(message.features))
        ours.process([message])
        rasas.process([twin])
        assert message.get("intent")["name"] == twin.get("intent")["name"]
        mine = {r["name"]: r["confidence"] for r in message.get("intent_ranking")}
        theirs = {r["name"]: r["confidence"] for r in twin.get("intent_ranking")}
        assert mine.keys() == theirs.keys()
        assert all(abs(mine[k] - theirs[k]) < 1e-9 for k in mine)


def test_has_features_looks_for_a_sentence_feature_of_the_text():
    message = Message(data={"text": "hi"})
    assert not has_features(message)
    message.add_features(Features(np.ones((1, 3)), "sequence", "text", "test"))
    assert not has_features(message)
    message.add_features(Features(np.ones((1, 3)), "sentence", "text", "test"))
    assert has_features(message)


def test_a_featureless_message_becomes_nlu_fallback(trained):
    ours, _, rng = trained
    empty, normal = Message(data={"text": ""}), example(rng)
    ours.process([empty, normal])
    assert empty.get("intent") == {"name": "nlu_fallback", "confidence": 0.0}
    assert empty.get("intent_ranking") == [{"name": "nlu_fallback", "confidence": 0.0}]
    assert normal.get("intent")["name"] in INTENTS


def test_features_of_another_width_take_rasas_path_and_its_error(trained):
    ours, _, _ = trained
    odd = Message(data={"text": "x"})
    odd.add_features(Features(np.ones((1, 5)), "sentence", "text", "embedding"))
    with pytest.raises(ValueError):
        ours.process([odd])
