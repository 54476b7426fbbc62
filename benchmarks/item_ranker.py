"""What the evidence item ranker adds to each message: its own time, measured in-process on the
real-question dev set with the trained model's ranker.

    python -m benchmarks.item_ranker [--model PATH]

In the pipeline the sentence featurizer has already embedded the whole message (the encoder
caches it), so the ranker's cost is its matrix products, plus one encoder pass per question
when a message holds context or several questions. Both are timed here: the embedding of the
whole message is computed before the clock starts, the parts' embeddings inside it. Medians
and percentiles from one run.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.nlu.training_data.message import Message

from custom_nlu.item_ranker import EvidenceItemRanker
from custom_nlu.minilm import get_encoder
from devtools.eval_real import load_dev_set


def load_ranker(model_path: Path, storage_dir: Path) -> EvidenceItemRanker:
    storage, metadata = LocalModelStorage.from_model_archive(storage_dir, model_path)
    schema = metadata.predict_schema
    name, node = next(
        (name, node) for name, node in schema.nodes.items() if node.uses is EvidenceItemRanker
    )
    context = ExecutionContext(schema, node_name=name)
    config = {**EvidenceItemRanker.get_default_config(), **node.config}
    return EvidenceItemRanker.load(config, storage, node.resource, context)


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(model_path: Path) -> Dict[str, float]:
    texts = [question.text for question in load_dev_set()]
    encoder = get_encoder()
    with tempfile.TemporaryDirectory() as storage_dir:
        ranker = load_ranker(model_path, Path(storage_dir))
        single, with_parts = [], []
        for text in texts:
            encoder.embed(text)  # the featurizer's pass, already paid in the pipeline
            message = Message(data={"text": text})
            started = time.perf_counter()
            ranker.process([message])
            elapsed = (time.perf_counter() - started) * 1000
            (with_parts if message.get("question_parts") else single).append(elapsed)
    every = single + with_parts
    return {
        "messages": len(every),
        "median_ms": statistics.median(every),
        "p90_ms": percentile(every, 0.9),
        "single_question_median_ms": statistics.median(single) if single else 0.0,
        "with_parts_share": len(with_parts) / len(every),
        "with_parts_median_ms": statistics.median(with_parts) if with_parts else 0.0,
    }


def report(figures: Dict[str, float]) -> str:
    return (
        "### Item ranker, per message (dev-set questions, in-process)\n\n"
        "| measure | value |\n|---|---|\n"
        f"| median, all messages | {figures['median_ms']:.2f} ms |\n"
        f"| p90, all messages | {figures['p90_ms']:.2f} ms |\n"
        f"| median, one question (no extra encoder pass) | "
        f"{figures['single_question_median_ms']:.2f} ms |\n"
        f"| messages with context or several questions | {figures['with_parts_share']:.0%} |\n"
        f"| median for those (one encoder pass per question) | "
        f"{figures['with_parts_median_ms']:.2f} ms |\n"
    )


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.model is None:
        from devtools.model import current_model_path

        args.model = current_model_path()
    print(report(measure(args.model)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
