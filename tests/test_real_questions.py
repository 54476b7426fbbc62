"""The real-question dev set (tests/real_questions/) is for evaluation only, and well formed.

If a dev question leaked into the NLU training data or into an evidence item's example
questions, `make eval-real` would measure memory, not understanding: these tests refuse that.
"""

import re
from pathlib import Path

import pytest
import yaml

from actions.evidence_store import get_store
from devtools.eval_real import (
    FLOOR_FILE,
    FLOOR_MEASURES,
    KINDS,
    check_floor,
    load_dev_set,
    normalised,
    recogniser_text,
)

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "data" / "nlu"
# a dev question this long or longer must not appear inside a training example either
CONTAINED_MIN_CHARS = 25


def training_examples():
    examples = []
    for path in sorted(NLU_DIR.rglob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    # "[Ocrevus](drug)" -> "Ocrevus": compare the words, not the annotation
                    examples.append(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line[2:]))
    return examples


@pytest.fixture(scope="module")
def dev_set():
    return load_dev_set()


def test_dev_set_is_large_enough_and_mostly_not_faq_headings(dev_set):
    assert len(dev_set) >= 300
    people_wording = [q for q in dev_set if q.kind in ("forum", "qa")]
    assert len(people_wording) * 3 >= len(dev_set)


def test_every_dev_question_is_labelled_and_sourced(dev_set):
    store = get_store()
    topics = set(store.topics) | {"out_of_scope"}
    for question in dev_set:
        assert question.text.strip(), question
        assert question.source.startswith("http"), question.text
        assert question.kind in KINDS, question.text
        assert question.topic in topics, question.text
        assert set(question.other_topics) <= topics, question.text
        for item_id in question.items:
            assert store.item(item_id) is not None, f"{question.text}: unknown item {item_id}"


def test_no_dev_question_is_listed_twice(dev_set):
    seen = set()
    for question in dev_set:
        key = normalised(question.text)
        assert key not in seen, question.text
        seen.add(key)


def _leaks(dev_set, texts):
    known = {normalised(t) for t in texts}
    joined = "\n".join(known)
    leaks = []
    for question in dev_set:
        key = normalised(question.text)
        if key in known or (len(key) >= CONTAINED_MIN_CHARS and key in joined):
            leaks.append(question.text)
    return leaks


def test_no_dev_question_is_in_the_nlu_training_data(dev_set):
    assert _leaks(dev_set, training_examples()) == []


def test_no_dev_question_is_an_evidence_example_question(dev_set):
    store = get_store()
    examples = [q for item in store.items for q in item.questions]
    examples += [item.title for item in store.items]
    assert _leaks(dev_set, examples) == []


def test_the_leak_check_catches_a_copied_question(dev_set):
    """The check above would fail if a dev question were copied, even re-cased and re-punctuated."""
    question = next(q for q in dev_set if len(normalised(q.text)) >= CONTAINED_MIN_CHARS)
    copied = question.text.upper().replace("?", " ?!") + " thanks"
    assert _leaks(dev_set, [copied]) == [question.text]


def test_recogniser_text_spells_acronyms_and_drops_punctuation():
    assert recogniser_text("Is aHSCT safe for MS? My EDSS is 3.5!") == (
        "is a h s c t safe for m s my e d s s is 3.5"
    )


def test_the_floor_records_both_variants_and_fails_only_a_real_drop(tmp_path):
    floor = yaml.safe_load(FLOOR_FILE.read_text())
    assert set(floor) == {"typed", "voice"}
    assert all(set(floor[v]) == set(FLOOR_MEASURES) for v in floor)

    recorded = tmp_path / "floor.yml"
    recorded.write_text("typed:\n  topic_accuracy: 0.70\n  answered: 0.50\n")

    def summary(topic, answered):
        return {"typed": {"all": {"topic_accuracy": topic, "answered": answered}}}

    assert check_floor(summary(0.69, 0.49), recorded) == []  # within 0.02
    failures = check_floor(summary(0.67, 0.50), recorded)
    assert len(failures) == 1 and failures[0].startswith("typed topic_accuracy")
