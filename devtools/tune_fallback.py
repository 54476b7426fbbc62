"""Chooses the FallbackClassifier thresholds from measurement, not defaults.

    python -m devtools.tune_fallback [--folds 5]

Runs a k-fold cross-validation of the real NLU pipeline (config.yml with the fallback switched
off), keeps every held-out message's full intent ranking, then scores each pair of
(threshold, ambiguity_threshold) by what the person experiences:

- confident and right: they get their answer (+1)
- confident and wrong: they get a wrong answer (-2: worse than asking)
- fallback, right topic among the "did you mean" buttons: one extra tap (+0.5)
- fallback, right topic not offered: they have to rephrase (-0.5)

Writes the table to results/fallback/tuning.md and prints the best pair; config.yml is then
updated by hand, so a change of thresholds is a reviewed commit.
"""

import argparse
import json
import random
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from devtools.model import ROOT

SUGGESTIONS = 3  # how many topics "did you mean" offers (actions/clarifying.py)
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 19)]
AMBIGUITIES = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5]


def _examples() -> List[Tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "data" / "nlu"))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


def _config_without_fallback(tmp: Path) -> Path:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for component in config["pipeline"]:
        if component["name"] == "FallbackClassifier":
            component["threshold"] = 0.0
            component["ambiguity_threshold"] = 0.0
    path = tmp / "config.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def _write_nlu(path: Path, examples: List[Tuple[str, str]]) -> None:
    by_intent: Dict[str, List[str]] = defaultdict(list)
    for text, intent in examples:
        by_intent[intent].append(text)
    blocks = [
        {"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)}
        for intent, texts in by_intent.items()
    ]
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks}, sort_keys=False))


def cross_validated_rankings(folds: int) -> List[Tuple[str, List[Dict]]]:
    """(true intent, ranking) for every example, each predicted by a model that never saw it."""
    import asyncio

    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    examples = _examples()
    random.Random(42).shuffle(examples)
    results = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        config = _config_without_fallback(tmp)
        for fold in range(folds):
            test = examples[fold::folds]
            train = [e for i, e in enumerate(examples) if i % folds != fold]
            nlu_file = tmp / f"train_{fold}.yml"
            _write_nlu(nlu_file, train)
            model = train_nlu(
                str(config), str(nlu_file), str(tmp / "models"), fixed_model_name=f"fold{fold}"
            )
            agent = Agent.load(model)
            for text, intent in test:
                parsed = asyncio.run(agent.parse_message(text))
                results.append((intent, parsed["intent_ranking"]))
            print(f"fold {fold + 1}/{folds} done")
    return results


def score(results, threshold: float, ambiguity: float, topic_intents: set) -> Dict[str, float]:
    counts = {"right": 0, "wrong": 0, "offered": 0, "missed": 0}
    for truth, ranking in results:
        top = ranking[0]
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        confident = top["confidence"] >= threshold and top["confidence"] - second >= ambiguity
        if confident:
            counts["right" if top["name"] == truth else "wrong"] += 1
        else:
            offered = [r["name"] for r in ranking if r["name"] in topic_intents][:SUGGESTIONS]
            counts["offered" if truth in offered else "missed"] += 1
    utility = (
        counts["right"] - 2 * counts["wrong"] + 0.5 * counts["offered"] - 0.5 * counts["missed"]
    )
    return {**counts, "utility": utility / len(results)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--saved", action="store_true", help="re-score results/fallback/rankings.json"
    )
    args = parser.parse_args()
    topics = yaml.safe_load((ROOT / "evidence" / "topics.yml").read_text())["topics"]
    topic_intents = {t["intent"] for t in topics}
    out = ROOT / "results" / "fallback"
    out.mkdir(parents=True, exist_ok=True)
    if args.saved:
        results = json.loads((out / "rankings.json").read_text())
    else:
        results = cross_validated_rankings(args.folds)
        (out / "rankings.json").write_text(json.dumps(results))
    rows = [(t, a, score(results, t, a, topic_intents)) for t in THRESHOLDS for a in AMBIGUITIES]
    rows.sort(key=lambda row: -row[2]["utility"])
    lines = [
        "| threshold | ambiguity | right | wrong | offered | missed | utility |",
        "|---|---|---|---|---|---|---|",
        *[
            f"| {t} | {a} | {s['right']} | {s['wrong']} | {s['offered']} | {s['missed']} "
            f"| {s['utility']:.3f} |"
            for t, a, s in rows[:15]
        ],
    ]
    (out / "tuning.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    best_t, best_a, _ = rows[0]
    print(f"\nBest: threshold {best_t}, ambiguity_threshold {best_a}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
