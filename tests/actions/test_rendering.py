"""Rendering evidence into answer text, spoken text, citations and buttons."""

import datetime as dt

from actions.evidence_store import EvidenceItem, Source, Topic, build_store, get_store
from actions.rendering import (
    MAX_QUOTED_CHARS,
    citations_payload,
    details_text,
    quoted,
    related_buttons,
    rendered_answer,
    source_label,
    sources_line,
    spoken_sources,
)

STUDY = Source(
    id="s",
    title="Meta",
    publisher="Neurology",
    kind="study",
    authors="Sormani MP, Muraro PA, et al.",
    year=2017,
    url="https://doi.org/x",
    spoken_name="a 2017 analysis in Neurology",
)
CHARITY = Source(
    id="n",
    title="aHSCT in MS",
    publisher="National MS Society",
    kind="guidance",
    spoken_name="the US National MS Society",
)
OTHER_PAGE = Source(id="n2", title="aHSCT in MS", publisher="National MS Society", kind="guidance")


def item(item_id, answer="A.", details=None, spoken="S.", sources=("s",), reviewed=None):
    return EvidenceItem(
        id=item_id,
        topic="t",
        answer=answer,
        spoken=spoken,
        sources=sources,
        evidence_kind="guidance",
        last_reviewed=reviewed,
        details=details,
    )


def test_study_label_names_first_author_journal_and_year():
    assert source_label(STUDY) == "Sormani et al., Neurology (2017)"


def test_other_labels_name_publisher_and_title():
    assert source_label(CHARITY) == "National MS Society, aHSCT in MS"


def test_identical_labels_appear_once():
    assert sources_line([CHARITY, OTHER_PAGE, STUDY]) == (
        "National MS Society, aHSCT in MS; Sormani et al., Neurology (2017)"
    )


def test_spoken_sources_read_as_a_sentence():
    assert spoken_sources([STUDY]) == "a 2017 analysis in Neurology"
    assert spoken_sources([STUDY, CHARITY, OTHER_PAGE]) == (
        "a 2017 analysis in Neurology, the US National MS Society and National MS Society"
    )


def test_details_show_what_was_shown_in_depth_then_the_rest():
    shown = [item("a", details="A in depth."), item("b")]
    unseen = [item("c", answer="C.")]
    assert details_text(shown, unseen) == "A in depth.\n\nC."


def test_payload_carries_topic_ids_and_full_citations():
    topic = Topic(id="t", intent="ask_t", title="T", spoken_title="t")
    payload = citations_payload(topic, [item("a")], [STUDY])
    assert payload == {
        "type": "evidence_answer",
        "topic": "t",
        "evidence_ids": ["a"],
        "last_reviewed": None,
        "sources": [
            {
                "id": "s",
                "title": "Meta",
                "publisher": "Neurology",
                "authors": "Sormani MP, Muraro PA, et al.",
                "year": 2017,
                "url": "https://doi.org/x",
                "role": "supports",
            }
        ],
    }


def test_payload_says_when_the_oldest_of_its_items_was_last_reviewed():
    topic = Topic(id="t", intent="ask_t", title="T", spoken_title="t")
    items = [item("a", reviewed=dt.date(2026, 11, 21)), item("b", reviewed=dt.date(2026, 3, 2))]
    assert citations_payload(topic, items, [STUDY])["last_reviewed"] == "2026-03-02"


def test_a_claim_the_answer_checked_is_shown_apart_and_not_as_support():
    store = get_store()
    item = store.item("mortality_safety.why_figures_differ")
    rendered = rendered_answer(store, store.topics["mortality_safety"], [item])
    roles = {s["id"]: s["role"] for s in rendered["payload"]["sources"]}
    assert roles["sormani_2017"] == "supports"
    assert roles["seed_va_mscoe"] == "checked_claim"
    supporting, checked = rendered["sources"].split("*A claim we checked:*")
    assert "Veterans" not in supporting and "Stem Cell Therapy for Multiple Sclerosis" in checked


def test_rendered_answer_and_related_buttons():
    store = build_store(
        {
            "sources": [{"id": "s", "title": "Meta", "publisher": "Neurology", "kind": "study"}],
            "topics": [
                {
                    "id": "t",
                    "intent": "ask_t",
                    "title": "T",
                    "spoken_title": "t",
                    "related": ["u", "missing"],
                },
                {"id": "u", "intent": "ask_u", "title": "U", "spoken_title": "u"},
            ],
            "items": [
                {
                    "id": "t.a",
                    "topic": "t",
                    "answer": "One.",
                    "spoken": "Uno.",
                    "sources": ["s"],
                    "evidence_kind": "cohort",
                    "primary": True,
                },
                {
                    "id": "t.b",
                    "topic": "t",
                    "answer": "Two.",
                    "spoken": "Dos.",
                    "sources": ["s"],
                    "evidence_kind": "cohort",
                    "primary": True,
                },
            ],
        }
    )
    topic = store.topics["t"]
    rendered = rendered_answer(store, topic, store.select_items("t"))
    assert rendered["answer"] == "One.\n\nTwo." and rendered["spoken"] == "Uno. Dos."
    assert rendered["sources"] == "Neurology, Meta"
    assert related_buttons(store, topic) == [{"title": "U", "payload": "/ask_u"}]


def test_a_persons_words_are_repeated_without_markdown_or_links():
    assert quoted("Is it **safe**? [see](https://evil.example/x) `code`") == (
        "Is it safe? see link code"
    )
    assert quoted("www.clinic.example has #1 results > all") == "link has 1 results all"
    long = "why " * 100
    assert len(quoted(long)) == MAX_QUOTED_CHARS and quoted(long).endswith("…")
