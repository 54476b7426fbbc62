"""The inbox's settings refuse to start without real secrets outside development."""

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from handoff.settings import HandoffSettings
from inbox.settings import InboxSettings

KEY = "k3Jq9vW0xZ_r8TbLm2NcYp5AeHdUgF7sQ1oIiVzXw4E"
TOKEN = "Zp2Lk8Wq3Rt9Yx4Mn7Bv1Cs6"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("INBOX_", "HANDOFF_")) or name == "RASA_AUTH_TOKEN":
            monkeypatch.delenv(name)


def test_production_needs_a_secret_key_and_the_assistants_token(monkeypatch):
    with pytest.raises(ValidationError, match="INBOX_SECRET_KEY is required"):
        InboxSettings()
    monkeypatch.setenv("INBOX_SECRET_KEY", KEY)
    with pytest.raises(ValidationError, match="RASA_AUTH_TOKEN"):
        InboxSettings()
    monkeypatch.setenv("RASA_AUTH_TOKEN", TOKEN)
    settings = InboxSettings()
    assert settings.token == TOKEN and settings.secret == KEY.encode()
    assert settings.secure_cookies is True
    assert settings.port == 8090 and settings.db_url == "sqlite:///var/handoff.db"
    monkeypatch.setenv("INBOX_RASA_TOKEN", "An0ther-Rand0m-T0ken-Value")
    assert InboxSettings().token == "An0ther-Rand0m-T0ken-Value"  # its own name wins


@pytest.mark.parametrize(
    "key",
    [
        "change-me",
        "changeme-changeme-changeme-changeme-1234",
        "please-replace-this-with-a-real-secret-key",
        "x" * 64,
        "short-but-random-9f8e7d",
    ],
)
def test_placeholder_or_short_secret_keys_are_refused(monkeypatch, key):
    monkeypatch.setenv("INBOX_SECRET_KEY", key)
    monkeypatch.setenv("RASA_AUTH_TOKEN", TOKEN)
    with pytest.raises(ValidationError, match="INBOX_SECRET_KEY"):
        InboxSettings()


def test_a_placeholder_assistant_token_is_refused(monkeypatch):
    monkeypatch.setenv("INBOX_SECRET_KEY", KEY)
    monkeypatch.setenv("RASA_AUTH_TOKEN", "change-me")
    with pytest.raises(ValidationError, match="placeholder"):
        InboxSettings()


def test_development_runs_without_secrets_on_plain_http(monkeypatch):
    monkeypatch.setenv("INBOX_ENV", "development")
    settings = InboxSettings()
    assert len(settings.secret) >= 32  # generated for this run
    assert settings.secure_cookies is False
    monkeypatch.setenv("INBOX_COOKIE_SECURE", "true")
    assert InboxSettings().secure_cookies is True


def test_handoff_settings_are_shared_with_the_action_server(monkeypatch):
    monkeypatch.setenv("INBOX_ENV", "development")
    monkeypatch.setenv("HANDOFF_DB_URL", "postgresql://inbox@db/handoff")
    monkeypatch.setenv("HANDOFF_TIMEZONE", "Europe/Paris")
    monkeypatch.setenv("HANDOFF_PRESENCE_SECONDS", "60")
    settings = InboxSettings()
    assert (settings.db_url, settings.timezone, settings.presence_seconds) == (
        "postgresql://inbox@db/handoff",
        "Europe/Paris",
        60,
    )
    monkeypatch.setenv("HANDOFF_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValidationError, match="unknown time zone"):
        InboxSettings()


def test_empty_variables_mean_not_set_and_e_mail_needs_a_server(monkeypatch):
    monkeypatch.setenv("INBOX_ENV", "development")
    monkeypatch.setenv("INBOX_NOTIFY_WEBHOOK_URL", "")
    monkeypatch.setenv("INBOX_COOKIE_SECURE", "")
    assert InboxSettings().notify_webhook_url is None
    monkeypatch.setenv("INBOX_NOTIFY_EMAIL_TO", "nurses@clinic.example, lead@clinic.example")
    with pytest.raises(ValidationError, match="INBOX_SMTP_HOST"):
        InboxSettings()
    monkeypatch.setenv("INBOX_SMTP_HOST", "smtp.clinic.example")
    monkeypatch.setenv("INBOX_SMTP_FROM", "inbox@clinic.example")
    assert InboxSettings().email_recipients == ["nurses@clinic.example", "lead@clinic.example"]


def test_the_env_example_documents_every_setting():
    documented = Path(__file__).resolve().parents[2].joinpath(".env.example").read_text()
    for name, model_field in InboxSettings.__fields__.items():
        names = model_field.field_info.extra.get("env_names") or {f"inbox_{name}"}
        assert any(n.upper() in documented for n in names), name
    for name in HandoffSettings.__fields__:
        assert f"HANDOFF_{name.upper()}=" in documented, name
    assert "RASA_AUTH_TOKEN" in documented
