"""Bringing in a person when the assistant is not enough."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher


class ActionConnectStaff(Action):
    """The person asked for a human (or accepted the offer of one)."""

    def name(self) -> str:
        return "action_connect_staff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_contact_staff")
        return [SlotSet("pending_offer", None), SlotSet("fallback_misses", 0.0)]
