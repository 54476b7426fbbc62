"""A fixture of stored conversations: written by Rasa's own SQL tracker store (on SQLite, as
`make run` keeps them), with events as the assistant records them, so the curators' reports
read what they will read in production. Messages written for these tests."""

import asyncio
import datetime as dt
from pathlib import Path
from typing import Dict, List, Optional

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tests.conftest import ROOT
from tracker_stores.sqlite import SQLiteTrackerStore

NOW = dt.datetime.now(dt.timezone.utc)
# Contact details the callback form collects: they must appear in no report.
CALLBACK_NAME = "Robin Quayle"
CALLBACK_PHONE = "07700 900461"
TYPED_EMAIL = "robin.q@example.org"
COST_PARAPHRASES = [
    "how much does hsct cost in mexico",
    "is hsct expensive in mexico",
    "what is the price of hsct in mexico",
]
DRIVING_PARAPHRASES = [
    "when can I drive again after the transplant",
    "am I allowed to drive after stem cell transplant",
]
UNRELATED = ["can my dog get ms", "what is the weather tomorrow"]
OLD_QUESTION = "a question asked long ago about ginger tea"
FATIGUE = "does hsct help with fatigue"
COST_ITEM = "cost_insurance.cost_abroad"
OFFERED = ["cost_insurance.other_countries", "stem_cell_tourism.mexico_puebla"]


class Conversation:
    """Events of one conversation, a few seconds apart, from `start`."""

    def __init__(self, start: dt.datetime, channel: str = "webchat") -> None:
        self.moment = start.timestamp()
        self.channel = channel
        self.events: List[Event] = []

    def _next(self) -> float:
        self.moment += 5
        return self.moment

    def user(
        self, text: str, intent: str = "nlu_fallback", metadata: Optional[Dict] = None
    ) -> "Conversation":
        self.events.append(
            UserUttered(
                text,
                intent={"name": intent, "confidence": 0.9},
                timestamp=self._next(),
                input_channel=self.channel,
                metadata=metadata or {},
            )
        )
        return self

    def bot(self, response: str, custom: Optional[Dict] = None, buttons=None) -> "Conversation":
        data = {"custom": custom, "buttons": buttons}
        self.events.append(
            BotUttered(
                f"({response})",
                data={k: v for k, v in data.items() if v},
                metadata={"utter_action": response},
                timestamp=self._next(),
            )
        )
        return self

    def answer(self, topic: str, ids: List[str]) -> "Conversation":
        payload = {"type": "evidence_answer", "topic": topic, "evidence_ids": ids}
        return self.bot("utter_evidence_answer", custom=payload).bot("utter_specialist_deferral")

    def did_you_mean(self, ids: List[str]) -> "Conversation":
        buttons = [
            {"title": i, "payload": f'/ask_cost_insurance{{"evidence_item": "{i}"}}'} for i in ids
        ]
        return self.bot("utter_did_you_mean", buttons=buttons)

    def feedback(self, value: str, ids: List[str]) -> "Conversation":
        return self.user(
            f'/give_feedback{{"feedback_value":"{value}"}}', "give_feedback", {"feedback_on": ids}
        ).bot("utter_feedback_negative" if value == "down" else "utter_feedback_thanks")

    def reason(self, key: str, ids: List[str], comment: str = "") -> "Conversation":
        metadata = {"feedback_on": ids, "feedback_comment": comment}
        return self.user(
            f'/feedback_reason{{"feedback_reason":"{key}"}}', "feedback_reason", metadata
        )

    def other(self, *events: Event) -> "Conversation":
        for event in events:
            event.timestamp = self._next()
            self.events.append(event)
        return self


