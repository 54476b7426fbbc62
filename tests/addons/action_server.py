"""A tiny local action server for the patch tests: answers every call with a fixed JSON body
and remembers which TCP connection (client address) each call came on."""

from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, List, Optional

from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

VALID = {
    "events": [{"event": "slot", "name": "last_topic", "value": "edss"}],
    "responses": [{"text": "hi", "custom": {"type": "evidence_answer"}}],
}


@dataclass
class ActionServer:
    url: str = ""
    response: Any = field(default_factory=lambda: VALID)
    connections: List[Any] = field(default_factory=list)  # the client address of each call
    headers: List[Optional[str]] = field(default_factory=list)

    async def webhook(self, request: web.Request) -> web.Response:
        self.connections.append(request.transport.get_extra_info("peername"))
        self.headers.append(request.headers.get("X-Clinic"))
        return web.json_response(self.response)


@asynccontextmanager
async def action_server(response: Any = VALID) -> AsyncIterator[ActionServer]:
    server = ActionServer(response=response)
    app = web.Application()
    app.router.add_post("/webhook", server.webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"http://127.0.0.1:{port}/webhook"
    try:
        yield server
    finally:
        await runner.cleanup()


async def run_custom_action(endpoint: EndpointConfig) -> List[Event]:
    """One custom action call, the way Rasa's processor makes it."""
    return await RemoteAction("action_answer_question", endpoint).run(
        CollectingOutputChannel(),
        TemplatedNaturalLanguageGenerator({}),
        DialogueStateTracker.from_events("someone", []),
        Domain.empty(),
    )
