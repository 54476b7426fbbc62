"""A typed question as the phone channel hands it to NLU (channels/phone_text.py)."""

from channels.phone_text import recogniser_text, spoken_button, voice_channel_text


def test_a_recogniser_spells_acronyms_and_drops_punctuation():
    assert recogniser_text("Is aHSCT safe for MS? My EDSS is 3.5!") == (
        "is a h s c t safe for m s my e d s s is 3.5"
    )
    assert recogniser_text("MS's DMTs / side-effects") == "m s d m t s side effects"


def test_the_phone_channel_joins_the_letters_again_as_nlu_expects():
    assert voice_channel_text("What are the side effects of HSCT?") == (
        "what are the side effects of hsct"
    )


def test_a_button_is_read_out_by_its_topic_name_or_its_title_made_speakable():
    assert spoken_button({"title": "Costs", "payload": "/ask_cost_insurance"}) != "Costs"
    assert spoken_button({"title": "How long it takes", "payload": "/x"}) == "How long it takes"
