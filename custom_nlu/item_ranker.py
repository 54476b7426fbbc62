"""Rasa NLU component: ranks every evidence item for the message, and for each question in it.

A message is rarely "one of 23 topics": it asks a specific thing (a central line, a second
transplant), several things at once, or wraps one question in a paragraph of context. Each
evidence item lists the questions it answers (`questions:` in evidence/items/*.yml); this
component compares the message with them in the MiniLM sentence space the featurizer already
uses (the encoder caches the message's embedding, so the whole-message ranking costs one matrix
product, well under a millisecond).

It adds to the parse result, for the answering action:
- `item_ranking`: the best items for the message, `[{"id", "topic", "score"}]`, best first,
  where score is the cosine similarity to the item's closest example question;
- `topic_scores`: the same for topics, from the closest NLU training example of each FAQ intent;
- `topic_probabilities`: a small logistic regression on the sentence embedding alone, trained
  on the FAQ examples: a topic for each question of a message, where the intent classifier can
  only read the message as a whole (measured on the dev set: topic top-1 0.66 on the question
  alone, 0.70 together with the classifier);
- `question_parts`: when the message holds context or several questions, one entry per question
  (custom_nlu/question_parts.py) with its own item ranking and topic scores.
"""

import json
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.evidence_store import answer_texts, examples_fingerprint, ranking_examples
from custom_nlu.minilm import MiniLMEncoder, get_encoder
from custom_nlu.question_parts import question_parts

ITEM_RANKING_KEY = "item_ranking"
TOPIC_SCORES_KEY = "topic_scores"
TOPIC_PROBABILITIES_KEY = "topic_probabilities"
QUESTION_PARTS_KEY = "question_parts"
FAQ_INTENT_PREFIX = "ask_"


class NearestExamples:
    """Scores labels by the cosine similarity of their closest examples to a query.

    With `best_of=2` a label scores the mean of its two closest examples: measured on the dev
    set, one odd example that happens to sit near a question misleads less often than with
    the single closest (item top-1 0.39 -> 0.43).
    """

    def __init__(self, labels: Sequence[str], vectors: np.ndarray, best_of: int = 1) -> None:
        order = np.argsort(np.asarray(labels, dtype=object), kind="stable")
        self.vectors = np.ascontiguousarray(vectors[order], dtype=np.float32)
        sorted_labels = [labels[i] for i in order]
        self.labels: List[str] = sorted(set(sorted_labels))
        self._starts = np.searchsorted(np.asarray(sorted_labels, dtype=object), self.labels)
        self.best_of = best_of
        # Each label's example rows as one padded row of a matrix (padding points at an extra
        # -inf score), so the mean of the closest `best_of` is one vectorised partition.
        ends = list(self._starts[1:]) + [len(sorted_labels)]
        width = max((end - start for start, end in zip(self._starts, ends, strict=True)), default=0)
        self._padded = np.full((len(self.labels), max(width, best_of)), len(sorted_labels))
        for row, (start, end) in enumerate(zip(self._starts, ends, strict=True)):
            self._padded[row, : end - start] = np.arange(start, end)

    def scores(self, query: np.ndarray) -> np.ndarray:
        """One score per label (self.labels order)."""
        if not len(self.labels):
            return np.zeros(0, dtype=np.float32)
        similarities = self.vectors @ query.astype(np.float32)
        if self.best_of == 1:
            return np.maximum.reduceat(similarities, self._starts)
        padded = np.append(similarities, np.float32(-np.inf))[self._padded]
        closest = np.partition(padded, -self.best_of, axis=1)[:, -self.best_of :]
        # a label with fewer examples than best_of averages the ones it has
        closest = np.where(np.isfinite(closest), closest, np.nan)
        return np.nanmean(closest, axis=1).astype(np.float32)

    def ranking(self, query: np.ndarray, limit: int) -> List[Tuple[str, float]]:
        scores = self.scores(query)
        best = np.argsort(-scores, kind="stable")[:limit]
        return [(self.labels[i], round(float(scores[i]), 4)) for i in best]


