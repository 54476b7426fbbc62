"""The web chat channel's pure parts: message payloads and the history it replays."""

from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from channels.webchat import WebChatInput, bot_message_payload, conversation_history


def test_one_payload_carries_text_buttons_and_custom():
    payload = bot_message_payload(
        {
            "text": "Answer.\n\nSources: X",
            "buttons": [{"title": "Cost", "payload": "/ask_cost_insurance"}],
            "custom": {"type": "evidence_answer"},
            "utter_action": "utter_evidence_answer",
        }
    )
    assert payload == {
        "text": "Answer.\n\nSources: X",
        "quick_replies": [
            {"content_type": "text", "title": "Cost", "payload": "/ask_cost_insurance"}
        ],
        "custom": {"type": "evidence_answer"},
    }
    assert bot_message_payload({"text": None, "buttons": []}) == {}


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
