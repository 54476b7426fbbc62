"""The one build path (devtools/build.py): what the Makefile and deploy/Dockerfile run, and the
image's steps run from a clean checkout without Docker."""

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from devtools import build
from devtools.model import MODELS_DIR

ROOT = Path(__file__).resolve().parent.parent.parent
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def test_the_spacy_pipeline_is_built_where_rasa_loads_it():
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    spacy_nlp = next(c for c in config["pipeline"] if c["name"] == "SpacyNLP")
    assert build.spacy_pipeline_dir() == ROOT / spacy_nlp["model"]
    assert build.spacy_pipeline_dir().is_relative_to(ROOT / "build")


def test_the_encoder_is_built_where_the_runtime_loads_it():
    from custom_nlu.minilm import ENCODER_DIR

    assert build.encoder_dir() == ENCODER_DIR == ROOT / "build" / "minilm"


def test_the_steps_run_in_dependency_order_and_unknown_steps_are_refused(capsys):
    assert list(build.STEPS) == ["spacy", "encoder", "model"]  # training loads the other two
    with pytest.raises(SystemExit) as refused:
        build.main(["spacy", "nope"])
    assert refused.value.code == 2 and "unknown step nope" in capsys.readouterr().err


def test_the_makefile_builds_through_the_build_script():
    makefile = (ROOT / "Makefile").read_text()
    for target, step in (("spacy", "spacy"), ("encoder", "encoder"), ("train", "model")):
        recipe = makefile.split(f"\n{target}:", 1)[1].split("\n\n", 1)[0]
        assert f"-m devtools.build {step}" in recipe, target
    for old in ("custom_nlu.spacy_pipeline", "custom_nlu.minilm_build", "devtools.model train"):
        assert old not in makefile


def test_the_image_builds_through_the_build_script():
    runs = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith("RUN ")]
    assert "RUN python -m devtools.build" in runs  # every step: the encoder too
    assert not any("spacy_pipeline" in run or "devtools.model" in run for run in runs)


def test_the_docker_context_leaves_out_local_state_and_builds():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for entry in (".git", ".venv", "var", "models", "build", "results", ".env", "**/__pycache__",
                  "**/node_modules", "widget/dist"):  # fmt: skip
        assert entry in ignored, entry
    # nothing the image needs is left out
    for needed in ("requirements", "actions", "custom_nlu", "data", "lexicon", "domain.yml"):
        assert needed not in ignored


def checkout_files() -> list:
    """The files a clean clone has. In CI the working tree is a clean clone; while changes are
    uncommitted, `git ls-files -co --exclude-standard` (tracked and new files, less what
    .gitignore leaves out: var/, build/, models/, .venv ...) is the clone those changes would
    make, so the test checks the build of the tree as it is."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    # a tracked file deleted in the working tree is not part of the next commit
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.mark.server  # runs `rasa train` (about two minutes): the image's build steps
def test_the_image_steps_build_everything_from_a_clean_checkout(tmp_path):
    checkout = tmp_path / "checkout"
    for name in checkout_files():
        target = checkout / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    assert not (checkout / "build").exists() and not (checkout / "models").exists()

    # the Dockerfile's step, run with the project's interpreter from inside the checkout
    subprocess.run([sys.executable, "-m", "devtools.build"], cwd=checkout, check=True, timeout=900)

    assert (checkout / "build" / "spacy" / "ms_en" / "meta.json").is_file()
    assert (checkout / "build" / "minilm" / "manifest.json").is_file()
    path = subprocess.run(
        [sys.executable, "-m", "devtools.model", "path"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    model = Path(path)
    assert model.parent == checkout / MODELS_DIR.relative_to(ROOT) and model.is_file()
    with tarfile.open(model) as archive:
        assert any(name.endswith("metadata.json") for name in archive.getnames())
