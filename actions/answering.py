"""Answers questions from the evidence store: the items that answer what was asked, for each
question in the message, and "tell me more" about the last answer."""

from typing import Any, Dict, List, Optional, Sequence

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.addressee import CLINIC, PERSON, addressed_to
from actions.answer_planner import AnswerPlan, PartPlan, plan_answer
from actions.clarifying import clarify
from actions.conversation_context import remembered_entities
from actions.evidence_store import EvidenceItem, EvidenceStore, Topic, get_store
from actions.rendering import (
    details_text,
    item_button,
    quoted,
    related_buttons,
    rendered_answer,
    spoken_text,
)

DEFERRAL_RESPONSE = "utter_specialist_deferral"
ADDRESSEE_RESPONSES = {
    CLINIC: "utter_cannot_speak_for_clinic",
    PERSON: "utter_cannot_speak_for_person",
}


def send_evidence(
    dispatcher: CollectingDispatcher,
    store: EvidenceStore,
    topic: Topic,
    items: Sequence[EvidenceItem],
    response: str = "utter_evidence_answer",
    part: Optional[Dict[str, Any]] = None,
    **overrides: Any,
) -> None:
    """One cited answer: the items' text with their sources (and, in a message of several
    questions, which question it answers)."""
    rendered = rendered_answer(store, topic, items, **overrides)
    payload = rendered.pop("payload")
    if part:
        payload.update(part)
    dispatcher.utter_message(response=response, json_message=payload, **rendered)


def send_closing(
    dispatcher: CollectingDispatcher, store: EvidenceStore, topic: Topic, offer_more: bool
) -> None:
    """Related topics, then the specialist deferral: always the last message of an answer."""
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


def _items(store: EvidenceStore, ids: Sequence[str]) -> List[EvidenceItem]:
    return [item for item in (store.item(i) for i in ids) if item is not None]


class ActionAnswerQuestion(Action):
    """Answers a question (an FAQ intent, or a message the classifier was unsure of) from the
    evidence store, with its sources; asks "did you mean" when the signals disagree."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        store = get_store()
        parse = tracker.latest_message or {}
        plan = plan_answer(store, parse, remembered=remembered_entities(tracker))
        if not plan.parts:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        if not plan.answered:
            first = plan.parts[0]
            if first.action == "unanswerable" and first.text.strip():
                # nothing in the store comes close: say so, rather than "say it another way"
                return clarify(
                    dispatcher,
                    tracker,
                    [],
                    "utter_cannot_answer_part",
                    question=quoted(first.text),
                )
            buttons = [item_button(store, i) for i in first.candidates]
            return clarify(dispatcher, tracker, buttons)
        return answer(dispatcher, store, plan, addressed_to(str(parse.get("text") or "")))


def answer(
    dispatcher: CollectingDispatcher,
    store: EvidenceStore,
    plan: AnswerPlan,
    addressee: Optional[str],
) -> List[EventType]:
    """Every question of the plan in order, each with its own sources, then one closing."""
    answered = plan.answered
    first_topic = store.topics[answered[0].topic]
    if addressee in ADDRESSEE_RESPONSES:
        dispatcher.utter_message(response=ADDRESSEE_RESPONSES[addressee])
    prefaces = {store.topics[p.topic].preface for p in answered if store.topics[p.topic].preface}
    for preface in sorted(prefaces):
        dispatcher.utter_message(response=preface)

    several = len(plan.parts) > 1
    shown: List[EvidenceItem] = []
    for index, part in enumerate(plan.parts):
        if part.action == "answer":
            items = _items(store, part.items)
            shown += items
            if several:
                dispatcher.utter_message(response="utter_question_part", question=quoted(part.text))
            send_evidence(
                dispatcher,
                store,
                store.topics[part.topic],
                items,
                part={"part": index, "parts": len(plan.parts), "question": quoted(part.text)}
                if several
                else None,
            )
        else:
            send_unanswered_part(dispatcher, store, part)
    if plan.more_questions_than_answered:
        dispatcher.utter_message(response="utter_more_questions_than_answered")
    if addressee == CLINIC and first_topic.ask_your_centre:
        dispatcher.utter_message(
            response="utter_ask_your_centre", question=first_topic.ask_your_centre
        )
    offer_more = bool(store.more_items(first_topic.id, [i.id for i in shown])) or any(
        item.details for item in shown
    )
    send_closing(dispatcher, store, first_topic, offer_more)
    return answered_slots(first_topic, shown)


def send_unanswered_part(
    dispatcher: CollectingDispatcher, store: EvidenceStore, part: PartPlan
) -> None:
    """One question of several that the store cannot answer with confidence: say which, and
    offer the nearest items (if any) or a rephrase and a person."""
    if part.action == "clarify" and part.candidates:
        dispatcher.utter_message(
            response="utter_part_did_you_mean",
            question=quoted(part.text),
            buttons=[item_button(store, i) for i in part.candidates],
        )
    else:
        dispatcher.utter_message(response="utter_cannot_answer_part", question=quoted(part.text))


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
        shown = _items(store, shown_ids)
        unseen = store.more_items(topic.id, shown_ids)
        # Written channels get the details of what was shown plus the rest of the topic;
        # voice only speaks what it has not said yet.
        written = [item for item in shown if item.details] + unseen
        if not written:
            dispatcher.utter_message(response="utter_no_more_details", topic_title=topic.title)
            return []

        send_evidence(
            dispatcher,
            store,
            topic,
            written,
            "utter_evidence_details",
            text=details_text(shown, unseen),
            spoken=spoken_text(unseen or shown),
        )
        send_closing(dispatcher, store, topic, offer_more=False)
        return answered_slots(topic, shown + unseen)
