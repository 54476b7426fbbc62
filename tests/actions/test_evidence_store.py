"""Querying the evidence store: topic lookup, item selection by entity, source lists."""

import re

import pytest

from actions.evidence_store import build_store, get_store

FAQ_INTENTS = [
    "ask_what_is_hsct",
    "ask_procedure_steps",
    "ask_side_effects",
    "ask_mortality_safety",
    "ask_eligibility",
    "ask_progressive_ms",
    "ask_effectiveness",
    "ask_cure",
    "ask_cost_insurance",
    "ask_clinical_trials",
    "ask_finding_a_center",
    "ask_stem_cell_tourism",
    "ask_compare_dmts",
    "ask_fda_approval",
    "ask_msc_therapy",
    "ask_ablation_intensity",
    "ask_recovery_aftercare",
    "ask_fertility_pregnancy",
    "ask_edss",
    "ask_research_news",
    "ask_what_is_ms",
    "ask_dmt_overview",
    "ask_personal_advice",
]


def item(item_id, topic="eligibility", primary=False, applies_to=None, sources=("nmss",)):
    return {
        "id": item_id,
        "topic": topic,
        "answer": f"answer {item_id}",
        "spoken": f"spoken {item_id}",
        "sources": list(sources),
        "evidence_kind": "guidance",
        "last_reviewed": "2026-11-01",
        "primary": primary,
        "applies_to": applies_to or {},
    }


@pytest.fixture
def store():
    return build_store(
        {
            "sources": [
                {"id": "nmss", "title": "aHSCT", "publisher": "NMSS", "kind": "guidance"},
                {
                    "id": "ectrims",
                    "title": "Consensus",
                    "publisher": "Nat Rev Neurol",
                    "kind": "guidance",
                    "year": 2025,
                    "url": "https://doi.org/10.1038/x",
                },
            ],
            "topics": [
                {
                    "id": "eligibility",
                    "intent": "ask_eligibility",
                    "title": "Who qualifies",
                    "spoken_title": "who qualifies",
                    "related": [],
                }
            ],
            "items": [
                item("eligibility.criteria", primary=True),
                item("eligibility.europe", primary=True, sources=("ectrims", "nmss")),
                item(
                    "eligibility.progressive",
                    applies_to={"ms_type": ["spms", "ppms"]},
                    sources=("ectrims",),
                ),
                item(
                    "eligibility.after_ocrevus",
                    applies_to={"drug": ["ocrelizumab"], "ms_type": ["spms"]},
                ),
            ],
        }
    )


def test_without_entities_the_primary_items_answer(store):
    chosen = store.select_items("eligibility", {})
    assert [i.id for i in chosen] == ["eligibility.criteria", "eligibility.europe"]


def test_an_item_about_a_recognised_entity_comes_first(store):
    chosen = store.select_items("eligibility", {"ms_type": {"ppms"}})
    assert chosen[0].id == "eligibility.progressive"
    assert len(chosen) == 2  # still capped


def test_the_item_matching_most_entities_wins(store):
    chosen = store.select_items("eligibility", {"ms_type": {"spms"}, "drug": {"ocrelizumab"}})
    assert [i.id for i in chosen] == ["eligibility.after_ocrevus", "eligibility.progressive"]


def test_sources_are_listed_once_in_order_of_use(store):
    chosen = store.select_items("eligibility", {})
    assert [s.id for s in store.sources_for(chosen)] == ["nmss", "ectrims"]


def test_more_items_are_those_not_yet_shown(store):
    more = store.more_items("eligibility", ["eligibility.criteria", "eligibility.europe"])
    assert [i.id for i in more] == ["eligibility.progressive", "eligibility.after_ocrevus"]


def test_citation_has_title_publisher_and_link_only_when_known(store):
    assert store.sources["ectrims"].as_citation() == {
        "id": "ectrims",
        "title": "Consensus",
        "publisher": "Nat Rev Neurol",
        "year": 2025,
        "url": "https://doi.org/10.1038/x",
    }
    assert "url" not in store.sources["nmss"].as_citation()


# --- the curated store itself -------------------------------------------------------------
@pytest.mark.parametrize("intent", FAQ_INTENTS)
def test_every_faq_intent_has_a_topic_with_a_cited_answer(intent):
    real = get_store()
    topic = real.topic_for_intent(intent)
    assert topic is not None, f"no topic for {intent}"
    chosen = real.select_items(topic.id)
    assert chosen and all(i.sources for i in chosen)
    assert real.sources_for(chosen)


def test_spoken_variants_are_speakable():
    for entry in get_store().items:
        assert entry.spoken, entry.id
        assert not re.search(r"[*_\[\]#<>]|https?:|www\.", entry.spoken), entry.id
        assert len(entry.spoken.split()) <= 80, entry.id


def test_applies_to_uses_only_canonical_entity_values():
    import yaml

    from custom_nlu.lexicon import LEXICON_DIR

    lexicon = yaml.safe_load((LEXICON_DIR / "entities.yml").read_text())
    for entry in get_store().items:
        for label, values in entry.applies_to.items():
            assert label in lexicon, (entry.id, label)
            assert set(values) <= set(lexicon[label]), (entry.id, values)


def test_related_topics_and_personal_advice_preface():
    real = get_store()
    for topic in real.topics.values():
        assert 2 <= len(topic.related) <= 3, topic.id
    assert real.topics["personal_advice"].preface == "utter_cannot_decide_for_you"
