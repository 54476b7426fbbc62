"""Decides what to answer for one message: which evidence items, for each question in it, or
a short clarification when the signals disagree. Plain Python (no rasa_sdk), so the answering
action and `make eval-real` take exactly the same decision from the same parse result.

The signals, all in the parse result (custom_nlu/item_ranker.py adds the last four):
- the intent classifier's ranking, which reads the whole message;
- `topic_probabilities`: a topic classifier that reads the question alone (sentence embedding);
- `topic_scores`: each FAQ topic's closest training example to the question (cosine);
- `item_ranking`: each evidence item's closest example questions and answer (cosine);
- `question_parts`: the same two rankings for each question when a message holds several, or
  a paragraph of context around one.

The topic comes from a weighted sum of the first four (weights in `Calibration`, with the
topic's best item score); the items from the item ranking within that topic, led by another
topic's item when that one matches clearly better. When the best topic is not clearly ahead,
the person gets the best item of each of the two or three leading topics as buttons instead:
a short clarification costs a tap, a confident answer to a different question can mislead.
"""

from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from actions.evidence_store import EvidenceItem, EvidenceStore

FAQ_INTENT_PREFIX = "ask_"
MAX_ITEMS_PER_PART = 2
MAX_CLARIFY_ITEMS = 3
# an item about a drug or MS type the person named gets this much on top (cosine units)
ENTITY_BONUS = 0.03


@dataclass(frozen=True)
class Calibration:
    """How the signals are weighed and when the assistant answers instead of asking.

    Calibrated on the real-question dev set by `make eval-real` (the curve is in
    results/eval_real/report.md): these are the point chosen there, trading a clarification for
    a confident wrong answer.
    """

    # the intent classifier's probability; it reads the whole message, so in a message of
    # several questions it speaks for all of them (measured: counting it for less there gave
    # more confident wrong answers, not fewer)
    classifier_weight: float = 1.0
    # the per-question topic classifier's probability (the question alone)
    question_classifier_weight: float = 0.5
    topic_example_weight: float = 0.5  # the topic's closest NLU training example (cosine)
    item_weight: float = 0.2  # the item ranker's score of the topic's best item
    # answer when the best topic's score is at least this (each question of several, too:
    # measured on the 77 dev messages with several parts, 1.0 there gave 19.5% confident wrong
    # answers against 2.6% at 1.6) ...
    min_score: float = 1.6
    # ... and this far ahead of the runner-up topic
    min_margin: float = 0.1
    # another topic's item comes first when its item score beats the chosen topic's best by this
    cross_topic_margin: float = 0.1
    # a second item of the same topic joins when its score is this close to the first's
    second_item_within: float = 0.05
    # a question whose best item scores below this is not answered from the store at all
    min_item_score: float = 0.3


CALIBRATION = Calibration()


@dataclass
class PartPlan:
    """What to do for one question of the message."""

    text: str
    action: str  # "answer" | "clarify" | "unanswerable"
    topic: Optional[str] = None
    items: List[str] = field(default_factory=list)  # answer: the items, best first
    candidates: List[str] = field(default_factory=list)  # clarify: item ids for buttons
    topic_scores: List[Tuple[str, float]] = field(default_factory=list)  # best first


@dataclass
class AnswerPlan:
    parts: List[PartPlan]
    more_questions_than_answered: bool = False

    @property
    def answered(self) -> List[PartPlan]:
        return [p for p in self.parts if p.action == "answer"]

    @property
    def needs_clarification(self) -> bool:
        return bool(self.parts) and not self.answered and self.parts[0].action == "clarify"


# --- reading the parse result ---------------------------------------------------------------
def classifier_topics(parse: Mapping[str, Any]) -> Dict[str, float]:
    """The classifier's probability per FAQ topic (`ask_side_effects` -> `side_effects`)."""
    scores: Dict[str, float] = {}
    for entry in parse.get("intent_ranking") or []:
        name = str(entry.get("name") or "")
        if name.startswith(FAQ_INTENT_PREFIX):
            scores[name[len(FAQ_INTENT_PREFIX) :]] = float(entry.get("confidence") or 0.0)
    return scores


def _item_scores(store: EvidenceStore, ranking: Iterable[Mapping[str, Any]]) -> Dict[str, float]:
    """Item id -> score, for the items the store (still) has."""
    return {
        str(e["id"]): float(e.get("score") or 0.0)
        for e in ranking
        if e.get("id") and store.item(str(e["id"])) is not None
    }


