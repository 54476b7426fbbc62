"""The channels' settings, read from the environment once per channel (docs/deployment.md).

`ChannelSettings` (ASSISTANT_*): every limit a person or a client can reach, named, with its
default: the longest message, the largest request body, how fast one conversation and one
address may send. `VoiceSettings` and `WebChatSettings`: each channel's secrets and deployment
facts, which never go in credentials.yml (what credentials.yml does set wins over them).
"""

from typing import Literal, Optional, Type, TypeVar

from pydantic import BaseSettings, Field, SecretStr, ValidationError, validator

from env_flags import parse_flag

PRODUCTION = "production"

# The phone channel's environment variables.
ENV_AUTH_TOKEN = "TWILIO_AUTH_TOKEN"
ENV_SENDER_SECRET = "VOICE_SENDER_SECRET"
ENV_PUBLIC_URL = "VOICE_PUBLIC_URL"
ENV_TRANSFER_NUMBER = "VOICE_TRANSFER_NUMBER"
ENV_DEV_INSECURE = "VOICE_DEV_INSECURE"
ENV_REDIS_URL = "REDIS_URL"
ENV_SANIC_WORKERS = "SANIC_WORKERS"


class ChannelSettings(BaseSettings):
    # "production" (the default: fail closed) requires the web chat session secret and long
    # random conversation ids from REST clients; `make run` and the tests say "development".
    env: Literal["production", "development"] = PRODUCTION
    # A forum post with its context is about 1,500 characters; 4,000 leaves room for a long
    # one and is answered in well under a second (benchmarks/long_messages.py).
    max_message_chars: int = Field(4000, ge=100)
    # REST and phone request bodies: a 4,000-character message is at most 16 KB of JSON;
    # Twilio's webhook forms are a few KB.
    max_request_bytes: int = Field(64 * 1024, ge=1024)
    # Sliding one-minute windows. A person types a message every few seconds at most; one
    # address may be a hospital's or a charity's shared connection, hence the higher limit.
    messages_per_conversation_per_minute: int = Field(20, ge=1)
    messages_per_address_per_minute: int = Field(120, ge=1)
    # Signs web chat session ids so a socket can only join a conversation it was given
    # (32+ random characters; `make run` generates one per checkout).
    webchat_session_secret: str = ""

    class Config:
        env_prefix = "ASSISTANT_"

    @property
    def production(self) -> bool:
        return self.env == PRODUCTION


class VoiceSettings(BaseSettings):
    """The phone channel's environment (docs/voice.md); VoiceInput validates the values."""

    # Verifies Twilio's request signatures; the account's auth token.
    auth_token: Optional[SecretStr] = Field(None, env=ENV_AUTH_TOKEN)
    # Conversation ids are an HMAC of the CallSid with it, never the caller's number.
    sender_secret: Optional[SecretStr] = Field(None, env=ENV_SENDER_SECRET)
    # The base URL Twilio calls, when a proxy sits in front (Twilio signs that URL).
    public_url: Optional[str] = Field(None, env=ENV_PUBLIC_URL)
    # Where an urgent call is put through to, in E.164 form.
    transfer_number: Optional[str] = Field(None, env=ENV_TRANSFER_NUMBER)
    # Local development only: no signature check (loud in the log). `make run` reads it too.
    dev_insecure: bool = Field(False, env=ENV_DEV_INSECURE)
    # Call state shared by every worker and replica; in memory without it.
    redis_url: Optional[str] = Field(None, env=ENV_REDIS_URL)
    # Rasa's own worker count: call state in memory is wrong with more than one.
    sanic_workers: int = Field(1, env=ENV_SANIC_WORKERS)

    @validator("dev_insecure", pre=True)
    def _flag(cls, value: object) -> bool:
        return parse_flag(value, ENV_DEV_INSECURE)

    @validator("sanic_workers", pre=True)
    def _workers_as_rasa_reads_them(cls, value: object) -> int:
        # Rasa falls back to one worker on a value that is not a whole number
        # (rasa.core.utils.number_of_sanic_workers); so does this.
        text = str(value).strip()
        return int(text) if text.isdigit() else 1


class WebChatSettings(BaseSettings):
    """The web chat's environment; `redis_url` and `allowed_origins` in credentials.yml win."""

    # socket.io rooms shared through Redis, so any worker's message reaches any socket.
    redis_url: Optional[str] = Field(None, env="WEBCHAT_REDIS_URL")
    # The sites that may embed the chat, comma-separated.
    allowed_origins: str = Field("", env="WEBCHAT_ALLOWED_ORIGINS")
    # Rasa's HTTP API token: the staff inbox's routes on this channel need it.
    api_token: SecretStr = Field(SecretStr(""), env="RASA_AUTH_TOKEN")


Settings = TypeVar("Settings", bound=BaseSettings)


def read_settings(settings_class: Type[Settings]) -> Settings:
    """The settings from the environment now; a bad value raises ValueError naming its
    environment variable (pydantic names the field, which nobody sets)."""
    try:
        return settings_class()
    except ValidationError as error:
        problems = [
            f"{_variable(settings_class, str(e['loc'][0]))}: {e['msg']}" for e in error.errors()
        ]
        raise ValueError("; ".join(problems)) from None


def _variable(settings_class: Type[BaseSettings], field_name: str) -> str:
    field = settings_class.__fields__.get(field_name)
    named = field.field_info.extra.get("env") if field else None
    return named or f"{settings_class.__config__.env_prefix}{field_name}".upper()


def channel_settings() -> ChannelSettings:
    """Read afresh each time a channel is built, so tests can set the environment first."""
    return read_settings(ChannelSettings)
