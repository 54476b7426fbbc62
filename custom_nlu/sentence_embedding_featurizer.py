"""Rasa NLU component: a dense sentence feature from all-MiniLM-L6-v2 (custom_nlu/minilm.py).

Word and character counts only know the phrasings in the training data; a pretrained sentence
embedding also places unseen phrasings ("how much will I have to fork out") near the right
examples. Cross-validation: weighted F1 0.74 with counts alone, 0.88 with this feature added
(docs/nlu-and-performance.md).
"""

from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from custom_nlu.minilm import ENCODER_DIR, MiniLMEncoder, get_encoder


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds the MiniLM sentence embedding of the text as a sentence-level dense feature."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # The embedding is unit length while count features are integers; scaling it up
            # lets a linear classifier weigh both (measured: scale 14 gives the best F1).
            "scale": 14.0,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """The encoder's weights are outside the graph: a rebuilt encoder must not reuse
        features Rasa cached from the previous one."""
        manifest = ENCODER_DIR / "manifest.json"
        return manifest.read_text() if manifest.exists() else None

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if float(config.get("scale", 1.0)) <= 0:
            raise ValueError("SentenceEmbeddingFeaturizer: 'scale' must be positive")

    def __init__(self, config: Dict[Text, Any], name: Text, encoder: MiniLMEncoder) -> None:
        super().__init__(name, config)
        self._encoder = encoder
        self._scale = float(config["scale"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context.node_name, get_encoder())

    def _featurize(self, message: Message) -> None:
        text = message.get(TEXT)
        if not text:
            return
        sentence = (self._encoder.embed(text) * self._scale).astype(np.float32)
        self.add_features_to_message(None, sentence.reshape(1, -1), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._featurize(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._featurize(message)
        return messages
