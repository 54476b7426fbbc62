"""Trains a Rasa model only when its inputs changed since the last one.

    python -m devtools.model train      # train if needed, print the model path
    python -m devtools.model path       # print the current model's path (or fail)

The model is named after a hash of everything training reads (config, domain, training data,
lexicon, the project's NLU components), so an unchanged project reuses its model and a changed
one never runs a stale model. The spaCy pipeline must be built first (make spacy).
"""

import hashlib
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, List

from actions.evidence_store import examples_fingerprint

ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = ROOT / "models"
# what training reads: the emergency phrases and voice vocabulary are read at run time
TRAINING_INPUTS = (
    "config.yml",
    "domain.yml",
    "data",
    "lexicon/entities.yml",
    "custom_nlu",
    "dialogue",
)
MODELS_KEPT = 3


def _files(paths: Iterable[str]) -> List[Path]:
    found = []
    for name in paths:
        path = ROOT / name
        if path.is_dir():
            found += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        elif path.exists():
            found.append(path)
    return sorted(found)


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in _files(TRAINING_INPUTS):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    # the item ranker learns the evidence items' example questions, not their answers: a
    # corrected answer must not cost a retraining, a new example question must
    digest.update(examples_fingerprint().encode())
    return digest.hexdigest()[:12]


def current_model_path() -> Path:
    return MODELS_DIR / f"assistant-{fingerprint()}.tar.gz"


def _prune_old_models() -> None:
    models = sorted(MODELS_DIR.glob("assistant-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-MODELS_KEPT]:
        old.unlink()


def train_if_changed() -> Path:
    model = current_model_path()
    if model.exists():
        print(f"Model is up to date: {model.relative_to(ROOT)} (no training needed)")
        return model
    print(f"Training data, domain or config changed: training {model.name}")
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "--fixed-model-name",
            model.name.removesuffix(".tar.gz"),
            "--out",
            str(MODELS_DIR),
        ],
        cwd=ROOT,
        check=True,
    )
    print(f"rasa train took {time.monotonic() - started:.1f} s")
    _prune_old_models()
    return model


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "train"
    if command == "train":
        print(train_if_changed())
        return 0
    if command == "path":
        model = current_model_path()
        if not model.exists():
            print(f"No model for the current project state ({model.name}): run `make train`")
            return 1
        print(model)
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
