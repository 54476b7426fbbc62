"""The evidence item ranker: scores, persistence, and rankings per question of a message.

A small bag-of-words encoder stands in for MiniLM so the arithmetic can be checked exactly; the
real encoder is exercised by the NLU and eval-real runs on the trained model.
"""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

import custom_nlu.item_ranker as item_ranker
from custom_nlu.item_ranker import EvidenceItemRanker, NearestExamples

VOCABULARY = ["cost", "pay", "insurance", "hair", "chemo", "die", "risk", "trial", "join"]


class WordEncoder:
    """Unit-length word-count vectors over a tiny vocabulary."""

    dimension = len(VOCABULARY)

    def embed(self, text):
        words = text.lower().replace("?", " ").split()
        vector = np.array([float(words.count(w)) for w in VOCABULARY], dtype=np.float32)
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector


EXAMPLES = [
    ("cost.price", "cost", "what does it cost"),
    ("cost.price", "cost", "how much do i pay"),
    ("cost.insurance", "cost", "will insurance pay"),
    ("cost.insurance", "cost", "insurance"),
    ("side.hair", "side", "will chemo take my hair"),
    ("side.hair", "side", "hair"),
    ("risk.death", "risk", "can i die"),
    ("risk.death", "risk", "risk die"),
]
ANSWERS = [
    ("cost.price", "cost"),
    ("cost.insurance", "insurance pay"),
    ("risk.death", "risk die"),
    ("side.hair", "hair chemo"),
]


def test_nearest_examples_score_each_label_by_its_closest_examples():
    vectors = np.eye(3, dtype=np.float32)
    nearest = NearestExamples(["b", "a", "b"], vectors)
    assert nearest.labels == ["a", "b"]
    assert nearest.scores(np.array([0, 0, 1.0], dtype=np.float32)).tolist() == [0.0, 1.0]
    mean_of_two = NearestExamples(["b", "a", "b"], vectors, best_of=2)
    assert mean_of_two.scores(np.array([0, 0, 1.0], dtype=np.float32)).tolist() == [0.0, 0.5]


@pytest.fixture
def ranker(tmp_path, monkeypatch):
    monkeypatch.setattr(item_ranker, "get_encoder", WordEncoder)
    monkeypatch.setattr(item_ranker, "ranking_examples", lambda: EXAMPLES)
    monkeypatch.setattr(item_ranker, "answer_texts", lambda: ANSWERS)
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), node_name="ranker")
    config = EvidenceItemRanker.get_default_config()
    trainer = EvidenceItemRanker.create(config, storage, Resource("ranker"), context)
    training = TrainingData(
        [
            Message(data={"text": "how much does it cost", "intent": "ask_cost"}),
            Message(data={"text": "is it risky can i die", "intent": "ask_risk"}),
            Message(data={"text": "hello", "intent": "greet"}),
        ]
    )
    resource = trainer.train(training)
    return EvidenceItemRanker.load(config, storage, resource, context)


def parsed(ranker, text):
    message = Message(data={"text": text})
    ranker.process([message])
    return message.as_dict(only_output_properties=True)


def test_the_trained_ranker_puts_the_matching_item_first(ranker):
    result = parsed(ranker, "will insurance pay for it")
    assert result["item_ranking"][0]["id"] == "cost.insurance"
    assert result["item_ranking"][0]["topic"] == "cost"
    scores = [entry["score"] for entry in result["item_ranking"]]
    assert scores == sorted(scores, reverse=True)


def test_topic_scores_come_from_faq_training_examples_only(ranker):
    result = parsed(ranker, "can i die")
    assert set(result["topic_scores"]) == {"cost", "risk"}  # greet is not a topic
    assert max(result["topic_scores"], key=result["topic_scores"].get) == "risk"
    probabilities = result["topic_probabilities"]
    assert set(probabilities) == {"cost", "risk"} and probabilities["risk"] > 0.5
    assert abs(sum(probabilities.values()) - 1.0) < 1e-3


def test_each_question_of_a_message_gets_its_own_ranking(ranker):
    result = parsed(ranker, "I have had MS for years. Will insurance pay? Will chemo take my hair?")
    parts = result["question_parts"]
    assert [p["text"] for p in parts] == ["Will insurance pay?", "Will chemo take my hair?"]
    assert [p["item_ranking"][0]["id"] for p in parts] == ["cost.insurance", "side.hair"]


def test_a_single_question_has_no_parts_and_an_empty_message_nothing(ranker):
    assert "question_parts" not in parsed(ranker, "can i die")
    assert "item_ranking" not in parsed(ranker, "   ")


def test_a_model_without_the_ranker_resource_ranks_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(item_ranker, "get_encoder", WordEncoder)
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), node_name="ranker")
    config = EvidenceItemRanker.get_default_config()
    empty = EvidenceItemRanker.load(config, storage, Resource("never-trained"), context)
    assert parsed(empty, "can i die")["item_ranking"] == []
