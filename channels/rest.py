"""The REST channel (POST /webhooks/rest/webhook), Rasa's protocol with limits.

Same request and reply as Rasa's `rest` channel ({"sender", "message", "metadata"} in, the
list of bot messages out), plus:
- the body is capped (413 before it is parsed) and must be a JSON object (400 otherwise);
- the sender id must be acceptable (conversation_ids: never a web chat or phone conversation's
  id, which REST could not check the owner of; long and random in production);
- message rates per conversation and per client address (429 with Retry-After and a reply
  the client can show);
- the message goes through user_input.admit (length limit, button payloads only, metadata);
- `input_channel` is always "rest": a client-chosen name would reach staff notifications.

Registered in credentials.yml as `channels.rest.RestInput`.
"""

import json
import logging
import secrets
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.conversation_ids import ADDRESS_KEY, address_key, sender_id_problem
from channels.rate_limits import MessageRates
from channels.replies import channel_reply
from channels.request_body import read_capped_body
from channels.settings import ChannelSettings, channel_settings
from channels.user_input import admit

logger = logging.getLogger(__name__)


def client_address(request: Request) -> str:
    # remote_addr is set only behind a proxy Sanic is told to trust (SANIC_PROXIES_COUNT, as
    # deploy/kubernetes/30-rasa.yaml sets it, or SANIC_REAL_IP_HEADER); otherwise the peer's
    # address, which behind an unconfigured proxy is the proxy's for every client.
    return request.remote_addr or request.ip or "unknown"


def rate_limited_reply(sender: str, seconds: int) -> List[Dict[str, Any]]:
    return [{"recipient_id": sender, "text": channel_reply("slow_down", seconds=seconds)}]


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self, settings: Optional[ChannelSettings] = None) -> None:
        self.settings = settings or channel_settings()
        self.rates = MessageRates.from_settings(self.settings)
        # development without a configured secret: keys are stable for this process only
        self.address_secret = self.settings.webchat_session_secret or secrets.token_hex(32)

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "RestInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = Blueprint("custom_webhook_RestInput", __name__)

        @rest.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            body = await read_capped_body(request, self.settings.max_request_bytes)
            return await self.handle(body, client_address(request), on_new_message)

        return rest

    async def handle(
        self,
        body: bytes,
        address: str,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        try:
            request_json = json.loads(body or b"null")
        except ValueError:
            return response.json({"error": "The body must be JSON."}, status=400)
        if not isinstance(request_json, dict):
            return response.json({"error": "The body must be a JSON object."}, status=400)
        sender = request_json.get("sender")
        problem = sender_id_problem(sender, self.settings.production)
        if problem:
            return response.json({"error": problem}, status=400)
        wait = self.rates.refusal(sender, address)
        if wait is not None:
            return response.json(
                rate_limited_reply(sender, wait), status=429, headers={"Retry-After": str(wait)}
            )
        admitted = admit(
            request_json.get("message"),
            self.settings.max_message_chars,
            request_json.get("metadata"),
        )
        admitted.metadata[ADDRESS_KEY] = address_key(address, self.address_secret)
        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(
                    admitted.text,
                    collector,
                    sender,
                    input_channel=self.name(),
                    metadata=admitted.metadata,
                )
            )
        except CancelledError:
            logger.error("A REST message timed out before it was answered")
        except Exception:
            logger.exception("A REST message could not be answered")
        return response.json(collector.messages)
