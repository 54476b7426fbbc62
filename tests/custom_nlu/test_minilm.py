"""The MiniLM sentence encoder: BERT tokenization, and an ONNX model that computes exactly
what the reference NumPy forward pass computes, at every length."""

import numpy as np
import pytest
from rasa.shared.nlu.training_data.message import Message

from custom_nlu.minilm import MAX_TOKENS, get_encoder, model_dir
from custom_nlu.minilm_build import is_current
from custom_nlu.sentence_embedding_featurizer import SentenceEmbeddingFeaturizer
from tests.custom_nlu.reference_minilm import ReferenceEncoder


@pytest.fixture(scope="module")
def encoder():
    return get_encoder()


def test_wordpiece_matches_the_bert_vocabulary(encoder):
    vocab = encoder.tokenizer.vocab
    ids = encoder.tokenizer.encode("What happens during HSCT?")
    inverse = {i: t for t, i in vocab.items()}
    assert [inverse[i] for i in ids] == [
        "[CLS]",
        "what",
        "happens",
        "during",
        "hs",
        "##ct",
        "?",
        "[SEP]",
    ]


def test_accents_are_stripped_and_long_text_truncated(encoder):
    assert encoder.tokenizer.encode("café") == encoder.tokenizer.encode("cafe")
    assert len(encoder.tokenizer.encode("word " * 500)) == MAX_TOKENS


def test_embeddings_are_unit_length_and_deterministic(encoder):
    first = encoder.embed("how much does the transplant cost")
    assert first.shape == (encoder.dimension,) and first.dtype == np.float32
    assert abs(float(np.linalg.norm(first)) - 1.0) < 1e-5
    assert np.allclose(first, encoder._compute("how much does the transplant cost"), atol=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "EDSS?",  # four word pieces
        "what are the side effects of hsct",
        "Is HSCT an option for non-relapsing MS? My wife has had it for 12 years.",
        "My husband was diagnosed eight years ago with relapsing remitting MS and after "
        "Tecfidera and then Ocrevus he still has new lesions on every MRI; his neurologist "
        "in Sheffield mentioned aHSCT and we would like to know what the evidence says.",
        "word " * 300,  # truncated to the model's 128 word pieces
    ],
)
def test_the_built_model_matches_the_reference_forward_pass(encoder, text):
    reference = ReferenceEncoder(model_dir())
    assert float(encoder._compute(text) @ reference.embed(text)) > 0.99999


def test_the_built_encoder_is_current():
    from custom_nlu.minilm import ENCODER_DIR

    assert is_current(ENCODER_DIR, model_dir())


def test_paraphrases_are_closer_than_different_questions(encoder):
    cost = encoder.embed("how much does hsct cost")
    price = encoder.embed("what is the price of a stem cell transplant")
    risk = encoder.embed("what are the chances of dying from it")
    assert float(cost @ price) > float(cost @ risk) + 0.2


def test_cached_embeddings_cannot_be_modified(encoder):
    vector = encoder.embed("is it safe")
    with pytest.raises(ValueError):
        vector[0] = 1.0


def test_featurizer_adds_a_scaled_sentence_feature(encoder):
    featurizer = SentenceEmbeddingFeaturizer(
        {**SentenceEmbeddingFeaturizer.get_default_config(), "scale": 2.0}, "emb", encoder
    )
    message = Message(data={"text": "what is aHSCT"})
    empty = Message(data={"text": ""})
    featurizer.process([message, empty])
    sequence, sentence = message.get_dense_features("text")
    assert sequence is None
    assert sentence.features.shape == (1, encoder.dimension)
    assert np.allclose(sentence.features[0], 2.0 * encoder.embed("what is aHSCT"))
    assert empty.get_dense_features("text") == (None, None)


def test_featurizer_rejects_a_non_positive_scale():
    with pytest.raises(ValueError):
        SentenceEmbeddingFeaturizer.validate_config({"scale": 0})


def test_every_dev_question_gets_the_reference_embedding(encoder):
    """The runtime computes what the model computes, on the questions people really ask
    (the dev set, evaluation only: its texts are read here, never trained on)."""
    from devtools.eval_real import load_dev_set

    reference = ReferenceEncoder(model_dir())
    questions = [question.text for question in load_dev_set()]
    similarities = [float(encoder._compute(text) @ reference.embed(text)) for text in questions]
    assert len(similarities) > 300
    assert min(similarities) >= 0.9999
