"""The project's spaCy pipeline: built from the lexicon, loadable by Rasa, canonical values."""

import pytest
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.training_data.message import Message

from custom_nlu.entity_ruler_extractor import EntityRulerExtractor
from custom_nlu.spacy_pipeline import build_pipeline, is_current


@pytest.fixture(scope="module")
def saved_pipeline(tmp_path_factory):
    path = tmp_path_factory.mktemp("spacy") / "ms_en"
    build_pipeline().to_disk(path)
    return path


@pytest.fixture(scope="module")
def rasa_spacy(saved_pipeline):
    """The pipeline loaded the way Rasa's SpacyNLP loads it (spacy.load on the folder)."""
    model = SpacyNLP.load_model(str(saved_pipeline))
    SpacyNLP.ensure_proper_language_model(model.model)
    return SpacyNLP(model, {**SpacyNLP.get_default_config()}), model


def extract(rasa_spacy, text):
    component, model = rasa_spacy
    message = Message(data={"text": text})
    component.process([message], model)
    EntityRulerExtractor().process([message])
    return {(e["entity"], e["value"]) for e in message.get("entities", [])}


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Is aHSCT better than Ocrevus for SPMS?",
            {("therapy", "ahsct"), ("drug", "ocrelizumab"), ("ms_type", "spms")},
        ),
        (
            "what about the chemo reset for primary progressive ms",
            {("therapy", "ahsct"), ("ms_type", "ppms")},
        ),
        (
            "i am on tysabry and have relapsing remitting",
            {("drug", "natalizumab"), ("ms_type", "rrms")},
        ),
        ("Mesenchymal stem cells or MSC-NPs?", {("therapy", "msc"), ("therapy", "msc_np")}),
        ("what is h s c t", {("therapy", "ahsct")}),
        ("AUTOLOGOUS HAEMATOPOIETIC STEM CELL TRANSPLANTATION", {("therapy", "ahsct")}),
        (
            "Copaxone, Kesimpta or Lemtrada",
            {("drug", "glatiramer_acetate"), ("drug", "ofatumumab"), ("drug", "alemtuzumab")},
        ),
        ("how long is the hospital stay", set()),
    ],
)
def test_entities_get_canonical_values(rasa_spacy, text, expected):
    assert extract(rasa_spacy, text) == expected


def test_entity_offsets_point_at_the_words(rasa_spacy):
    component, model = rasa_spacy
    text = "Is HSCT safer than Lemtrada?"
    message = Message(data={"text": text})
    component.process([message], model)
    EntityRulerExtractor().process([message])
    spans = {text[e["start"] : e["end"]] for e in message.get("entities")}
    assert spans == {"HSCT", "Lemtrada"}


def test_an_empty_message_has_no_entities(rasa_spacy):
    assert extract(rasa_spacy, "") == set()


def test_build_records_the_lexicon_fingerprint(saved_pipeline):
    assert is_current(saved_pipeline)


def test_a_changed_lexicon_makes_the_pipeline_stale(saved_pipeline, tmp_path):
    lexicon = tmp_path / "lexicon"
    lexicon.mkdir()
    (lexicon / "entities.yml").write_text("drug:\n  newdrug: [newdrug]\n")
    assert not is_current(saved_pipeline, lexicon_dir=lexicon)
