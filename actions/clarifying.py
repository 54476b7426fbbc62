"""When the assistant is not sure what was asked: "did you mean …?", then an offer of staff."""

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.evidence_store import get_store
from actions.rendering import topic_button

MAX_SUGGESTIONS = 3
# The second miss in a row (a low-confidence message, or "something else" after a "did you
# mean") offers a person instead of guessing again.
MISSES_BEFORE_OFFERING_STAFF = 2


def suggested_topics(tracker: Tracker) -> List[Dict[str, str]]:
    """Buttons for the most likely FAQ topics of the latest message, best first."""
    store = get_store()
    buttons = []
    for ranked in tracker.latest_message.get("intent_ranking") or []:
        topic = store.topic_for_intent(ranked.get("name"))
        if topic is not None:
            buttons.append(topic_button(topic))
        if len(buttons) == MAX_SUGGESTIONS:
            break
    return buttons


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
    evidence items' rankings before asking.)"""

    def name(self) -> str:
        return "action_clarify_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        suggestions = suggested_topics(tracker) if intent != "something_else" else []
        return clarify(dispatcher, tracker, suggestions)


class ActionDeclineOffer(Action):
    """The person said no (to an offer of staff, or to a question): acknowledge and move on."""

    def name(self) -> str:
        return "action_decline_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_ok_what_else")
        return [SlotSet("pending_offer", None), SlotSet("fallback_misses", 0.0)]
