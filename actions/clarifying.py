"""When the assistant is not sure what was asked: "did you mean …?", then an offer of staff."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

# The second miss in a row (a low-confidence message, or "something else" after a "did you
# mean") offers a person instead of guessing again.
MISSES_BEFORE_OFFERING_STAFF = 2


def clarify(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    suggestions: List[Dict[str, str]],
    without_suggestions: str = "utter_ask_rephrase",
    **values: Any,
) -> List[EventType]:
    """A miss: "did you mean" with the suggestions (or, with none, `without_suggestions`), and
    on the second miss in a row an offer of a person instead of another guess."""
    misses = int(tracker.get_slot("fallback_misses") or 0) + 1
    events: List[EventType] = [SlotSet("fallback_misses", float(misses))]

    if misses >= MISSES_BEFORE_OFFERING_STAFF:
        dispatcher.utter_message(response="utter_offer_staff")
        return events + [
            SlotSet("pending_offer", "handoff"),
            SlotSet("handoff_reason", "misunderstood"),
        ]
    if suggestions:
        dispatcher.utter_message(response="utter_did_you_mean", buttons=suggestions)
    else:
        dispatcher.utter_message(response=without_suggestions, **values)
    return events


class ActionClarifyTopic(Action):
    """ "Something else" after a "did you mean": ask again in other words, then offer a person.
    (A message the classifier is unsure of goes to action_answer_question, which weighs the
    evidence items' rankings before asking; the only rule that runs this one follows
    `something_else`, so it never has suggestions to make.)"""

    def name(self) -> str:
        return "action_clarify_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        return clarify(dispatcher, tracker, [])


class ActionDeclineOffer(Action):
    """The person said no (to an offer of staff, or to a question): acknowledge and move on."""

    def name(self) -> str:
        return "action_decline_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_ok_what_else")
        return [SlotSet("pending_offer", None), SlotSet("fallback_misses", 0.0)]
