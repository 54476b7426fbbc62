"""Conversation ids are credentials: whoever knows one can read and continue that conversation.

- Web chat: the server makes the id (`webchat-` and 32 random characters) and a token (an HMAC
  of the id with the session secret). A socket joins an existing conversation only with both,
  so nobody can join a conversation by guessing or copying an id alone.
- Phone: the id is `voice-` and an HMAC of the call's id (channels/voice.py `conversation_id`).
- REST: the client chooses the id. It may not start with another channel's prefix: REST has no
  token, so a copied web chat or call id would otherwise let anyone post into that
  conversation. In production mode it must look random and long enough not to be guessed
  (24+ characters of letters, digits, "-" and "_", not a short pattern repeated); "me", "1" or
  "a" * 24 is refused.
"""

import hashlib
import hmac
import re
import secrets
from typing import Optional

SESSION_ID_BYTES = 24  # 32 URL-safe characters, 192 random bits
WEBCHAT_PREFIX = "webchat-"
VOICE_PREFIX = "voice-"  # made by channels/voice.py `conversation_id`
# Ids made by a channel that checks who may use them; REST checks nothing but the id itself.
RESERVED_PREFIXES = (WEBCHAT_PREFIX, VOICE_PREFIX)
PRODUCTION_SENDER = re.compile(r"^[A-Za-z0-9_-]{24,128}$")
DEVELOPMENT_SENDER = re.compile(r"^[^\s/]{1,128}$")
MIN_SECRET_CHARS = 32
# Fewer than 6 different characters in 24 random ones: a chance of 3 in a billion for hex
# (uuid4().hex, token_hex), 2 in 10^20 for URL-safe base64; "Q2x9-" * 6 has 5.
MIN_DISTINCT_SENDER_CHARS = 6


def new_session_id() -> str:
    return WEBCHAT_PREFIX + secrets.token_urlsafe(SESSION_ID_BYTES)


def looks_guessable(value: str) -> bool:
    """Too few different characters, or a short pattern repeated ("ab12cd34ef56" twice)."""
    if len(set(value)) < MIN_DISTINCT_SENDER_CHARS:
        return True
    # a period of at most half the length: the value is its first part, copied on (a random
    # 24-character hex id has one with a chance below 10^-14)
    return any(value[period:] == value[:-period] for period in range(1, len(value) // 2 + 1))


def session_token(session_id: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).hexdigest()
    return digest


def token_matches(session_id: object, token: object, secret: str) -> bool:
    if not isinstance(session_id, str) or not isinstance(token, str) or not session_id:
        return False
    return hmac.compare_digest(session_token(session_id, secret), token)


def sender_id_problem(sender: object, production: bool) -> Optional[str]:
    """Why a REST client's sender id is refused, or None when it is acceptable."""
    if not isinstance(sender, str) or not sender:
        return "'sender' must be a non-empty string"
    # case-insensitively: a case-insensitive database would find the other channel's row
    if sender.lower().startswith(RESERVED_PREFIXES):
        return (
            f"'sender' must not start with {' or '.join(map(repr, RESERVED_PREFIXES))}: "
            "those conversations belong to another channel"
        )
    if production and (not PRODUCTION_SENDER.match(sender) or looks_guessable(sender)):
        return (
            "'sender' must be 24 to 128 random characters (letters, digits, '-' or '_'): "
            "it is the key to the conversation"
        )
    if not DEVELOPMENT_SENDER.match(sender):
        return "'sender' must be 1 to 128 characters without spaces or '/'"
    return None


ADDRESS_KEY = "address_key"  # metadata: who sent it, pseudonymised (handoff caps per address)


def address_key(address: Optional[str], secret: str) -> Optional[str]:
    """A client address (IP, or a caller's number) as a keyed hash: the handoff queue can cap
    requests per address without storing the address itself."""
    if not address:
        return None
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]
