"""The phone connector's language: normalising transcripts, speakable text, choices."""

import re

import pytest
import yaml

from channels.voice_lexicon import (
    LEXICON_PATH,
    REQUIRED_PHRASES,
    Choice,
    build_lexicon,
    is_more,
    is_repeat,
    join_choices,
    load_lexicon,
    match_choice,
    normalise_speech,
    speakable,
    split_for_speech,
)

MARKUP = re.compile(r"\*|\]\(|https?://|www\.|\[|\]|`|#|\.org\b|\.com\b")


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


@pytest.mark.parametrize(
    "heard, expected",
    [
        ("What are the side effects of H S C T?", "what are the side effects of hsct"),
        ("what is a h s c t", "what is ahsct"),
        ("H.S.C.T. for M.S.", "hsct for ms"),
        ("my e d s s is six point five", "my edss is 6.5"),
        ("do m s c s work", "do mscs work"),
        ("what about m s c therapy", "what about msc therapy"),
        ("I have r r m s", "i have rrms"),
        ("my wife has s p m s", "my wife has spms"),
        ("is it for p p m s", "is it for ppms"),
        ("I'm on oak revis", "i'm on ocrevus"),
        ("compared with Ocrevis", "compared with ocrevus"),
        ("tie sabri or lem trada", "tysabri or lemtrada"),
        ("relapsing-remitting", "relapsing remitting"),
        ("myelo ablative or not", "myeloablative or not"),
        ("my temperature is thirty nine", "my temperature is 39"),
        ("I'm forty two with m s", "i'm 42 with ms"),
        ("one hundred and four", "104"),
        ("the study from twenty twenty four", "the study from 2024"),
        ("should I call 9 1 1", "should i call 911"),
        ("an e d s s of 6 point 5", "an edss of 6.5"),
        # a phone number said digit by digit (the callback form asks for one)
        ("oh seven seven oh oh nine oh oh one two three", "07700900123"),
        ("0 7 7 double oh 9 triple 0", "077009000"),
        ("call nine oh one", "call 901"),
    ],
)
def test_recogniser_transcripts_are_normalised_for_nlu(lexicon, heard, expected):
    assert normalise_speech(heard, lexicon) == expected


@pytest.mark.parametrize(
    "heard",
    ["which one is safer", "no one told me", "what's the point", "oh i see", "double check"],
)
def test_words_that_only_look_like_numbers_stay_words(lexicon, heard):
    assert normalise_speech(heard, lexicon) == heard


def test_a_transcript_cannot_smuggle_in_an_intent_payload(lexicon):
    assert not normalise_speech("/ask_cost_insurance", lexicon).startswith("/")


def test_normalising_nothing_is_nothing(lexicon):
    assert normalise_speech(None, lexicon) == normalise_speech("  ?! ", lexicon) == ""


def test_normalisation_rules_are_data():
    custom = build_lexicon(
        {
            "phrases": {key: "x" for key in REQUIRED_PHRASES},
            "normalise": {"replace": {"gizmo": ["g i z m o"]}, "numbers": {"units": {"two": 2}}},
        }
    )
    assert normalise_speech("the g i z m o has two parts", custom) == "the gizmo has 2 parts"


def test_the_lexicon_file_has_every_phrase_the_connector_says():
    with open(LEXICON_PATH, encoding="utf-8") as handle:
        phrases = yaml.safe_load(handle)["phrases"]
    assert set(REQUIRED_PHRASES) <= set(phrases)
    with pytest.raises(ValueError, match="say_more"):
        build_lexicon({"phrases": {k: "x" for k in REQUIRED_PHRASES if k != "say_more"}})


def test_hints_carry_the_domain_vocabulary(lexicon):
    hints = {h.lower() for h in lexicon.hints}
    for word in [
        "ahsct", "hsct", "edss", "ocrelizumab", "ocrevus", "natalizumab", "tysabri",
        "alemtuzumab", "lemtrada", "mesenchymal", "myeloablative", "relapsing remitting",
        "progressive ms",
    ]:  # fmt: skip
        assert word in hints
    assert len(lexicon.hints) <= 500 and all(len(h) <= 100 and "," not in h for h in lexicon.hints)


# --- speaking ------------------------------------------------------------------------------
def test_markdown_links_urls_emoji_and_citations_are_not_spoken(lexicon):
    text = (
        "## Risks\n**If this is an emergency, call now** 🚑 (see www.nhs.uk/emergency).\n\n"
        "- fever\n- chills\n\n"
        "Read [the NMSS page](https://www.nationalmssociety.org/x) or email help@example.org "
        "[1][Sormani 2017]. *Sources:* Sormani et al., _Neurology_ (2017) `code`"
    )
    spoken = speakable(text, lexicon)
    assert not MARKUP.search(spoken), spoken
    assert "🚑" not in spoken and "@" not in spoken
    assert "If this is an emergency, call now" in spoken
    assert "Read the NMSS page" in spoken
    assert "fever. chills." in spoken  # list items become sentences
    assert "Sormani et al" in spoken and "Neurology" in spoken


