"""Tells the assistant (Rasa's HTTP API) that staff did something in a conversation, and asks
it how it understands a message (the curators' "Try a question" page).

Staff replies and the end of a handoff are external events (Rasa's `trigger_intent`): the
rules run the matching action, and its messages reach the person on the channel they last
wrote from (`output_channel=latest`), so the web chat shows them live.
"""

from typing import Any, Dict, Optional
from urllib.parse import quote

import aiohttp

STAFF_REPLY = "EXTERNAL_staff_reply"
HANDOFF_ENDED = "EXTERNAL_handoff_ended"
WEBCHAT_ROUTES = "/webhooks/webchat"  # channels/webchat.py: staff_typing, handoff_status


class RasaError(Exception):
    """The assistant answered with an error. Unlike aiohttp's own error, its message does not
    contain the request's address, which carries the API token (Rasa reads it from the query)."""

    def __init__(self, status: int, what: str) -> None:
        super().__init__(f"the assistant answered {status} to {what}")
        self.status = status


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout_seconds: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)

    async def trigger(self, conversation_id: str, intent: str) -> Dict[str, Any]:
        url = (
            f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/trigger_intent"
            f"?output_channel=latest&token={quote(self.token, safe='')}"
        )
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(url, json={"name": intent}) as response:
                if response.status >= 400:
                    raise RasaError(response.status, "trigger_intent")
                return await response.json()

    async def deliver_staff_messages(self, conversation_id: str) -> Dict[str, Any]:
        return await self.trigger(conversation_id, STAFF_REPLY)

    async def end_handoff(self, conversation_id: str) -> Dict[str, Any]:
        return await self.trigger(conversation_id, HANDOFF_ENDED)

    async def staff_typing(self, conversation_id: str, staff_name: Optional[str]) -> None:
        """The person's web chat shows "<name> is typing…" for a few seconds."""
        await self._tell_webchat(
            "staff_typing", {"conversation_id": conversation_id, "staff_name": staff_name}
        )

    async def handoff_status(self, conversation_id: str, status: Dict[str, Any]) -> None:
        """The person's web chat shows where they are in the queue, or who has joined
        (channels/webchat.py `handoff_status_payload`)."""
        await self._tell_webchat("handoff_status", {"conversation_id": conversation_id, **status})

    async def _tell_webchat(self, event: str, body: Dict[str, Any]) -> None:
        # the web chat channel's own routes (not the HTTP API), with the same token
        url = f"{self.base_url}{WEBCHAT_ROUTES}/{event}?token={quote(self.token, safe='')}"
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(url, json=body) as response:
                if response.status >= 400:
                    raise RasaError(response.status, event)

    async def tracker(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        url = (
            f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/tracker"
            f"?token={quote(self.token, safe='')}"
        )
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.get(url) as response:
                if response.status == 404:
                    return None
                if response.status >= 400:
                    raise RasaError(response.status, "tracker")
                return await response.json()

    async def parse(self, text: str) -> Dict[str, Any]:
        """The trained model's parse of `text` (intent, entities, and what custom_nlu adds:
        item_ranking, question_parts...), without touching any conversation."""
        url = f"{self.base_url}/model/parse?token={quote(self.token, safe='')}"
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            async with session.post(url, json={"text": text}) as response:
                if response.status >= 400:
                    raise RasaError(response.status, "model/parse")
                return await response.json()
