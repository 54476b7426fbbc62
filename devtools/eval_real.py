"""`make eval-real`: the trained assistant on real questions people asked (tests/real_questions/),
typed and as a phone recogniser hands them over.

    python -m devtools.eval_real [--model PATH] [--out results/eval_real] [--no-floor]

For every question it parses the text with the trained model and takes the answering
action's own decision (actions/answer_planner.py), then scores it against the dev set's labels:

- topic accuracy: the question's topic is among the topics the assistant answered (or, for a
  clarification, its first suggestion);
- item top-1 / top-3: an item the dev set marks as answering is the first / among the first
  three the assistant answers with or offers;
- confidently wrong: an answer about none of the topics the question asks about;
- clarified: a "did you mean" instead of an answer;
- answered: the answer includes an item the dev set marks as answering the question (of the
  questions that have one); answered_or_offered also counts such an item offered as a "did you
  mean" button, one tap away.

It writes results/eval_real/report.md (figures overall and by kind, the calibration curve,
the worst examples) and summary.json, and fails when topic accuracy or the answered share
falls more than FLOOR_TOLERANCE below the floor recorded in tests/real_questions/floor.yml.
The dev set is for evaluation only: tests/test_real_questions.py keeps it out of training.
"""

import argparse
import asyncio
import json
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

import yaml

from actions.answer_planner import CALIBRATION, Calibration, plan_answer
from actions.evidence_store import EvidenceStore, get_store
from channels.phone_text import recogniser_text as recogniser_text  # re-exported for tests
from channels.phone_text import voice_channel_text

ROOT = Path(__file__).resolve().parent.parent
DEV_SET_DIR = ROOT / "tests" / "real_questions"
FLOOR_FILE = DEV_SET_DIR / "floor.yml"
FLOOR_TOLERANCE = 0.02
FLOOR_MEASURES = ("topic_accuracy", "answered")
KINDS = ("forum", "qa", "faq", "other")
# intents the rules send to the answering action; the rest get their own responses
EMERGENCY_INTENT = "emergency"
LONG_QUESTION_CHARS = 60
# the calibration curve: every pair of these answer thresholds is scored on the typed set
CURVE_MIN_SCORES = (1.0, 1.2, 1.4, 1.5, 1.6, 1.7, 1.8)
CURVE_MIN_MARGINS = (0.0, 0.1, 0.2, 0.4)


# --- the dev set ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DevQuestion:
    text: str
    source: str
    kind: str
    topic: str
    items: Tuple[str, ...]
    other_topics: Tuple[str, ...] = ()

    @property
    def topics(self) -> Set[str]:
        """The topics an answer may be about: the question's own, and those of the items the
        dev set marks as answering it (an item id is "<topic>.<slug>")."""
        return {self.topic, *self.other_topics, *(i.split(".")[0] for i in self.items)}


