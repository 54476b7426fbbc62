"""Builds the project's spaCy pipeline: blank English plus an entity ruler.

Pretrained spaCy models cannot be downloaded here, and the assistant only needs a tokenizer and
domain vocabulary anyway, so the pipeline is built from `lexicon/entities.yml` and saved to disk,
where Rasa's `SpacyNLP` loads it like any packaged model (`config.yml` names the folder).

    python -m custom_nlu.spacy_pipeline build/spacy/ms_en   # or: python -m devtools.build spacy
"""

import argparse
import hashlib
import json
from pathlib import Path
from typing import Optional, Sequence

import spacy
from spacy.language import Language

from custom_nlu.lexicon import LEXICON_DIR, entity_phrases

PIPELINE_NAME = "ms_en"


def lexicon_fingerprint(lexicon_dir: Path = LEXICON_DIR) -> str:
    """Hash of the vocabulary the pipeline is built from, stored in the pipeline's meta."""
    digest = hashlib.sha256()
    digest.update((lexicon_dir / "entities.yml").read_bytes())
    return digest.hexdigest()[:16]


def build_pipeline(lexicon_dir: Path = LEXICON_DIR) -> Language:
    """Blank English with an entity ruler whose patterns carry canonical ids."""
    nlp = spacy.blank("en")
    # LOWER: Rasa's SpacyNLP lower-cases text before spaCy sees it, and users type any case.
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(
        [
            {"label": label, "pattern": phrase, "id": canonical}
            for label, canonical, phrase in entity_phrases(lexicon_dir)
        ]
    )
    nlp.meta.update(
        {
            "name": PIPELINE_NAME,
            "version": "1.0.0",
            "description": "Blank English + entity ruler for MS therapies, MS types and drugs",
            "lexicon_fingerprint": lexicon_fingerprint(lexicon_dir),
        }
    )
    return nlp


def is_current(output: Path, lexicon_dir: Path = LEXICON_DIR) -> bool:
    """True when `output` holds a pipeline built from the current vocabulary."""
    meta_file = output / "meta.json"
    if not meta_file.exists():
        return False
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    return meta.get("lexicon_fingerprint") == lexicon_fingerprint(lexicon_dir)


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="folder to write the pipeline to")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    if not args.force and is_current(args.output):
        print(f"spaCy pipeline in {args.output} is up to date")
        return
    nlp = build_pipeline()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(args.output)
    patterns = len(nlp.get_pipe("entity_ruler"))
    print(f"built spaCy pipeline '{PIPELINE_NAME}' in {args.output} ({patterns} patterns)")


if __name__ == "__main__":
    main()
