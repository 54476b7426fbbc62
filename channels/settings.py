"""The channels' limits and mode, from ASSISTANT_* environment variables (docs/deployment.md).

Every limit a person or a client can reach is here, named, with its default: the longest
message, the largest request body, how fast one conversation and one address may send.
"""

from typing import Literal

from pydantic import BaseSettings, Field

PRODUCTION = "production"


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


def channel_settings() -> ChannelSettings:
    """Read afresh each time a channel is built, so tests can set the environment first."""
    return ChannelSettings()
