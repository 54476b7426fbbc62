"""action_answer_question and action_tell_more against the real domain and evidence store."""

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import ActionAnswerQuestion, ActionTellMore
from actions.evidence_store import build_store, get_store
from tests.actions.test_evidence_store import FAQ_INTENTS
from tests.conftest import entity, responses_sent


def run(action, dispatcher, tracker, domain):
    return asyncio.run(action.run(dispatcher, tracker, domain))


@pytest.mark.parametrize("intent", FAQ_INTENTS)
def test_every_faq_answer_is_cited_and_ends_with_the_deferral(
    intent, dispatcher, make_tracker, domain
):
    events = run(ActionAnswerQuestion(), dispatcher, make_tracker(intent=intent), domain)

    sent = responses_sent(dispatcher)
    assert sent[-1] == "utter_specialist_deferral"
    assert set(sent) <= set(domain["responses"]), "every response must exist in domain.yml"
    answer = next(m for m in dispatcher.messages if m["response"] == "utter_evidence_answer")
    payload = answer["custom"]
    topic = get_store().topic_for_intent(intent)
    assert payload["type"] == "evidence_answer" and payload["topic"] == topic.id
    assert payload["evidence_ids"] and payload["sources"]
    assert all(s["title"] and s["publisher"] for s in payload["sources"])
    # the written answer names the same sources the payload carries
    assert answer["sources"] and answer["answer"] and answer["spoken"]
    assert SlotSet("last_topic", topic.id) in events
    assert SlotSet("last_evidence_ids", payload["evidence_ids"]) in events
    assert SlotSet("fallback_misses", 0.0) in events


def test_related_topics_are_offered_as_quick_replies(dispatcher, make_tracker, domain):
    run(ActionAnswerQuestion(), dispatcher, make_tracker(intent="ask_side_effects"), domain)
    related = next(m for m in dispatcher.messages if m["response"].startswith("utter_related"))
    store = get_store()
    expected = [f"/{store.topics[t].intent}" for t in store.topics["side_effects"].related]
    assert [b["payload"] for b in related["buttons"]] == expected[:3]
    assert 2 <= len(related["buttons"]) <= 3


def test_a_recognised_ms_type_picks_the_matching_evidence(dispatcher, make_tracker, domain):
    tracker = make_tracker(intent="ask_effectiveness", entities=[entity("ms_type", "spms")])
    run(ActionAnswerQuestion(), dispatcher, tracker, domain)
    payload = dispatcher.messages[0]["custom"]
    chosen = [get_store().item(i) for i in payload["evidence_ids"]]
    assert any("spms" in item.applies_to.get("ms_type", ()) for item in chosen)


def test_an_ms_type_said_earlier_still_counts(dispatcher, make_tracker, domain):
    tracker = make_tracker(intent="ask_eligibility", slots={"ms_type": "ppms"})
    run(ActionAnswerQuestion(), dispatcher, tracker, domain)
    payload = dispatcher.messages[0]["custom"]
    chosen = [get_store().item(i) for i in payload["evidence_ids"]]
    assert any("ppms" in item.applies_to.get("ms_type", ()) for item in chosen)


def test_personal_advice_never_decides_and_starts_by_saying_so(dispatcher, make_tracker, domain):
    run(ActionAnswerQuestion(), dispatcher, make_tracker(intent="ask_personal_advice"), domain)
    sent = responses_sent(dispatcher)
    assert sent[0] == "utter_cannot_decide_for_you"
    assert sent[-1] == "utter_specialist_deferral"


def test_an_intent_without_a_topic_asks_to_rephrase(dispatcher, make_tracker, domain):
    events = run(ActionAnswerQuestion(), dispatcher, make_tracker(intent="greet"), domain)
    assert responses_sent(dispatcher) == ["utter_ask_rephrase"] and events == []


def test_tell_me_more_gives_the_details_of_the_last_topic(dispatcher, make_tracker, domain):
    first = CollectingDispatcher()
    events = run(ActionAnswerQuestion(), first, make_tracker(intent="ask_mortality_safety"), domain)
    slots = {e["name"]: e["value"] for e in events}

    run(ActionTellMore(), dispatcher, make_tracker(intent="tell_me_more", slots=slots), domain)
    details = dispatcher.messages[0]
    assert details["response"] == "utter_evidence_details"
    assert details["custom"]["topic"] == "mortality_safety"
    assert details["answer"] != first.messages[0]["answer"]
    assert responses_sent(dispatcher)[-1] == "utter_specialist_deferral"


def test_tell_me_more_without_a_topic_asks_which(dispatcher, make_tracker, domain):
    events = run(ActionTellMore(), dispatcher, make_tracker(intent="tell_me_more"), domain)
    assert responses_sent(dispatcher) == ["utter_nothing_to_expand"] and events == []


def test_tell_me_more_when_everything_was_said(dispatcher, make_tracker, domain, monkeypatch):
    store = build_store(
        {
            "sources": [{"id": "s", "title": "T", "publisher": "P", "kind": "guidance"}],
            "topics": [
                {"id": "edss", "intent": "ask_edss", "title": "EDSS", "spoken_title": "e d s s"}
            ],
            "items": [
                {
                    "id": "edss.scale",
                    "topic": "edss",
                    "answer": "A",
                    "spoken": "S",
                    "sources": ["s"],
                    "evidence_kind": "guidance",
                    "primary": True,
                }
            ],
        }
    )
    monkeypatch.setattr("actions.answering.get_store", lambda: store)
    slots = {"last_topic": "edss", "last_evidence_ids": ["edss.scale"]}
    events = run(
        ActionTellMore(), dispatcher, make_tracker(intent="tell_me_more", slots=slots), domain
    )
    assert responses_sent(dispatcher) == ["utter_no_more_details"] and events == []
    assert dispatcher.messages[0]["topic_title"] == "EDSS"
