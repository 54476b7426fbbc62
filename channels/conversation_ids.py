"""Conversation ids are credentials: whoever knows one can read and continue that conversation.

- Web chat: the server makes the id (long, random) and a token (an HMAC of the id with the
  session secret). A socket joins an existing conversation only with both, so nobody can
  join a conversation by guessing or copying an id alone.
- REST: the client chooses the id. In production mode it must look random and long enough not
  to be guessed (24+ characters of letters, digits, "-" and "_"); "me" or "1" is refused.
"""

import hashlib
import hmac
import re
import secrets
from typing import Optional

SESSION_ID_BYTES = 24  # 32 URL-safe characters, 192 random bits
PRODUCTION_SENDER = re.compile(r"^[A-Za-z0-9_-]{24,128}$")
DEVELOPMENT_SENDER = re.compile(r"^[^\s/]{1,128}$")
MIN_SECRET_CHARS = 32


def new_session_id() -> str:
    return secrets.token_urlsafe(SESSION_ID_BYTES)


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
    if production and not PRODUCTION_SENDER.match(sender):
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
