"""The Rasa server's entry point refuses an open or placeholder-guarded HTTP API outside
development, and lets `make run` (development, a generated token) start as before."""

import pytest
import rasa.__main__

from addons import rasa_patches, rasa_server
from devtools.serve import Stack

PRODUCTION = {"ASSISTANT_ENV": "production"}
RUN = ["run", "--model", "models", "--enable-api", "--port", "5005"]
RANDOM_TOKEN = "5e0b9d2c7a14f83e6b1d09c4a7f25e8b"


@pytest.mark.parametrize(
    "token_arguments",
    [
        [],  # an API anyone may call
        ["--auth-token=change-me-" + "7d2e9a4c1f8b06e3d5a9c2f7b1"],  # 40 characters
        ["-t", "short"],
        ["--auth-token", "ab" * 16],  # 32 characters, two different ones
    ],
)
def test_production_refuses_the_api_without_a_usable_token(token_arguments):
    assert rasa_server.api_token_problem(RUN + token_arguments, PRODUCTION)


def test_production_accepts_a_random_token_in_any_of_rasas_spellings():
    for token_arguments in (
        [f"--auth-token={RANDOM_TOKEN}"],
        ["--auth-token", RANDOM_TOKEN],
        ["-t", RANDOM_TOKEN],
    ):
        assert rasa_server.api_token_problem(RUN + token_arguments, PRODUCTION) is None


def test_no_api_no_token_needed_and_development_is_not_checked():
    without_api = [word for word in RUN if word != "--enable-api"]
    assert rasa_server.api_token_problem(without_api, PRODUCTION) is None
    assert rasa_server.api_token_problem(RUN + ["-t", "test-token"], {}) is not None
    development = {"ASSISTANT_ENV": "development"}
    assert rasa_server.api_token_problem(RUN + ["-t", "test-token"], development) is None


def test_make_runs_generated_token_passes_even_in_production(monkeypatch, tmp_path):
    monkeypatch.delenv("RASA_AUTH_TOKEN", raising=False)
    stack = Stack(log_dir=tmp_path)  # the token generated once per checkout (var/rasa_token)
    arguments = stack._rasa_args(tmp_path / "model.tar.gz", 5005)
    assert rasa_server.api_token_problem(arguments, PRODUCTION) is None


def test_the_entry_point_stops_before_rasa_starts(monkeypatch):
    started = []
    monkeypatch.setattr(rasa_patches, "apply", lambda: None)
    monkeypatch.setattr(rasa.__main__, "main", lambda: started.append("rasa"))
    monkeypatch.setattr("sys.argv", ["rasa_server", *RUN, "--auth-token=change-me"])
    monkeypatch.setenv("ASSISTANT_ENV", "production")
    with pytest.raises(SystemExit, match="--auth-token"):
        rasa_server.main()
    assert started == []
