"""secrets_check: every service refuses an empty or placeholder secret outside development."""

import os
import secrets
import subprocess
import sys

import pytest
from pydantic import ValidationError

import secrets_check
from inbox.settings import InboxSettings
from secrets_check import main, problems, secret_problem
from tests.conftest import ROOT

PRODUCTION = {"ASSISTANT_ENV": "production"}


@pytest.mark.parametrize(
    "value,why",
    [
        (None, "is required"),
        ("", "is required"),
        ("   ", "is required"),
        ("change-me", "looks like a placeholder"),
        ("changeme", "looks like a placeholder"),
        ("CHANGE_ME-0a8f3c9e1d7b6254", "looks like a placeholder"),
        ("example-token-0a8f3c9e1d7b", "looks like a placeholder"),
        ("my-secret-0a8f3c9e1d7b6254", "looks like a placeholder"),
        ("Password1234567890abcdef", "looks like a placeholder"),
        ("x" * 40, "looks like a placeholder"),
        ("1234123412341234", "looks like a placeholder"),
        ("k3Jq9vW0xZ_r8Tb", "is shorter than 16 characters"),  # random, but 15 characters
    ],
)
def test_empty_placeholder_or_short_values_are_refused_naming_the_variable(value, why):
    problem = secret_problem("REDIS_PASSWORD", value)
    assert problem is not None
    assert problem.startswith(f"REDIS_PASSWORD {why}")
    assert "token_hex" in problem  # says how to make a good one
    if value and value.strip() and value not in secrets_check.PLACEHOLDER_WORDS:
        assert value not in problem  # never echoes the value into a log (only a public word)


@pytest.mark.parametrize(
    "value", [secrets.token_hex(32), secrets.token_urlsafe(32), "k3Jq9vW0xZ_r8TbL"]
)
def test_long_random_values_are_accepted(value):
    assert secret_problem("RASA_AUTH_TOKEN", value) is None
    assert problems(["RASA_AUTH_TOKEN"], {**PRODUCTION, "RASA_AUTH_TOKEN": value}) == []


def test_a_service_may_ask_for_a_longer_secret():
    value = secrets.token_hex(10)  # 20 characters
    assert secret_problem("INBOX_SECRET_KEY", value) is None
    assert "shorter than 32" in secret_problem("INBOX_SECRET_KEY", value, 32)


def test_strict_unless_development():
    environ = {"RASA_AUTH_TOKEN": "change-me", "POSTGRES_PASSWORD": ""}
    names = ["RASA_AUTH_TOKEN", "POSTGRES_PASSWORD"]
    refused = problems(names, {**environ, "ASSISTANT_ENV": "production"})
    assert [p.split()[0] for p in refused] == names
    assert problems(names, environ) == refused  # unset counts as production: fails closed
    assert problems(names, {**environ, "ASSISTANT_ENV": "staging"}) == refused
    assert problems(names, {**environ, "ASSISTANT_ENV": "development"}) == []
    assert not secrets_check.is_production({"ASSISTANT_ENV": "Development "})


def test_main_refuses_to_start_and_names_every_bad_variable(capsys, monkeypatch):
    started = []
    monkeypatch.setattr(os, "execvp", lambda *args: started.append(args))
    environ = {**PRODUCTION, "RASA_AUTH_TOKEN": "change-me", "REDIS_PASSWORD": "short1"}
    code = main(["RASA_AUTH_TOKEN", "REDIS_PASSWORD", "--", "python", "-m", "rasa"], environ)
    err = capsys.readouterr().err
    assert code == 2 and started == []
    assert "Refusing to start" in err
    assert "RASA_AUTH_TOKEN looks like a placeholder" in err
    assert "REDIS_PASSWORD is shorter than 16 characters" in err
    assert "short1" not in err


def test_main_becomes_the_command_when_the_secrets_are_good(monkeypatch):
    started = []
    monkeypatch.setattr(os, "execvp", lambda *args: started.append(args))
    environ = {**PRODUCTION, "RASA_AUTH_TOKEN": secrets.token_hex(32)}
    assert main(["RASA_AUTH_TOKEN", "--", "python", "-m", "rasa", "run"], environ) == 0
    assert started == [("python", ["python", "-m", "rasa", "run"])]
    assert main(["RASA_AUTH_TOKEN"], environ) == 0  # an init container: check only
    assert len(started) == 1


@pytest.mark.parametrize("argv", [[], ["--", "python"], ["RASA_AUTH_TOKEN", "--"]])
def test_main_refuses_a_malformed_command_line(argv, capsys):
    assert main(argv, PRODUCTION) == 2
    assert "usage" in capsys.readouterr().err


def test_the_start_command_as_the_manifests_run_it():
    """A real process: `python -m secrets_check NAME -- COMMAND` as a container starts it."""
    command = [sys.executable, "-m", "secrets_check", "POSTGRES_PASSWORD", "--"]
    command += [sys.executable, "-c", "print('service started')"]
    base = {"PATH": os.environ.get("PATH", ""), "ASSISTANT_ENV": "production"}

    def run(password: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            command,
            cwd=ROOT,
            env={**base, "POSTGRES_PASSWORD": password},
            capture_output=True,
            text=True,
            timeout=60,
        )

    refused = run("change-me")
    assert refused.returncode == 2
    assert "POSTGRES_PASSWORD looks like a placeholder" in refused.stderr
    assert "service started" not in refused.stdout
    accepted = run(secrets.token_hex(32))
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.strip() == "service started"


# --- the staff inbox's settings use the same check ----------------------------------------------
@pytest.fixture
def inbox_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("INBOX_", "HANDOFF_")) or name == "RASA_AUTH_TOKEN":
            monkeypatch.delenv(name)
    return monkeypatch


def test_the_inbox_refuses_a_placeholder_with_the_shared_message(inbox_environment):
    inbox_environment.setenv("INBOX_SECRET_KEY", secrets.token_hex(32))
    inbox_environment.setenv("RASA_AUTH_TOKEN", "change-me")
    with pytest.raises(ValidationError) as refused:
        InboxSettings()
    assert "RASA_AUTH_TOKEN (or INBOX_RASA_TOKEN) looks like a placeholder" in str(refused.value)
    inbox_environment.setenv("RASA_AUTH_TOKEN", "k3Jq9vW0xZ_r8Tb")  # 15 characters
    with pytest.raises(ValidationError, match="shorter than 16 characters"):
        InboxSettings()
    inbox_environment.setenv("RASA_AUTH_TOKEN", secrets.token_hex(32))
    assert InboxSettings().env == "production"
