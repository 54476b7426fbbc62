"""The command lines devtools.serve starts Rasa with, read back by Rasa's own argument parser."""

import pytest
from rasa.__main__ import create_argument_parser

from devtools.serve import Stack


@pytest.mark.parametrize("token", ["-starts-with-a-dash", "--8YOv9YW1OXXkqO5HjwQ", "plain_token"])
def test_rasa_gets_the_api_token_whatever_it_starts_with(tmp_path, token):
    # secrets.token_urlsafe can start with "-"; as a separate argument argparse refused it
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("rest:\n")
    stack = Stack(token=token, credentials=credentials, log_dir=tmp_path)
    args = create_argument_parser().parse_args(stack._rasa_args(tmp_path / "model.tar.gz", 5099))
    assert args.auth_token == token
    assert args.enable_api and args.port == 5099


def test_rasa_listens_on_localhost_with_no_cors_unless_configured(tmp_path, monkeypatch):
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("rest:\n")
    monkeypatch.delenv("RASA_INTERFACE", raising=False)
    monkeypatch.delenv("ASSISTANT_CORS_ORIGINS", raising=False)
    stack = Stack(token="t", credentials=credentials, log_dir=tmp_path)
    args = create_argument_parser().parse_args(stack._rasa_args(tmp_path / "model.tar.gz", 5099))
    assert args.interface == "127.0.0.1"
    assert not args.cors
    stack.extra_env = {"ASSISTANT_CORS_ORIGINS": "https://clinic.example, https://b.example"}
    args = create_argument_parser().parse_args(stack._rasa_args(tmp_path / "model.tar.gz", 5099))
    assert args.cors == ["https://clinic.example", "https://b.example"]


def test_the_action_server_and_rasa_share_a_generated_token(tmp_path):
    stack = Stack(token="t", log_dir=tmp_path)
    assert len(stack.environment["ACTION_SERVER_TOKEN"]) >= 32
    assert stack.environment["ASSISTANT_ENV"] in ("development", "production")
