"""Thumbs up / down on an answer, and why it was unhelpful: stored with the conversation,
acknowledged politely."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

NEGATIVE = {"down", "negative", "no", "bad"}


class ActionRecordFeedback(Action):
    """The rating itself is stored by Rasa: the user event carries it as the `feedback_value`
    entity (the widget sends `/give_feedback{"feedback_value": "down"}`), and the slot of the
    same name keeps it with the conversation. Typed feedback has no rating: thank them."""

    def name(self) -> str:
        return "action_record_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        value = next(tracker.get_latest_entity_values("feedback_value"), None)
        if isinstance(value, str) and value.lower() in NEGATIVE:
            dispatcher.utter_message(response="utter_feedback_negative")
            return [SlotSet("pending_offer", "handoff"), SlotSet("handoff_reason", "feedback")]
        dispatcher.utter_message(response="utter_feedback_thanks")
        return []


class ActionThankFeedbackReason(Action):
    """The reason after a thumbs-down (`/feedback_reason{"feedback_reason": "out_of_date"}`,
    with the comment, if any, in the message's metadata) is stored by Rasa with the user event,
    where the curators' report reads it. The thumbs-down already offered a person, and that
    offer still stands, so this only thanks them."""

    def name(self) -> str:
        return "action_thank_feedback_reason"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_feedback_reason_thanks")
        return []
