"""The command lines devtools.serve starts Rasa with, read back by Rasa's own argument parser."""

import pytest
import yaml
from rasa.__main__ import create_argument_parser

from devtools.serve import VOICE_CHANNEL, Stack, effective_credentials


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


@pytest.mark.parametrize("flag", ["on", "true", "1", "yes", "ON"])
def test_make_run_and_the_phone_channel_read_the_development_switch_alike(
    tmp_path, monkeypatch, flag
):
    # VOICE_DEV_INSECURE=on once turned the channel's check off while make run dropped it
    from channels.voice import VoiceInput

    credentials = tmp_path / "credentials.yml"
    credentials.write_text(f"rest:\n{VOICE_CHANNEL}:\n  language: en-GB\n")
    env = {"VOICE_DEV_INSECURE": flag}
    assert effective_credentials(credentials, env) == credentials
    for name in ("TWILIO_AUTH_TOKEN", "VOICE_SENDER_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VOICE_DEV_INSECURE", flag)
    assert VoiceInput.from_credentials({}).insecure_dev is True


@pytest.mark.parametrize("flag", ["", "off", "false", "0", "no"])
def test_the_phone_channel_is_left_out_without_twilio_or_the_switch(tmp_path, flag):
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(f"rest:\n{VOICE_CHANNEL}:\n  language: en-GB\n")
    started = effective_credentials(credentials, {"VOICE_DEV_INSECURE": flag})
    assert started != credentials and "rest" in yaml.safe_load(started.read_text())
    assert VOICE_CHANNEL not in yaml.safe_load(started.read_text())
    with_twilio = {"VOICE_DEV_INSECURE": flag, "TWILIO_AUTH_TOKEN": "tw-0123456789abcdef"}
    assert effective_credentials(credentials, with_twilio) == credentials


def test_a_mistyped_development_switch_stops_make_run_with_its_name(tmp_path):
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(f"rest:\n{VOICE_CHANNEL}:\n")
    with pytest.raises(ValueError, match="VOICE_DEV_INSECURE"):
        effective_credentials(credentials, {"VOICE_DEV_INSECURE": "maybe"})
