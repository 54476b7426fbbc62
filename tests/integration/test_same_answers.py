"""The project's Rasa patches (addons/, the speed fixes) change no answer: every dev-set
question gets the same intent, text, buttons and sources with them as with stock Rasa, asked
three to a conversation so that later questions come with a history (and the action server
gets the shortened requests of addons/action_request.py)."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks.stages import action_server
from devtools.eval_real import load_dev_set
from devtools.serve import action_server_token, sqlite_endpoints
from tests.conftest import ROOT
from tests.integration.conftest import free_port

pytestmark = pytest.mark.server


def test_every_dev_question_gets_the_same_answer_with_the_patches_as_without(tmp_path):
    questions = [question.text for question in load_dev_set()]
    (tmp_path / "questions.json").write_text(json.dumps(questions))
    port = free_port()
    env = {**os.environ, "ACTION_SERVER_TOKEN": action_server_token()}
    runs = {}
    with action_server(port, tmp_path / "actions.log"):
        for name, flags in (("stock", ["--stock-rasa"]), ("patched", [])):
            directory = tmp_path / name
            directory.mkdir()
            out = directory / "answers.json"
            runs[name] = (
                out,
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "devtools.answers",
                        str(tmp_path / "questions.json"),
                        str(out),
                        "--endpoints",
                        str(sqlite_endpoints(directory, port)),
                        "--per-conversation",
                        "3",
                        *flags,
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        for name, (_out, process) in runs.items():
            _, errors = process.communicate(timeout=900)
            assert process.returncode == 0, f"{name}: {errors[-3000:]}"
    stock, patched = (json.loads(runs[name][0].read_text()) for name in ("stock", "patched"))
    assert len(stock) == len(questions)
    # the comparison means something: the dev set gets answers with sources, not only fallbacks
    assert sum(any(reply.get("custom") for reply in answer["replies"]) for answer in stock) > 50
    different = [
        (before["question"], before, after)
        for before, after in zip(stock, patched, strict=True)
        if before != after
    ]
    assert not different, f"{len(different)} answers changed, first: {different[0]}"