def entity_values(parse: Mapping[str, Any]) -> Dict[str, Set[str]]:
    found: Dict[str, Set[str]] = {}
    for entity in parse.get("entities") or []:
        label, value = entity.get("entity"), entity.get("value")
        if isinstance(label, str) and isinstance(value, str):
            found.setdefault(label, set()).add(value)
    return found


# --- the decision ---------------------------------------------------------------------------
def topic_scores(
    store: EvidenceStore,
    signals: "QuestionSignals",
    calibration: Calibration,
) -> List[Tuple[str, float]]:
    """Every topic's score for the question, best first: the classifiers' probabilities, the
    closest training example, and the topic's best matching item."""
    items = signals.items
    best_item: Dict[str, float] = {}
    for item_id, similarity in items.items():
        topic = store.item(item_id).topic
        best_item[topic] = max(best_item.get(topic, 0.0), similarity)
    scores = {
        topic: calibration.classifier_weight * signals.classifier_for(topic)
        + calibration.question_classifier_weight * signals.question_classifier.get(topic, 0.0)
        + calibration.topic_example_weight * float(signals.topic_examples.get(topic, 0.0))
        + calibration.item_weight * best_item.get(topic, 0.0)
        for topic in store.topics
    }
    return sorted(scores.items(), key=lambda pair: -pair[1])


def choose_items(
    store: EvidenceStore,
    topic: str,
    items: Mapping[str, float],
    entities: Mapping[str, Set[str]],
    calibration: Calibration,
) -> List[str]:
    """The topic's items that best match the question, and first another topic's item when
    that one matches clearly better (a question about a central line asked as 'procedure')."""
    ranked = sorted(
        (
            (item_id, similarity + ENTITY_BONUS * store.item(item_id).match_score(entities))
            for item_id, similarity in items.items()
        ),
        key=lambda pair: -pair[1],
    )
    in_topic = [(i, s) for i, s in ranked if store.item(i).topic == topic]
    if not in_topic:
        return [item.id for item in store.select_items(topic, entities)]
    best_id, best = in_topic[0]
    chosen = [best_id]
    if store.item(best_id).primary:
        # The question matches one of the topic's core items: a general question ("what are
        # the side effects?") gets the topic's core answer, all of its primary items.
        chosen += [i.id for i in store.items_for_topic(topic) if i.primary and i.id != best_id]
    elif len(in_topic) > 1 and in_topic[1][1] >= best - calibration.second_item_within:
        chosen.append(in_topic[1][0])
    elsewhere_id, elsewhere = ranked[0]
    if elsewhere_id not in chosen and elsewhere >= best + calibration.cross_topic_margin:
        chosen.insert(0, elsewhere_id)
    return chosen[:MAX_ITEMS_PER_PART]


@dataclass(frozen=True)
class QuestionSignals:
    """What the NLU pipeline says about one question (the message, or one part of it)."""

    text: str
    classifier: Mapping[str, float]  # intent classifier, whole message
    question_classifier: Mapping[str, float]  # topic probabilities of this question
    topic_examples: Mapping[str, float]
    items: Mapping[str, float]
    one_of_several: bool = False

    def classifier_for(self, topic: str) -> float:
        """The intent classifier's probability of the topic. It read the whole message, so for
        one question of several it only counts for topics the question's own classifier also
        ranks: it must not lend its topic to a question about something else."""
        if self.one_of_several and topic not in self.question_classifier:
            return 0.0
        return self.classifier.get(topic, 0.0)

    @classmethod
    def read(
        cls,
        store: EvidenceStore,
        source: Mapping[str, Any],
        text: str,
        classifier: Mapping[str, float],
        one_of_several: bool = False,
    ) -> "QuestionSignals":
        return cls(
            text=text,
            classifier=classifier,
            one_of_several=one_of_several,
            question_classifier=source.get("topic_probabilities") or {},
            topic_examples=source.get("topic_scores") or {},
            items=_item_scores(store, source.get("item_ranking") or []),
        )


def plan_part(
    store: EvidenceStore,
    signals: QuestionSignals,
    entities: Mapping[str, Set[str]],
    calibration: Calibration,
) -> PartPlan:
    text, items = signals.text, signals.items
    if not items or max(items.values()) < calibration.min_item_score:
        return PartPlan(text=text, action="unanswerable")
    ranked = topic_scores(store, signals, calibration)
    (topic, best), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
    if best < calibration.min_score or best - runner_up < calibration.min_margin:
        return PartPlan(
            text=text,
            action="clarify",
            topic=topic,
            candidates=clarify_candidates(store, ranked, items, entities, calibration),
            topic_scores=ranked[:3],
        )
    return PartPlan(
        text=text,
        action="answer",
        topic=topic,
        items=choose_items(store, topic, items, entities, calibration),
        topic_scores=ranked[:3],
    )


