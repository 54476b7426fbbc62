"""requirements/actions.txt is enough for the action server: a new virtual environment with
only that file installed imports every module in actions/ and registers every action, as
`python -m actions.server` does. (The actions reach SQLAlchemy and pydantic through handoff/,
which the file once left out.) Installs from the package index: about a minute."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IMPORT_EVERY_ACTION_MODULE = """
import importlib, pathlib
from rasa_sdk.executor import ActionExecutor
modules = sorted(p.stem for p in pathlib.Path("actions").glob("*.py") if p.stem != "__init__")
for name in modules:
    importlib.import_module(f"actions.{name}")
executor = ActionExecutor()
executor.register_package("actions")
print(len(modules), len(executor.actions))
"""


@pytest.mark.server  # builds a virtual environment from the package index (slow, networked)
def test_the_action_requirements_alone_run_every_action_module(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-r", str(ROOT / "requirements" / "actions.txt")],
        check=True,
        timeout=900,
    )  # fmt: skip
    # nothing from the project's own environment leaks in
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.pop("VIRTUAL_ENV", None)
    env["ASSISTANT_ENV"] = "development"
    result = subprocess.run(
        [str(python), "-c", IMPORT_EVERY_ACTION_MODULE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    modules, actions = map(int, result.stdout.split()[-2:])
    assert modules == len([p for p in (ROOT / "actions").glob("*.py") if p.stem != "__init__"])
    assert actions >= 10  # every custom action registered, not an empty package
    rasa_installed = subprocess.run([str(python), "-c", "import rasa"], capture_output=True)
    assert rasa_installed.returncode != 0  # the action server's set, not the Rasa server's
