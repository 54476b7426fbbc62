"""Answers are written for people with cognitive fatigue and carers reading aloud."""

import statistics

from actions.evidence_store import get_store
from devtools.readability import MAX_ANSWER_GRADE, plain_text, reading_grade


def test_list_items_read_as_sentences_and_markup_is_dropped():
    text = "Steps:\n\n- **collect** the cells\n\n- give them back"
    assert plain_text(text) == "Steps: collect the cells. give them back."


def test_a_long_winding_sentence_scores_higher_than_short_plain_ones():
    hard = (
        "Autologous haematopoietic stem cell transplantation necessitates immunoablative "
        "conditioning, subsequently facilitating immunological reconstitution."
    )
    easy = "aHSCT uses your own stem cells. Chemo wipes out the immune system. It then grows back."
    assert reading_grade(hard) > MAX_ANSWER_GRADE >= reading_grade(easy)


def test_every_answer_reads_at_grade_eight_or_below():
    grades = {item.id: reading_grade(item.answer) for item in get_store().items}
    too_hard = {i: round(g, 1) for i, g in grades.items() if g > MAX_ANSWER_GRADE}
    assert too_hard == {}, f"answers above grade {MAX_ANSWER_GRADE}: {too_hard}"
    assert statistics.median(grades.values()) <= MAX_ANSWER_GRADE
