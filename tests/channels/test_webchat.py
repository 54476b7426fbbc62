"""The web chat channel's pure parts: the history it replays (one message's shape:
tests/messages/test_contract.py)."""

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from channels.conversation_ids import session_token
from channels.webchat import WebChatInput, conversation_history

SESSION_SECRET = "p4Vx9qL2mZ7cR8tY1wK6nB3hJ5dF0sGa"  # random-looking, 32 characters


def test_history_shows_what_people_saw_and_skips_staff_events():
    events = [
        ActionExecuted("action_listen"),
        UserUttered("/ask_edss", intent={"name": "ask_edss"}, metadata={"display": "EDSS"}),
        BotUttered("The EDSS is a scale.", {"custom": {"type": "evidence_answer"}}),
        SlotSet("last_topic", "edss"),
        UserUttered.create_external("EXTERNAL_staff_reply", [], "webchat"),
        BotUttered("Hi, I'm Lee.", {"custom": {"type": "staff_message", "staff_name": "Lee"}}),
        UserUttered("thanks"),
    ]
    history = conversation_history(events)
    assert [(m["sender"], m["text"]) for m in history] == [
        ("user", "EDSS"),
        ("bot", "The EDSS is a scale."),
        ("bot", "Hi, I'm Lee."),
        ("user", "thanks"),
    ]
    assert history[2]["custom"] == {"type": "staff_message", "staff_name": "Lee"}
    assert len(conversation_history(events, limit=2)) == 2


def test_allowed_origins_and_redis_from_credentials_or_environment(monkeypatch):
    channel = WebChatInput.from_credentials(
        {"allowed_origins": ["https://clinic.example"], "redis_url": "redis://r:6379/0"}
    )
    assert channel.allowed_origins == ["https://clinic.example"]
    assert channel.redis_url == "redis://r:6379/0"
    monkeypatch.setenv("WEBCHAT_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    from_env = WebChatInput.from_credentials({})
    assert from_env.allowed_origins == ["https://a.example", "https://b.example"]
    assert from_env.session_persistence is True


def test_production_refuses_to_start_without_allowed_origins(monkeypatch):
    # an empty allow-list used to mean "every site may embed the chat"
    monkeypatch.setenv("ASSISTANT_ENV", "production")
    monkeypatch.setenv("ASSISTANT_WEBCHAT_SESSION_SECRET", SESSION_SECRET)
    monkeypatch.delenv("WEBCHAT_ALLOWED_ORIGINS", raising=False)
    with pytest.raises(ValueError, match="WEBCHAT_ALLOWED_ORIGINS"):
        WebChatInput.from_credentials({})
    channel = WebChatInput.from_credentials({"allowed_origins": ["https://clinic.example"]})
    assert channel.allowed_origins == ["https://clinic.example"]


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "change-me",
        "short",
        "change-me-" + "4f9a1c7e2b8d05f3a6c9e1b7d48e2a",  # 40 characters, a placeholder
        "k" * 16 + "Q" * 16 + "z" * 8,  # long enough, three different characters
    ],
)
def test_production_refuses_to_start_without_a_session_secret(monkeypatch, secret):
    monkeypatch.setenv("ASSISTANT_ENV", "production")
    monkeypatch.setenv("ASSISTANT_WEBCHAT_SESSION_SECRET", secret)
    with pytest.raises(ValueError, match="ASSISTANT_WEBCHAT_SESSION_SECRET"):
        WebChatInput.from_credentials({"allowed_origins": ["https://clinic.example"]})


def test_a_session_is_joined_only_with_its_token(monkeypatch):
    monkeypatch.setenv("ASSISTANT_WEBCHAT_SESSION_SECRET", SESSION_SECRET)
    channel = WebChatInput.from_credentials({})
    fresh = channel.joinable_session({})
    token = session_token(fresh, channel.session_secret)
    assert channel.joinable_session({"session_id": fresh, "session_token": token}) == fresh
    for attempt in ({"session_id": fresh}, {"session_id": fresh, "session_token": "x"}, None, 7):
        assert channel.joinable_session(attempt) != fresh