def test_abbreviations_are_spelled_the_way_they_are_said(lexicon):
    spoken = speakable("aHSCT for MS, e.g. RRMS.", lexicon)
    assert spoken == "A H S C T for M S, for example R R M S."
    assert speakable("Ms Smith", lexicon) == "Ms Smith"  # case-sensitive, whole words


def test_the_real_written_urgent_help_is_speakable(lexicon, domain):
    written = domain["responses"]["utter_urgent_help"][0]["text"]
    assert "**" in written
    spoken = speakable(written, lexicon)
    assert not MARKUP.search(spoken) and "call your local emergency number now" in spoken


def test_long_text_is_cut_at_sentence_ends(lexicon):
    sentence = "This sentence is exactly sixty characters long, more or less."
    text = " ".join([sentence] * 12)
    parts = split_for_speech(text, 200)
    assert len(parts) > 1
    assert all(len(p) <= 200 and p.endswith(".") for p in parts)
    assert " ".join(parts) == text


def test_a_short_tail_joins_the_part_before(lexicon):
    parts = split_for_speech("A" * 300 + ". Short end.", 450)
    assert parts == ["A" * 300 + ". Short end."]
    parts = split_for_speech("B" * 400 + ". " + "C" * 200 + ".", 450)
    assert len(parts) == 2  # a long tail is its own part


def test_a_sentence_longer_than_the_limit_is_cut_at_a_comma(lexicon):
    text = ", ".join(["several words here"] * 40) + "."
    parts = split_for_speech(text, 120)
    assert len(parts) > 1 and all(len(p) <= 120 for p in parts)


@pytest.mark.parametrize(
    "names, spoken",
    [
        (["side effects"], "side effects"),
        (["yes", "no"], "yes or no"),
        (["side effects", "how safe it is", "something else"],
         "side effects, how safe it is, or something else"),
    ],
)  # fmt: skip
def test_choices_are_joined_as_speech(lexicon, names, spoken):
    assert join_choices(names, lexicon) == spoken


# --- understanding choices ------------------------------------------------------------------
CHOICES = [
    Choice("more detail", "more", "/tell_me_more"),
    Choice("side effects", "Side effects", "/ask_side_effects"),
    Choice("how safe it is", "Safety and risks", "/ask_mortality_safety"),
    Choice("something else", "something else", "/something_else"),
]


@pytest.mark.parametrize(
    "heard, payload",
    [
        ("side effects", "/ask_side_effects"),
        ("Side affects.", "/ask_side_effects"),
        ("um, side effects please", "/ask_side_effects"),
        ("how safe is it", "/ask_mortality_safety"),
        ("safety", "/ask_mortality_safety"),
        ("tell me more", "/tell_me_more"),
        ("something else", "/something_else"),
        ("the second one", "/ask_side_effects"),
        ("number 3", "/ask_mortality_safety"),
        # new questions go to NLU with their own words (and entities)
        ("what are the side effects of ocrevus", None),
        ("how much does it cost", None),
        ("how", None),
        ("number 9", None),
    ],
)
def test_a_spoken_choice_is_matched_fuzzily(lexicon, heard, payload):
    choice = match_choice(normalise_speech(heard, lexicon), CHOICES, lexicon)
    assert (choice.payload if choice else None) == payload


def test_an_ambiguous_choice_is_not_guessed(lexicon):
    twins = [Choice("stem cell clinics", "a", "/a"), Choice("stem cell trials", "b", "/b")]
    assert match_choice("stem cell", twins, lexicon) is None
    assert match_choice("stem cell trials", twins, lexicon).payload == "/b"


@pytest.mark.parametrize("heard", ["more", "say more", "um more please", "go on", "yes please"])
def test_more_is_recognised(lexicon, heard):
    assert is_more(normalise_speech(heard, lexicon), lexicon)


@pytest.mark.parametrize("heard", ["side effects", "more about the cost", "no"])
def test_other_words_are_not_more(lexicon, heard):
    assert not is_more(normalise_speech(heard, lexicon), lexicon)


def test_repeat_is_recognised(lexicon):
    assert is_repeat(normalise_speech("Could you repeat that?", lexicon), lexicon)
    assert not is_repeat(normalise_speech("repeat the side effects", lexicon), lexicon)