def clarify_candidates(
    store: EvidenceStore,
    ranked: Sequence[Tuple[str, float]],
    items: Mapping[str, float],
    entities: Mapping[str, Set[str]],
    calibration: Calibration,
) -> List[str]:
    """The best item of each of the leading topics, best topic first; a topic far behind the
    leader (under half its score) is not worth a button."""
    candidates: List[str] = []
    leader = ranked[0][1] if ranked else 0.0
    for topic, score in ranked[:MAX_CLARIFY_ITEMS]:
        if score < leader / 2:
            break
        best = choose_items(store, topic, items, entities, calibration)
        candidates += [i for i in best if store.item(i).topic == topic and i not in candidates][:1]
    return candidates


def requested_item(store: EvidenceStore, parse: Mapping[str, Any]) -> Optional[EvidenceItem]:
    """The item a clarification button asked for (`/ask_x{"evidence_item": "x.y"}`)."""
    for value in entity_values(parse).get("evidence_item", ()):
        item = store.item(value)
        if item is not None:
            return item
    return None


def plan_answer(
    store: EvidenceStore,
    parse: Mapping[str, Any],
    calibration: Optional[Calibration] = None,
    remembered: Optional[Mapping[str, Set[str]]] = None,
) -> AnswerPlan:
    """What to answer for a parsed message (see the module's docstring)."""
    calibration = calibration or CALIBRATION
    chosen = requested_item(store, parse)
    text = str(parse.get("text") or "")
    if chosen is not None:
        return AnswerPlan(
            [PartPlan(text=text, action="answer", topic=chosen.topic, items=[chosen.id])]
        )

    entities = {**(remembered or {}), **entity_values(parse)}
    classifier = classifier_topics(parse)
    if "item_ranking" not in parse:
        return topic_only_plan(store, text, parse, classifier, entities)
    parts = parse.get("question_parts") or []
    if len(parts) <= 1:
        # One question: the example rankings come from the question itself when context was
        # set aside (the classifier read the whole message).
        source = parts[0] if parts else parse
        signals = QuestionSignals.read(store, source, text, classifier)
        return AnswerPlan([plan_part(store, signals, entities, calibration)])

    planned = [
        plan_part(
            store,
            QuestionSignals.read(
                store, part, str(part.get("text") or ""), classifier, one_of_several=True
            ),
            entities,
            calibration,
        )
        for part in parts
    ]
    return AnswerPlan(
        merge_repeated_items(planned),
        more_questions_than_answered=bool(parse.get("more_questions_than_answered")),
    )


def topic_only_plan(
    store: EvidenceStore,
    text: str,
    parse: Mapping[str, Any],
    classifier: Mapping[str, float],
    entities: Mapping[str, Set[str]],
) -> AnswerPlan:
    """A message that never went through NLU (a button's `/ask_side_effects` payload) names
    its topic and nothing more: the topic's items for what is known, best first."""
    topic = store.topic_for_intent(str((parse.get("intent") or {}).get("name") or ""))
    if topic is not None:
        items = [item.id for item in store.select_items(topic.id, entities)]
        return AnswerPlan([PartPlan(text=text, action="answer", topic=topic.id, items=items)])
    ranked = sorted(classifier.items(), key=lambda pair: -pair[1])[:MAX_CLARIFY_ITEMS]
    candidates = [store.select_items(t, entities)[0].id for t, _ in ranked]
    action = "clarify" if candidates else "unanswerable"
    return AnswerPlan([PartPlan(text=text, action=action, candidates=candidates)])


def merge_repeated_items(parts: List[PartPlan]) -> List[PartPlan]:
    """Two questions answered by the same item are answered once (the first keeps it), and a
    "did you mean" for one question does not offer what another question already got."""
    answered = {i for part in parts if part.action == "answer" for i in part.items}
    seen: Set[str] = set()
    merged: List[PartPlan] = []
    for part in parts:
        if part.action == "answer":
            fresh = [i for i in part.items if i not in seen]
            if not fresh:
                continue
            seen.update(fresh)
            part = replace(part, items=fresh)
        elif part.action == "clarify":
            offered = [i for i in part.candidates if i not in answered]
            part = (
                replace(part, candidates=offered)
                if offered
                else replace(part, action="unanswerable", candidates=[])
            )
        merged.append(part)
    return merged
