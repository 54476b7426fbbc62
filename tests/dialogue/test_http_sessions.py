"""Calls to an endpoint reuse one aiohttp session per event loop, configured like Rasa's."""

import asyncio

from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

import dialogue  # noqa: F401  (installs the shared sessions, as loading the model does)
from dialogue.http_sessions import _sessions, shared_session


def test_rasa_uses_the_shared_sessions():
    assert EndpointConfig.session is shared_session


def test_requests_reuse_one_session_and_still_work():
    async def scenario():
        seen_headers = []

        async def webhook(request):
            seen_headers.append(request.headers.get("X-Clinic"))
            return web.json_response({"events": [], "responses": []})

        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Clinic": "a"})
        try:
            first = await endpoint.request(json={"next_action": "x"})
            session = next(iter(s for k, s in _sessions.items() if k[1] == id(endpoint)))
            second = await endpoint.request(json={"next_action": "y"})
            assert first == second == {"events": [], "responses": []}
            assert seen_headers == ["a", "a"]
            assert not session.closed
            assert [s for k, s in _sessions.items() if k[1] == id(endpoint)] == [session]
            await session.close()
        finally:
            await runner.cleanup()

    asyncio.run(scenario())
