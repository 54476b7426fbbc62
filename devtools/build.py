"""Builds what the assistant runs on, in order: the spaCy pipeline, the sentence encoder and
the model. The one build path: the Makefile's targets and deploy/Dockerfile both call it.

    python -m devtools.build                  # every step (what the image runs)
    python -m devtools.build spacy encoder    # only these steps, in the order given

Each step skips itself when its output is current (the pipeline's lexicon fingerprint, the
encoder's weights and builder, the model's input hash), so running it twice costs seconds.
Where each output goes is said once, where it is read: the spaCy pipeline in config.yml
(SpacyNLP's `model`, read by Rasa), the encoder in custom_nlu/minilm.py (ENCODER_DIR), the
models in devtools/model.py (MODELS_DIR). The Dockerfile once skipped the encoder, so
`rasa train` failed in the image; tests/devtools/test_build.py runs these steps in a copy of
the repository.
"""

import argparse
import sys
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config.yml"


def spacy_pipeline_dir(config: Path = CONFIG) -> Path:
    """Where Rasa loads the project's spaCy pipeline from: config.yml's SpacyNLP `model`."""
    pipeline = yaml.safe_load(config.read_text(encoding="utf-8"))["pipeline"]
    spacy_nlp = next(component for component in pipeline if component["name"] == "SpacyNLP")
    # Rasa resolves the path from the directory it runs in: the repository root
    return ROOT / spacy_nlp["model"]


def encoder_dir() -> Path:
    from custom_nlu.minilm import ENCODER_DIR

    return ENCODER_DIR


def build_spacy() -> None:
    from custom_nlu import spacy_pipeline

    spacy_pipeline.main([str(spacy_pipeline_dir())])


def build_encoder() -> None:
    # imports TensorFlow: only when this step runs
    from custom_nlu import minilm_build

    minilm_build.main([str(encoder_dir())])


def build_model() -> None:
    from devtools.model import train_if_changed

    print(train_if_changed())


# In dependency order: training loads the spaCy pipeline and the encoder.
STEPS: Dict[str, Callable[[], None]] = {
    "spacy": build_spacy,
    "encoder": build_encoder,
    "model": build_model,
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", help=f"any of {', '.join(STEPS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = [step for step in args.steps if step not in STEPS]
    if unknown:
        parser.error(f"unknown step {', '.join(unknown)}: choose from {', '.join(STEPS)}")
    for step in args.steps or STEPS:
        STEPS[step]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
