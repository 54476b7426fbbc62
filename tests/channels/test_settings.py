"""The channels' settings objects: each reads its variables once, and a bad value names the
variable to fix (not pydantic's field name)."""

import pytest
from rasa.shared.exceptions import InvalidConfigException

from channels.settings import (
    ENV_DEV_INSECURE,
    ChannelSettings,
    VoiceSettings,
    WebChatSettings,
    read_settings,
)
from channels.voice import VoiceInput
from channels.webchat import WebChatInput

VOICE_VARIABLES = (
    "TWILIO_AUTH_TOKEN",
    "VOICE_SENDER_SECRET",
    "VOICE_PUBLIC_URL",
    "VOICE_TRANSFER_NUMBER",
    ENV_DEV_INSECURE,
    "REDIS_URL",
    "SANIC_WORKERS",
)
WEBCHAT_VARIABLES = ("WEBCHAT_REDIS_URL", "WEBCHAT_ALLOWED_ORIGINS", "RASA_AUTH_TOKEN")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in VOICE_VARIABLES + WEBCHAT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSISTANT_ENV", "development")
    return monkeypatch


def test_the_voice_settings_read_their_variables(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "tw-0123456789abcdef")
    monkeypatch.setenv("VOICE_PUBLIC_URL", "https://assistant.example.org")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    monkeypatch.setenv("SANIC_WORKERS", "2")
    settings = read_settings(VoiceSettings)
    assert settings.auth_token.get_secret_value() == "tw-0123456789abcdef"
    assert "tw-0123456789abcdef" not in repr(settings)  # secrets stay out of logs
    assert settings.public_url == "https://assistant.example.org"
    assert settings.redis_url == "redis://cache:6379/0"
    assert settings.sanic_workers == 2 and settings.dev_insecure is False


@pytest.mark.parametrize("value, expected", [("on", True), ("yes", True), ("0", False)])
def test_the_development_switch_uses_the_one_flag_parser(monkeypatch, value, expected):
    monkeypatch.setenv(ENV_DEV_INSECURE, value)
    assert read_settings(VoiceSettings).dev_insecure is expected


def test_a_bad_value_names_the_environment_variable(monkeypatch):
    monkeypatch.setenv(ENV_DEV_INSECURE, "maybe")
    with pytest.raises(ValueError, match=f"^{ENV_DEV_INSECURE}: "):
        read_settings(VoiceSettings)
    with pytest.raises(InvalidConfigException, match=ENV_DEV_INSECURE):
        VoiceInput.from_credentials({})


def test_a_bad_limit_names_its_assistant_variable(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_MESSAGE_CHARS", "10")
    with pytest.raises(ValueError, match="ASSISTANT_MAX_MESSAGE_CHARS"):
        read_settings(ChannelSettings)


def test_sanic_workers_is_read_as_rasa_reads_it(monkeypatch):
    # Rasa runs one worker when SANIC_WORKERS is not a whole number
    monkeypatch.setenv("SANIC_WORKERS", "two")
    assert read_settings(VoiceSettings).sanic_workers == 1


def test_the_web_chat_settings_read_their_variables(monkeypatch):
    monkeypatch.setenv("WEBCHAT_REDIS_URL", "redis://cache:6379/1")
    monkeypatch.setenv("WEBCHAT_ALLOWED_ORIGINS", "https://a.example")
    monkeypatch.setenv("RASA_AUTH_TOKEN", "api-0123456789abcdef")
    settings = read_settings(WebChatSettings)
    assert settings.redis_url == "redis://cache:6379/1"
    assert settings.allowed_origins == "https://a.example"
    assert settings.api_token.get_secret_value() == "api-0123456789abcdef"
    channel = WebChatInput.from_credentials({})
    assert channel.redis_url == "redis://cache:6379/1"
    assert channel.allowed_origins == ["https://a.example"]
    assert channel.api_token == "api-0123456789abcdef"


def test_credentials_yml_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv("WEBCHAT_REDIS_URL", "redis://from-env:6379/1")
    monkeypatch.setenv("WEBCHAT_ALLOWED_ORIGINS", "https://env.example")
    monkeypatch.setenv("RASA_AUTH_TOKEN", "from-env-0123456789")
    channel = WebChatInput.from_credentials(
        {
            "redis_url": "redis://from-credentials:6379/1",
            "allowed_origins": ["https://credentials.example"],
            "api_token": "from-credentials-0123456789",
        }
    )
    assert channel.redis_url == "redis://from-credentials:6379/1"
    assert channel.allowed_origins == ["https://credentials.example"]
    assert channel.api_token == "from-credentials-0123456789"