def load_dev_set(directory: Path = DEV_SET_DIR) -> List[DevQuestion]:
    questions = []
    for path in sorted(directory.glob("questions*.yml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            items = entry.get("items")
            questions.append(
                DevQuestion(
                    text=str(entry["text"]),
                    source=str(entry["source"]),
                    kind=str(entry["kind"]),
                    topic=str(entry["topic"]),
                    items=() if items in (None, "none") else tuple(items),
                    other_topics=tuple(entry.get("other_topics") or ()),
                )
            )
    return questions


def normalised(text: str) -> str:
    """For comparing questions: lower case, letters and digits only, single spaces."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


# --- outcomes ---------------------------------------------------------------------------------
@dataclass
class Outcome:
    """What the assistant did with one question."""

    action: str  # answer | clarify | unanswerable | emergency | other
    intent: str
    topics: List[str] = field(default_factory=list)  # answered (or suggested first) topics
    items: List[str] = field(default_factory=list)  # answered or offered items, in order
    parts: int = 1


def outcome_for(
    store: EvidenceStore, parse: Mapping[str, Any], calibration: Calibration
) -> Outcome:
    intent = str((parse.get("intent") or {}).get("name") or "")
    if intent == EMERGENCY_INTENT:
        return Outcome("emergency", intent)
    if not (intent.startswith("ask_") or intent == "nlu_fallback"):
        return Outcome("other", intent)
    plan = plan_answer(store, parse, calibration)
    answered = plan.answered
    if answered:
        items = [i for p in answered for i in p.items]
        # an answer is about its parts' topics and about every item it gives
        topics = [p.topic for p in answered if p.topic]
        topics += [store.item(i).topic for i in items if store.item(i)]
        return Outcome("answer", intent, topics=topics, items=items, parts=len(plan.parts))
    first = plan.parts[0] if plan.parts else None
    if first is not None and first.action == "clarify":
        offered = first.candidates
        topics = [store.item(i).topic for i in offered[:1] if store.item(i)]
        return Outcome("clarify", intent, topics=topics, items=offered, parts=len(plan.parts))
    return Outcome("unanswerable", intent, parts=len(plan.parts))


def baseline_outcome(store: EvidenceStore, parse: Mapping[str, Any]) -> Outcome:
    """The assistant before item ranking: the classifier's topic, its fixed primary items."""
    intent = str((parse.get("intent") or {}).get("name") or "")
    if intent == EMERGENCY_INTENT:
        return Outcome("emergency", intent)
    if intent == "nlu_fallback":
        ranking = [
            e["name"] for e in parse.get("intent_ranking") or [] if e["name"].startswith("ask_")
        ]
        topics = [t.id for t in (store.topic_for_intent(ranking[0]),) if t] if ranking else []
        return Outcome("clarify", intent, topics=topics)
    topic = store.topic_for_intent(intent)
    if topic is None:
        return Outcome("other", intent)
    items = [i.id for i in store.select_items(topic.id, {})]
    return Outcome("answer", intent, topics=[topic.id], items=items)


# --- scores -----------------------------------------------------------------------------------
@dataclass
class Scores:
    n: int = 0
    topic_correct: int = 0
    top1: int = 0
    top3: int = 0
    confidently_wrong: int = 0
    clarified: int = 0
    answered: int = 0
    offered: int = 0  # answered, or offered as a "did you mean" button: one tap away
    answerable: int = 0  # questions the dev set says an item answers

    def add(self, question: DevQuestion, outcome: Outcome) -> None:
        self.n += 1
        in_scope = question.topic != "out_of_scope"
        if in_scope:
            self.topic_correct += bool(set(outcome.topics) & question.topics)
        else:
            self.topic_correct += outcome.action in ("other", "unanswerable", "clarify")
        if outcome.action == "answer" and not set(outcome.topics) & question.topics:
            self.confidently_wrong += 1
        self.clarified += outcome.action == "clarify"
        if question.items:
            self.answerable += 1
            gold = set(question.items)
            self.top1 += bool(set(outcome.items[:1]) & gold)
            self.top3 += bool(set(outcome.items[:3]) & gold)
            self.answered += outcome.action == "answer" and bool(set(outcome.items) & gold)
            self.offered += outcome.action in ("answer", "clarify") and bool(
                set(outcome.items) & gold
            )

    def as_dict(self) -> Dict[str, float]:
        def share(count: int, total: int) -> float:
            return round(count / total, 3) if total else 0.0

        return {
            "questions": self.n,
            "topic_accuracy": share(self.topic_correct, self.n),
            "item_top1": share(self.top1, self.answerable),
            "item_top3": share(self.top3, self.answerable),
            "confidently_wrong": share(self.confidently_wrong, self.n),
            "clarified": share(self.clarified, self.n),
            "answered": share(self.answered, self.answerable),
            "answered_or_offered": share(self.offered, self.answerable),
            "answerable": self.answerable,
        }


def score(
    questions: Sequence[DevQuestion], outcomes: Sequence[Outcome]
) -> Dict[str, Dict[str, float]]:
    """Overall, by kind, and by length (the long questions were the weakest)."""
    groups: Dict[str, Scores] = defaultdict(Scores)
    for question, outcome in zip(questions, outcomes, strict=True):
        groups["all"].add(question, outcome)
        groups[f"kind: {question.kind}"].add(question, outcome)
        long = len(question.text) > LONG_QUESTION_CHARS
        groups["over 60 characters" if long else "60 characters or fewer"].add(question, outcome)
    return {name: scores.as_dict() for name, scores in groups.items()}


# --- running the model ------------------------------------------------------------------------
async def parse_all(model_path: Path, texts: Iterable[str]) -> List[Dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model_path))
    return [await agent.parse_message(text) for text in texts]


def calibration_curve(
    store: EvidenceStore,
    questions: Sequence[DevQuestion],
    parses: Sequence[Mapping[str, Any]],
) -> List[Dict[str, float]]:
    """Confidently wrong against clarified and answered, as the answer threshold moves."""
    points = []
    for min_score in CURVE_MIN_SCORES:
        for min_margin in CURVE_MIN_MARGINS:
            calibration = replace(CALIBRATION, min_score=min_score, min_margin=min_margin)
            outcomes = [outcome_for(store, p, calibration) for p in parses]
            figures = score(questions, outcomes)["all"]
            points.append({"min_score": min_score, "min_margin": min_margin, **figures})
    return points


# --- the report -------------------------------------------------------------------------------
MEASURES = (
    "topic_accuracy",
    "item_top1",
    "item_top3",
    "confidently_wrong",
    "clarified",
    "answered",
    "answered_or_offered",
)


def _table(results: Mapping[str, Mapping[str, float]], title: str) -> List[str]:
    lines = [f"### {title}", "", "| group | n | " + " | ".join(MEASURES) + " |"]
    lines.append("|---" * (len(MEASURES) + 2) + "|")
    order = ["all"] + sorted(k for k in results if k != "all")
    for name in order:
        row = results[name]
        lines.append(
            f"| {name} | {row['questions']} | "
            + " | ".join(f"{row[m]:.3f}" for m in MEASURES)
            + " |"
        )
    return lines + [""]


def worst_examples(
    questions: Sequence[DevQuestion], outcomes: Sequence[Outcome], limit: int = 15
) -> List[str]:
    lines = ["| question | kind | asked about | assistant |", "|---|---|---|---|"]
    wrong = [
        (q, o)
        for q, o in zip(questions, outcomes, strict=True)
        if o.action == "answer" and not set(o.topics) & q.topics
    ]
    for question, outcome in wrong[:limit]:
        text = " ".join(question.text.split())
        text = (text[:140] + "…") if len(text) > 140 else text
        text = text.replace("|", "/")
        lines.append(
            f"| {text} | {question.kind} | {question.topic} | "
            f"{', '.join(outcome.items) or outcome.action} |"
        )
    return lines


def check_floor(
    summary: Mapping[str, Mapping[str, Mapping[str, float]]], floor_file: Path = FLOOR_FILE
) -> List[str]:
    """Measures that fell more than FLOOR_TOLERANCE below the recorded floor."""
    floor = yaml.safe_load(floor_file.read_text()) or {}
    failures = []
    for variant, measures in floor.items():
        for measure, recorded in (measures or {}).items():
            got = summary[variant]["all"][measure]
            if got < float(recorded) - FLOOR_TOLERANCE:
                failures.append(
                    f"{variant} {measure}: {got:.3f} < floor {recorded} - {FLOOR_TOLERANCE}"
                )
    return failures


def write_report(
    out: Path,
    questions: Sequence[DevQuestion],
    results: Mapping[str, Any],
    curve: Sequence[Mapping[str, float]],
    worst: Mapping[str, List[str]],
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    kinds = Counter(q.kind for q in questions)
    topics = Counter(q.topic for q in questions)
    lines = [
        "# Real questions: how the assistant does (`make eval-real`)",
        "",
        f"{len(questions)} questions people asked in public forums, Q&A and FAQ pages "
        f"(tests/real_questions/): "
        + ", ".join(f"{kinds[k]} {k}" for k in KINDS if kinds[k])
        + f"; {sum(1 for q in questions if q.items)} have an evidence item that answers them.",
        "",
        "By topic: " + ", ".join(f"{t} {n}" for t, n in topics.most_common()),
        "",
    ]
    for variant, label in (
        ("typed", "Typed"),
        ("voice", "Phone recogniser text"),
        ("typed_before", "Typed, before item ranking (classifier topic, fixed primary items)"),
        ("voice_before", "Phone, before item ranking"),
    ):
        lines += _table(results[variant], label)
    chosen = (CALIBRATION.min_score, CALIBRATION.min_margin)
    lines += [
        "### Calibration (typed): answer only above a blended score and margin",
        "",
        "Each row is one setting of `min_score` / `min_margin` in actions/answer_planner.py; "
        "the chosen one is marked. Raising them trades confident wrong answers for "
        "clarifications.",
        "",
        "| min_score | min_margin | confidently_wrong | clarified | topic_accuracy | answered "
        "| answered_or_offered |",
        "|---|---|---|---|---|---|---|",
    ]
    for point in curve:
        mark = " **(chosen)**" if (point["min_score"], point["min_margin"]) == chosen else ""
        lines.append(
            f"| {point['min_score']}{mark} | {point['min_margin']} | "
            f"{point['confidently_wrong']:.3f} | {point['clarified']:.3f} | "
            f"{point['topic_accuracy']:.3f} | {point['answered']:.3f} | "
            f"{point['answered_or_offered']:.3f} |"
        )
    for variant in ("typed", "voice"):
        lines += ["", f"### Confidently wrong, {variant} (first 15)", ""] + worst[variant]
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "summary.json").write_text(json.dumps({"results": results, "curve": curve}, indent=1))


def evaluate(model_path: Path, out: Path) -> Dict[str, Any]:
    store = get_store()
    questions = load_dev_set()
    typed = [q.text for q in questions]
    voice = [voice_channel_text(q.text) for q in questions]
    parses = asyncio.run(parse_all(model_path, typed + voice))
    typed_parses, voice_parses = parses[: len(typed)], parses[len(typed) :]
    out.mkdir(parents=True, exist_ok=True)
    (out / "parses.json").write_text(json.dumps({"typed": typed_parses, "voice": voice_parses}))
    outcomes = {
        "typed": [outcome_for(store, p, CALIBRATION) for p in typed_parses],
        "voice": [outcome_for(store, p, CALIBRATION) for p in voice_parses],
        "typed_before": [baseline_outcome(store, p) for p in typed_parses],
        "voice_before": [baseline_outcome(store, p) for p in voice_parses],
    }
    results = {name: score(questions, o) for name, o in outcomes.items()}
    curve = calibration_curve(store, questions, typed_parses)
    worst = {v: worst_examples(questions, outcomes[v]) for v in ("typed", "voice")}
    write_report(out, questions, results, curve, worst)
    return results


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "eval_real")
    parser.add_argument("--no-floor", action="store_true", help="report only, never fail")
    args = parser.parse_args(argv)
    if args.model is None:
        from devtools.model import current_model_path

        args.model = current_model_path()
    results = evaluate(args.model, args.out)
    for variant in ("typed", "voice", "typed_before", "voice_before"):
        row = results[variant]["all"]
        print(f"{variant:>13}: " + "  ".join(f"{m} {row[m]:.3f}" for m in MEASURES))
    print(f"Report: {args.out / 'report.md'}")
    failures = [] if args.no_floor else check_floor(results)
    for failure in failures:
        print(f"Below the recorded floor: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
