"""Splitting a message into the questions it asks."""

import pytest

from custom_nlu.question_parts import MAX_PARTS, is_question, question_parts


def test_a_single_question_is_the_whole_message():
    split = question_parts("what are the side effects of hsct?")
    assert split.parts == ["what are the side effects of hsct?"]
    assert not split.focused and not split.more_than_max


def test_context_around_one_question_is_set_aside():
    text = (
        "Diagnosed in 2015, on Tysabri since 2017. My neuro says I'm not a candidate. "
        "Is HSCT safe for someone with JCV antibodies?"
    )
    split = question_parts(text)
    assert split.parts == ["Is HSCT safe for someone with JCV antibodies?"]
    assert split.focused


def test_several_questions_are_kept_in_order():
    split = question_parts("How much does it cost? Is it safe? Where can I have it done?")
    assert split.parts == ["How much does it cost?", "Is it safe?", "Where can I have it done?"]


def test_at_most_three_parts_and_the_caller_is_told_about_the_rest():
    split = question_parts(
        "How much does it cost? Is it safe? Where can I go? Does insurance pay for it?"
    )
    assert len(split.parts) == MAX_PARTS
    assert split.more_than_max


def test_a_short_follow_up_belongs_to_the_question_before_it():
    split = question_parts("Is the chemo dangerous? Why? How long is the hospital stay?")
    assert split.parts == ["Is the chemo dangerous? Why?", "How long is the hospital stay?"]


def test_questions_joined_without_punctuation_are_split():
    split = question_parts("how much does it cost and how long is the recovery")
    assert split.parts == ["how much does it cost", "how long is the recovery"]


def test_a_request_counts_as_the_question():
    split = question_parts("I'm scared. Please tell me about the side effects.")
    assert split.parts == ["Please tell me about the side effects."]


def test_a_statement_with_no_question_is_one_part():
    assert question_parts("I had hsct last year. Fatigue is bad").parts == [
        "I had hsct last year. Fatigue is bad"
    ]


def test_a_lone_short_question_after_context_keeps_the_context():
    split = question_parts("My EDSS is 6.5 and I'm 52. Thoughts?")
    assert split.parts == ["My EDSS is 6.5 and I'm 52. Thoughts?"]


def test_decimal_points_do_not_end_a_sentence():
    split = question_parts("My EDSS went from 2.5 to 3.5 last year. Does that rule me out?")
    assert split.parts == ["Does that rule me out?"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n"])
def test_an_empty_message_has_no_parts(text):
    assert question_parts(text).parts == []


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("so what happens after discharge", True),
        ("can you tell me about the cost", True),
        ("I'd like to know how long it takes", True),
        ("wondering if anyone had hair loss", True),
        ("I was diagnosed in 2019", False),
        ("My neuro says no", False),
    ],
)
def test_what_counts_as_a_question(sentence, expected):
    assert is_question(sentence) is expected


def test_an_abbreviation_does_not_end_a_sentence():
    split = question_parts(
        "Are there specialists at the clinic for other problems, i.e. illnesses or injuries? "
        "Will this cost extra?"
    )
    assert split.parts == [
        "Are there specialists at the clinic for other problems, i.e. illnesses or injuries?",
        "Will this cost extra?",
    ]


def test_or_between_alternatives_is_one_question():
    split = question_parts("Is HSCT a cure or does it merely slow down the progression of MS?")
    assert split.parts == ["Is HSCT a cure or does it merely slow down the progression of MS?"]


class _RecordingPattern:
    """Wraps a compiled pattern and records the length of every text it searches."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.lengths = []

    def search(self, text, *args):
        self.lengths.append(len(text))
        return self.pattern.search(text, *args)


@pytest.mark.parametrize("unit", ["i.e. e.g. ", "Why? And? ", "I have MS. Is it safe? "])
def test_a_long_paste_is_searched_piece_by_piece_not_as_a_growing_text(monkeypatch, unit):
    # The splitter once searched the sentence it was building for an abbreviation after every
    # piece, so a paste of "e.g. e.g. …" cost the square of its length (a 900 KB message held
    # the server for minutes). Each search must now see one piece, whatever the length.
    import custom_nlu.question_parts as module

    recording = _RecordingPattern(module.ABBREVIATION_END)
    monkeypatch.setattr(module, "ABBREVIATION_END", recording)
    paste = unit * 2000
    split = question_parts(paste)
    assert recording.lengths, "the abbreviation check did not run"
    assert max(recording.lengths) <= len(unit)
    assert len(split.parts) <= module.MAX_PARTS
