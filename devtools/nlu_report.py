"""Summarises an NLU cross-validation run (`rasa test nlu --cross-validation`).

    python -m devtools.nlu_report results/nlu

Prints macro and weighted F1, the weakest intents and the most frequent confusions, writes
them to results/nlu/summary.md, and fails if the report or the confusion-matrix image is
missing or F1 is below the floor (a drop in NLU quality fails `make test`).
"""

import json
import sys
from collections import Counter
from pathlib import Path

# The floor sits a little below what cross-validation measures today (docs/nlu-and-performance.md),
# so noise between runs passes and a real regression does not.
MIN_WEIGHTED_F1 = 0.80


def summarise(results: Path) -> str:
    report = json.loads((results / "intent_report.json").read_text())
    errors_file = results / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    intents = {
        name: scores
        for name, scores in report.items()
        if isinstance(scores, dict)
        and "f1-score" in scores
        and "avg" not in name
        and name != "accuracy"
    }
    weakest = sorted(intents.items(), key=lambda kv: kv[1]["f1-score"])[:8]
    confusions = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors).most_common(
        10
    )
    lines = [
        "# NLU cross-validation",
        "",
        f"- intents: {len(intents)}; test examples: {report['weighted avg']['support']}",
        f"- accuracy: {report['accuracy']:.3f}",
        f"- macro F1: {report['macro avg']['f1-score']:.3f}",
        f"- weighted F1: {report['weighted avg']['f1-score']:.3f}",
        "",
        "| weakest intents | F1 | support |",
        "|---|---|---|",
        *[f"| {n} | {s['f1-score']:.3f} | {s['support']} |" for n, s in weakest],
        "",
        "| true intent | predicted | count |",
        "|---|---|---|",
        *[f"| {t} | {p} | {c} |" for (t, p), c in confusions],
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    results = Path(sys.argv[1] if len(sys.argv) > 1 else "results/nlu")
    for needed in ("intent_report.json", "intent_confusion_matrix.png"):
        if not (results / needed).exists():
            print(f"{results / needed} is missing: did `rasa test nlu` run?")
            return 1
    summary = summarise(results)
    (results / "summary.md").write_text(summary)
    print(summary)
    report = json.loads((results / "intent_report.json").read_text())
    weighted = report["weighted avg"]["f1-score"]
    if weighted < MIN_WEIGHTED_F1:
        print(f"Weighted F1 {weighted:.3f} is below the floor {MIN_WEIGHTED_F1}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
