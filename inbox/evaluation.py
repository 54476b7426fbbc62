"""What the assistant would do with one question, laid out for the curators' "Try a question" page.

Pure Python over a parse result (Rasa's `/model/parse`, with what custom_nlu adds) and the
evidence store: the answering action's own planner (actions/answer_planner.py) and rendering
(actions/rendering.py), so the page shows the decision the assistant takes, not a copy of it.
The view (inbox/views/evaluate.py) asks Rasa for the parse; nothing here does I/O.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from actions.answer_planner import CALIBRATION, AnswerPlan, PartPlan, plan_answer
from actions.evidence_store import EvidenceStore
from actions.rendering import item_button, rendered_answer
from channels.phone_text import spoken_button

SHOWN_ITEMS = 5  # ranked items per question: enough to see where a new item lands
EMERGENCY_INTENT = "emergency"
FALLBACK_INTENT = "nlu_fallback"
FAQ_INTENT_PREFIX = "ask_"


@dataclass(frozen=True)
class RankedItem:
    rank: int
    id: str
    topic: str
    score: float
    title: str  # "" when the inbox's copy of the store does not have the item
    chosen: bool  # answered with, or offered as a button


@dataclass(frozen=True)
class Reply:
    """One answer as the channel would give it: written (text, sources) or spoken."""

    topic: str
    item_ids: List[str]
    text: str
    sources: str


@dataclass
class Question:
    """One question of the message (the message itself, unless it holds several)."""

    text: str
    ranking: List[RankedItem]
    action: str = ""  # answer | clarify | unanswerable | merged ("" when not planned)
    topic_scores: List[Tuple[str, float]] = field(default_factory=list)
    reply: Optional[Reply] = None
    buttons: List[str] = field(default_factory=list)  # clarify: what the buttons say


@dataclass
class Evaluation:
    text: str  # what NLU read
    intent: str
    confidence: float
    # answer | clarify | unanswerable: the answering action's decision; emergency: urgent-help
    # guidance first; other: the intent has its own response, not the evidence store
    decision: str
    questions: List[Question]


def ranking_sources(parse: Mapping[str, Any]) -> List[Tuple[str, Mapping[str, Any]]]:
    """(question text, the part of the parse that ranks it), as the planner reads them: each
    question part when there are several, else the question itself (with its context set
    aside when there was some) under the message's text."""
    parts = parse.get("question_parts") or []
    text = str(parse.get("text") or "")
    if len(parts) <= 1:
        return [(text, parts[0] if parts else parse)]
    return [(str(part.get("text") or ""), part) for part in parts]


def ranked_items(
    store: EvidenceStore, source: Mapping[str, Any], chosen: Sequence[str]
) -> List[RankedItem]:
    ranked = []
    for rank, entry in enumerate((source.get("item_ranking") or [])[:SHOWN_ITEMS], start=1):
        item_id = str(entry.get("id") or "")
        item = store.item(item_id)
        ranked.append(
            RankedItem(
                rank=rank,
                id=item_id,
                topic=item.topic if item else str(entry.get("topic") or ""),
                score=float(entry.get("score") or 0.0),
                title=item.title if item else "",
                chosen=item_id in chosen,
            )
        )
    return ranked


def decision_of(intent: str, plan: Optional[AnswerPlan]) -> str:
    if intent == EMERGENCY_INTENT:
        return "emergency"
    if plan is None:
        return "other"
    if plan.answered:
        return "answer"
    return plan.parts[0].action if plan.parts else "unanswerable"


def goes_to_answering(intent: str) -> bool:
    """The intents the rules send to the answering action (as `make eval-real` counts them)."""
    return intent.startswith(FAQ_INTENT_PREFIX) or intent == FALLBACK_INTENT


def _reply(store: EvidenceStore, part: PartPlan, spoken: bool) -> Optional[Reply]:
    items = [item for item in (store.item(i) for i in part.items) if item is not None]
    topic = store.topics.get(part.topic or "")
    if not items or topic is None:
        return None
    rendered = rendered_answer(store, topic, items)
    return Reply(
        topic=topic.id,
        item_ids=[item.id for item in items],
        text=str(rendered["spoken" if spoken else "answer"]),
        sources=str(rendered["spoken_sources" if spoken else "sources"]),
    )


def _button(store: EvidenceStore, item_id: str, spoken: bool) -> str:
    """A "did you mean" button's title, or what the phone channel says for it."""
    if store.item(item_id) is None:
        return item_id
    button = item_button(store, item_id)
    return spoken_button(button) if spoken else button["title"]


def evaluate(store: EvidenceStore, parse: Mapping[str, Any], spoken: bool = False) -> Evaluation:
    """The assistant's decision for `parse`, with each question's ranked items; `spoken` gives
    the replies as the phone channel speaks them."""
    intent_data = parse.get("intent") or {}
    intent = str(intent_data.get("name") or "")
    sources = ranking_sources(parse)
    plan = plan_answer(store, parse, CALIBRATION) if goes_to_answering(intent) else None
    questions = [Question(text, ranked_items(store, source, ())) for text, source in sources]
    if plan is not None:
        _fill(store, plan, questions, sources, spoken)
    return Evaluation(
        text=str(parse.get("text") or ""),
        intent=intent,
        confidence=float(intent_data.get("confidence") or 0.0),
        decision=decision_of(intent, plan),
        questions=questions,
    )


def _fill(
    store: EvidenceStore,
    plan: AnswerPlan,
    questions: List[Question],
    sources: Sequence[Tuple[str, Mapping[str, Any]]],
    spoken: bool,
) -> None:
    """Each question's part of the plan: its decision, reply or buttons, and which of its
    ranked items were chosen. Without an answer anywhere, only the first question's "did you
    mean" is sent (actions/answering.py)."""
    by_text: Dict[str, List[PartPlan]] = {}
    for part in plan.parts:
        by_text.setdefault(part.text, []).append(part)
    several = len(questions) > 1
    for index, question in enumerate(questions):
        found = by_text.get(question.text) or []
        part = found.pop(0) if found else (None if several else _first(plan))
        if part is None:
            question.action = "merged" if several else "unanswerable"
            continue
        question.action = part.action
        question.topic_scores = list(part.topic_scores)
        offered = part.candidates if (plan.answered or index == 0) else []
        chosen = part.items if part.action == "answer" else offered
        question.ranking = ranked_items(store, sources[index][1], chosen)
        if part.action == "answer":
            question.reply = _reply(store, part, spoken)
        elif part.action == "clarify":
            question.buttons = [_button(store, i, spoken) for i in offered]


def _first(plan: AnswerPlan) -> Optional[PartPlan]:
    return plan.parts[0] if plan.parts else None