class EmbeddingTopicClassifier:
    """Multinomial logistic regression from a sentence embedding to an FAQ topic."""

    def __init__(self, classes: Sequence[str], weights: np.ndarray, bias: np.ndarray) -> None:
        self.classes = list(classes)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.bias = np.asarray(bias, dtype=np.float32)

    @classmethod
    def fit(
        cls, vectors: np.ndarray, labels: Sequence[str], c: float
    ) -> "EmbeddingTopicClassifier":
        from sklearn.linear_model import LogisticRegression

        if len(set(labels)) < 2:
            return cls(sorted(set(labels)), np.zeros((0, vectors.shape[1])), np.zeros(0))
        model = LogisticRegression(C=c, max_iter=2000).fit(vectors, list(labels))
        return cls(list(model.classes_), model.coef_, model.intercept_)

    def probabilities(self, query: np.ndarray) -> np.ndarray:
        if not len(self.bias):
            return np.zeros(len(self.classes), dtype=np.float32)
        logits = self.weights @ query.astype(np.float32) + self.bias
        if len(self.classes) == 2:  # scikit-learn keeps one row for two classes
            second = 1.0 / (1.0 + np.exp(-logits[0]))
            return np.array([1.0 - second, second], dtype=np.float32)
        logits -= logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def ranking(self, query: np.ndarray, limit: int) -> List[Tuple[str, float]]:
        probabilities = self.probabilities(query)
        best = np.argsort(-probabilities, kind="stable")[:limit]
        return [(self.classes[i], round(float(probabilities[i]), 4)) for i in best]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EvidenceItemRanker(GraphComponent):
    """Adds item and topic rankings, per message and per question, to the parse result."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "items_kept": 10,
            "topics_kept": 5,
            # an item scores its closest example questions plus this share of the similarity
            # to its answer text, which names what the questions may not ("hair", "line")
            "answer_weight": 0.5,
            # regularisation of the per-question topic classifier (measured best of 1-30)
            "topic_classifier_c": 4.0,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        # The example questions live in the evidence store, outside Rasa's training data.
        return examples_fingerprint()

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        encoder: MiniLMEncoder,
        items: Optional[NearestExamples] = None,
        topics: Optional[NearestExamples] = None,
        item_topics: Optional[Dict[str, str]] = None,
        answers: Optional[NearestExamples] = None,
        topic_classifier: Optional["EmbeddingTopicClassifier"] = None,
    ) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._encoder = encoder
        self._items = items
        self._topics = topics
        self._item_topics = item_topics or {}
        self._answers = answers
        self._topic_classifier = topic_classifier

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EvidenceItemRanker":
        return cls(config, model_storage, resource, get_encoder())

    # --- training ---------------------------------------------------------------------------
    def _embed_all(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._encoder.dimension), dtype=np.float32)
        return np.stack([self._encoder.embed(text) for text in texts])

    def train(self, training_data: TrainingData) -> Resource:
        examples = ranking_examples()
        item_ids = [item_id for item_id, _, _ in examples]
        item_vectors = self._embed_all([text for _, _, text in examples])
        answers = answer_texts()
        answer_vectors = self._embed_all([text for _, text in answers])
        faq = [
            (m.get(INTENT), m.get(TEXT))
            for m in training_data.intent_examples
            if str(m.get(INTENT) or "").startswith(FAQ_INTENT_PREFIX) and m.get(TEXT)
        ]
        topic_labels = [intent[len(FAQ_INTENT_PREFIX) :] for intent, _ in faq]
        topic_vectors = self._embed_all([text for _, text in faq])
        classifier = EmbeddingTopicClassifier.fit(
            topic_vectors, topic_labels, float(self._config["topic_classifier_c"])
        )
        with self._storage.write_to(self._resource) as directory:
            np.savez_compressed(
                directory / "vectors.npz",
                items=item_vectors,
                topics=topic_vectors,
                answers=answer_vectors,
                topic_weights=classifier.weights,
                topic_bias=classifier.bias,
            )
            (directory / "labels.json").write_text(
                json.dumps(
                    {
                        "items": item_ids,
                        "item_topics": {i: t for i, t, _ in examples},
                        "topics": topic_labels,
                        "answers": [item_id for item_id, _ in answers],
                        "topic_classes": classifier.classes,
                    }
                )
            )
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "EvidenceItemRanker":
        encoder = get_encoder()
        try:
            with model_storage.read_from(resource) as directory:
                vectors = np.load(directory / "vectors.npz")
                labels = json.loads((directory / "labels.json").read_text())
                items = NearestExamples(labels["items"], vectors["items"], best_of=2)
                topics = NearestExamples(labels["topics"], vectors["topics"])
                answers = NearestExamples(labels["answers"], vectors["answers"])
                topic_classifier = EmbeddingTopicClassifier(
                    labels["topic_classes"], vectors["topic_weights"], vectors["topic_bias"]
                )
        except ValueError:
            # Nothing persisted (a model trained before this component existed).
            return cls(config, model_storage, resource, encoder)
        return cls(
            config,
            model_storage,
            resource,
            encoder,
            items,
            topics,
            labels["item_topics"],
            answers,
            topic_classifier,
        )

    # --- run time ---------------------------------------------------------------------------
    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def rankings(self, text: str) -> Dict[str, Any]:
        """Item ranking and topic scores of one piece of text."""
        if self._items is None or self._topics is None:
            return {ITEM_RANKING_KEY: [], TOPIC_SCORES_KEY: {}, TOPIC_PROBABILITIES_KEY: {}}
        query = self._encoder.embed(text)
        scores = self._items.scores(query)
        if self._answers is not None and self._answers.labels == self._items.labels:
            scores = scores + float(self._config["answer_weight"]) * self._answers.scores(query)
        best = np.argsort(-scores, kind="stable")[: int(self._config["items_kept"])]
        items = [(self._items.labels[i], round(float(scores[i]), 4)) for i in best]
        topics = self._topics.ranking(query, int(self._config["topics_kept"]))
        probabilities = (
            self._topic_classifier.ranking(query, int(self._config["topics_kept"]))
            if self._topic_classifier is not None
            else []
        )
        return {
            TOPIC_PROBABILITIES_KEY: dict(probabilities),
            ITEM_RANKING_KEY: [
                {"id": item_id, "topic": self._item_topics.get(item_id), "score": score}
                for item_id, score in items
            ],
            TOPIC_SCORES_KEY: dict(topics),
        }

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text.strip():
                continue
            whole = self.rankings(text)
            message.set(ITEM_RANKING_KEY, whole[ITEM_RANKING_KEY], add_to_output=True)
            message.set(TOPIC_SCORES_KEY, whole[TOPIC_SCORES_KEY], add_to_output=True)
            message.set(TOPIC_PROBABILITIES_KEY, whole[TOPIC_PROBABILITIES_KEY], add_to_output=True)
            split = question_parts(text)
            if split.focused:
                parts = [{"text": part, **self.rankings(part)} for part in split.parts]
                message.set(QUESTION_PARTS_KEY, parts, add_to_output=True)
                if split.more_than_max:
                    message.set("more_questions_than_answered", True, add_to_output=True)
        return messages