def conversations() -> Dict[str, Conversation]:
    day = dt.timedelta(days=1)
    stored: Dict[str, Conversation] = {}
    # poorly answered: a "did you mean", then "something else"; "cannot answer"; handed off
    stored["cost-1"] = (
        Conversation(NOW - 2 * day)
        .user(COST_PARAPHRASES[0])
        .did_you_mean(OFFERED)
        .user("/something_else", "something_else", {"display": "Something else"})
        .bot("utter_offer_staff")
    )
    stored["cost-2"] = (
        Conversation(NOW - 3 * day).user(COST_PARAPHRASES[1]).bot("utter_cannot_answer_part")
    )
    stored["cost-3"] = (
        Conversation(NOW - 20 * day, "voice")
        .user(COST_PARAPHRASES[2], "ask_cost_insurance")
        .answer("cost_insurance", [COST_ITEM])
        .feedback("down", [COST_ITEM])
        .reason("not_answered", [COST_ITEM], "it does not say the price in Mexico")
    )
    stored["drive-1"] = (
        Conversation(NOW - 4 * day).user(DRIVING_PARAPHRASES[0]).bot("utter_ask_rephrase")
    )
    stored["drive-2"] = (
        Conversation(NOW - 5 * day)
        .user(DRIVING_PARAPHRASES[1])
        .did_you_mean(["recovery_aftercare.travel"])
        .user("yes please, a person", "affirm")
        .bot("utter_handoff_queued")
    )
    stored["dog"] = (
        Conversation(NOW - 6 * day).user(UNRELATED[0], "out_of_scope").bot("utter_out_of_scope")
    )
    stored["weather"] = (
        Conversation(NOW - 6 * day).user(UNRELATED[1], "out_of_scope").bot("utter_out_of_scope")
    )
    # answered well: typed, and a button with its label
    stored["answered"] = (
        Conversation(NOW - 1 * day)
        .user("what is hsct", "ask_what_is_hsct")
        .answer("what_is_hsct", ["what_is_hsct.definition"])
        .feedback("up", ["what_is_hsct.definition"])
        .user("/ask_side_effects", "ask_side_effects", {"display": "Side effects"})
        .answer("side_effects", ["side_effects.short_and_long_term"])
        .user(FATIGUE, "ask_side_effects")
        .answer("side_effects", ["side_effects.short_and_long_term"])
    )
    stored["emergency"] = (
        Conversation(NOW - 1 * day)
        .user("I suddenly cannot see out of one eye", "emergency")
        .bot("utter_urgent_help")
    )
    # a callback request: the name and number must appear nowhere
    stored["callback"] = (
        Conversation(NOW - 2 * day)
        .user("can hsct stop my relapses", "ask_effectiveness")
        .bot("utter_ask_rephrase")
        .user(f"email me at {TYPED_EMAIL}", "inform")
        .bot("utter_ask_rephrase")
        .user("I want to talk to someone", "request_human")
        .bot("utter_ask_handoff_consent")
        .user("yes", "affirm")
        .bot("utter_no_staff_available")
        .user("yes", "affirm")
        .other(ActiveLoop("callback_form"), SlotSet("requested_slot", "callback_name"))
        .bot("utter_ask_callback_name")
        .user(CALLBACK_NAME, "inform")
        .other(SlotSet("callback_name", CALLBACK_NAME))
        .bot("utter_ask_callback_contact")
        .user(CALLBACK_PHONE, "inform")
        .other(SlotSet("callback_contact", CALLBACK_PHONE), ActiveLoop(None))
        .bot("utter_callback_recorded")
        .user(f"thanks, I am {CALLBACK_NAME}", "thank")
        .bot("utter_you_are_welcome")
    )
    stored["old"] = Conversation(NOW - 60 * day).user(OLD_QUESTION).bot("utter_ask_rephrase")
    return stored


def write_tracker_store(path: Path) -> Path:
    """Writes the fixture into a SQLite tracker store at `path`; returns `path`."""
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = SQLiteTrackerStore(domain=domain, db=str(path))
    for sender, conversation in conversations().items():
        events = [event.as_dict() for event in conversation.events]
        tracker = DialogueStateTracker.from_dict(sender, events, domain.slots)
        asyncio.run(store.save(tracker))
    store.engine.dispose()
    return path


def endpoints_file(directory: Path, db_path: Path) -> Path:
    """An endpoints file naming the fixture's tracker store, as the assistant's would."""
    path = directory / "endpoints.yml"
    path.write_text(
        "tracker_store:\n  type: tracker_stores.sqlite.SQLiteTrackerStore\n" f"  db: {db_path}\n"
    )
    return path
