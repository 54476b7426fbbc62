"""Answers every FAQ intent from the evidence store, and "tell me more" about the last topic."""

from typing import Any, Dict, List, Sequence

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation_context import recognised_entities
from actions.evidence_store import EvidenceItem, EvidenceStore, Topic, get_store
from actions.rendering import details_text, related_buttons, rendered_answer, spoken_text

DEFERRAL_RESPONSE = "utter_specialist_deferral"


def send_answer(
    dispatcher: CollectingDispatcher,
    store: EvidenceStore,
    topic: Topic,
    items: Sequence[EvidenceItem],
    response: str,
    offer_more: bool,
    **overrides: Any,
) -> None:
    """One medical answer: the cited answer, related topics, then the specialist deferral.

    The deferral is always the last message, so every client ends a medical answer with it.
    """
    rendered = rendered_answer(store, topic, items, **overrides)
    payload = rendered.pop("payload")
    dispatcher.utter_message(response=response, json_message=payload, **rendered)
    dispatcher.utter_message(
        response="utter_related_topics_with_more" if offer_more else "utter_related_topics",
        buttons=related_buttons(store, topic),
    )
    dispatcher.utter_message(response=DEFERRAL_RESPONSE)


def answered_slots(topic: Topic, items: Sequence[EvidenceItem]) -> List[EventType]:
    return [
        SlotSet("last_topic", topic.id),
        SlotSet("last_evidence_ids", [item.id for item in items]),
        SlotSet("fallback_misses", 0.0),
        SlotSet("pending_offer", None),  # a later bare "yes" must not answer an old offer
    ]


class ActionAnswerQuestion(Action):
    """Answers the topic of the latest intent from the evidence store, with its sources."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        store = get_store()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        topic = store.topic_for_intent(intent)
        if topic is None:
            # A rule sent an intent here that has no topic: say so rather than guess.
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []

        items = store.select_items(topic.id, recognised_entities(tracker))
        if topic.preface:
            dispatcher.utter_message(response=topic.preface)
        offer_more = bool(store.more_items(topic.id, [i.id for i in items])) or any(
            item.details for item in items
        )
        send_answer(dispatcher, store, topic, items, "utter_evidence_answer", offer_more=offer_more)
        return answered_slots(topic, items)


class ActionTellMore(Action):
    """ "Tell me more": the details of what was just said, then what else the topic holds."""

    def name(self) -> str:
        return "action_tell_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        store = get_store()
        topic = store.topics.get(tracker.get_slot("last_topic") or "")
        if topic is None:
            dispatcher.utter_message(response="utter_nothing_to_expand")
            return []

        shown_ids = tracker.get_slot("last_evidence_ids") or []
        shown = [item for item in (store.item(i) for i in shown_ids) if item]
        unseen = store.more_items(topic.id, shown_ids)
        # Written channels get the details of what was shown plus the rest of the topic;
        # voice only speaks what it has not said yet.
        written = [item for item in shown if item.details] + unseen
        if not written:
            dispatcher.utter_message(response="utter_no_more_details", topic_title=topic.title)
            return []

        send_answer(
            dispatcher,
            store,
            topic,
            written,
            "utter_evidence_details",
            offer_more=False,
            text=details_text(shown, unseen),
            spoken=spoken_text(unseen or shown),
        )
        return answered_slots(topic, shown + unseen)
