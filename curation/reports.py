"""The curators' three reports, as plain data the inbox pages and the CSV exports both show:
- `unanswered`: the poorly answered messages grouped by meaning (where new items come from);
- `items`: each evidence item's use and feedback, those due for review first;
- `topics`: how many questions each topic had and how they ended, over the period.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from actions.evidence_store import EvidenceStore
from actions.rendering import source_label
from channels.feedback_reasons import feedback_reasons
from curation.conversations import (
    ANSWERED,
    CLARIFIED,
    EMERGENCY,
    HANDED_OFF,
    OUT_OF_SCOPE,
    POORLY_ANSWERED,
    SOMETHING_ELSE,
    THUMBS_DOWN,
    Conversations,
)
from curation.grouping import Embed, Group, encode, group_messages
from curation.periods import Period
from devtools.content_audit import due_for_review

# Items whose review falls due this soon count as due (`make content-audit`'s default).
REVIEW_WITHIN_DAYS = 60
MAX_ITEM_COMMENTS = 5
# How the topics report counts outcomes: a thumbs-down was still answered; "did you mean",
# "something else" and "cannot answer" all asked the person again or gave up.
OUTCOME_COLUMNS = {
    ANSWERED: "answered",
    THUMBS_DOWN: "answered",
    CLARIFIED: "clarified",
    SOMETHING_ELSE: "clarified",
    OUT_OF_SCOPE: "clarified",
    HANDED_OFF: "handed_off",
    EMERGENCY: "emergency",
}
COLUMNS = ("answered", "clarified", "handed_off", "emergency")
NO_TOPIC = "(not recognised)"


def reason_label(key: str) -> str:
    return feedback_reasons().get(key, key)


# How the "What people ask" report and its CSV name the outcomes of poorly answered messages.
OUTCOME_LABELS = {
    CLARIFIED: "Asked “did you mean”",
    SOMETHING_ELSE: "None of the suggestions",
    OUT_OF_SCOPE: "Could not answer",
    THUMBS_DOWN: "Thumbs down",
    HANDED_OFF: "Went to staff",
}


def outcome_label(key: str) -> str:
    return OUTCOME_LABELS.get(key, key)


# --- unanswered and poorly answered -----------------------------------------------------------
def unanswered(conversations: Conversations, period: Period, embed: Embed = encode) -> List[Group]:
    poorly = [m for m in conversations.messages if m.outcome in POORLY_ANSWERED]
    return group_messages(poorly, period, embed)


# --- per item ---------------------------------------------------------------------------------
@dataclass
class ItemRow:
    id: str
    title: str
    topic: str
    shown: int
    thumbs_up: int
    thumbs_down: int
    last_reviewed: Optional[dt.date]
    due_on: Optional[dt.date]  # set when the review is due within REVIEW_WITHIN_DAYS
    sources: List[str]
    reasons: Dict[str, int] = field(default_factory=dict)  # label -> count
    comments: List[str] = field(default_factory=list)

    @property
    def due(self) -> bool:
        return self.due_on is not None


def items(conversations: Conversations, store: EvidenceStore, today: dt.date) -> List[ItemRow]:
    """Every evidence item: due for review first (soonest first), then the most shown."""
    shown = Counter(item for m in conversations.messages for item in m.items)
    due = {item.id: due_on for due_on, item in due_for_review(store, today, REVIEW_WITHIN_DAYS)}
    rows = []
    for item in store.items:
        rated = [f for f in conversations.feedback if item.id in f.items]
        topic = store.topics.get(item.topic)
        rows.append(
            ItemRow(
                id=item.id,
                title=item.title or item.id,
                topic=topic.title if topic else item.topic,
                shown=shown[item.id],
                thumbs_up=sum(1 for f in rated if f.value == "up"),
                thumbs_down=sum(1 for f in rated if f.value == "down"),
                last_reviewed=item.last_reviewed,
                due_on=due.get(item.id),
                sources=[source_label(s) for s in store.sources_for([item])],
                reasons=dict(Counter(reason_label(f.reason) for f in rated if f.reason)),
                comments=[f.comment for f in rated if f.comment][-MAX_ITEM_COMMENTS:],
            )
        )
    far = dt.date.max
    return sorted(rows, key=lambda r: (not r.due, r.due_on or far, -r.shown, r.id))


# --- topics over time -------------------------------------------------------------------------
@dataclass
class TopicRow:
    topic: str
    counts: Dict[str, int]  # COLUMNS -> messages

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class TopicsReport:
    rows: List[TopicRow]  # the busiest topic first
    steps: List[str]  # the period's step labels
    over_time: List[Dict[str, int]]  # per step: COLUMNS -> messages

    @property
    def busiest_step(self) -> int:
        return max([sum(step.values()) for step in self.over_time] + [1])


def topics(conversations: Conversations, store: EvidenceStore, period: Period) -> TopicsReport:
    by_topic: Dict[str, Counter] = {}
    steps = period.steps()
    over_time = [Counter() for _ in steps]  # type: List[Counter]
    for message in conversations.messages:
        column = OUTCOME_COLUMNS.get(message.outcome)
        if column is None:
            continue
        by_topic.setdefault(_topic_title(store, message.topic, message.intent), Counter())[
            column
        ] += 1
        for index, step in enumerate(steps):
            if step.start <= message.at < step.end:
                over_time[index][column] += 1
                break
    rows = [
        TopicRow(title, {column: counts[column] for column in COLUMNS})
        for title, counts in by_topic.items()
    ]
    return TopicsReport(
        rows=sorted(rows, key=lambda row: (-row.total, row.topic)),
        steps=[step.label for step in steps],
        over_time=[{column: counts[column] for column in COLUMNS} for counts in over_time],
    )


def _topic_title(store: EvidenceStore, topic_id: Optional[str], intent: Optional[str]) -> str:
    topic = store.topics.get(topic_id or "") or store.topic_for_intent(intent)
    return topic.title if topic else NO_TOPIC


def item_titles(store: EvidenceStore, ids: Sequence[str]) -> Dict[str, str]:
    """{id: title} for showing the items a group's messages were answered with."""
    found = {item_id: store.item(item_id) for item_id in ids}
    return {i: (item.title or i) if item else i for i, item in found.items()}
