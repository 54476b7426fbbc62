"""The action endpoint keeps one connection pool per event loop, only in the Rasa server, and
the server closes it when it stops."""

import asyncio

import pytest
import rasa.api
import rasa.core.run
import sanic
from rasa.utils.endpoints import EndpointConfig

from addons import rasa_patches
from addons.action_endpoint import PooledEndpointConfig
from tests.addons.action_server import action_server, run_custom_action

CALLS = 3


@pytest.fixture(autouse=True)
def patched():
    rasa_patches.apply()


def test_custom_actions_share_one_connection_with_rasas_headers_and_token():
    async def scenario():
        async with action_server() as server:
            endpoint = EndpointConfig(server.url, headers={"X-Clinic": "a"}, token="t0k")
            pooled = PooledEndpointConfig.like(endpoint)
            for _ in range(CALLS):
                events = await run_custom_action(pooled)
                assert [event.type_name for event in events] == ["bot", "slot"]
            assert len(set(server.connections)) == 1
            assert server.headers == ["a"] * CALLS
            [session] = pooled.open_sessions()
            await pooled.close()
            assert session.closed and pooled.open_sessions() == []

    asyncio.run(scenario())


def test_other_endpoints_keep_rasas_connection_per_request():
    async def scenario():
        async with action_server() as server:
            endpoint = EndpointConfig(server.url)
            for _ in range(CALLS):
                assert await endpoint.request(json={}) is not None
            assert len(set(server.connections)) == CALLS

    asyncio.run(scenario())


def test_the_pooled_endpoint_is_the_same_endpoint():
    endpoint = EndpointConfig(
        "http://actions:5055/webhook",
        params={"a": "1"},
        headers={"Authorization": "Bearer x"},
        basic_auth={"username": "u", "password": "p"},
        token="t",
        token_name="key",
        cafile="ca.pem",
        type="custom",
        enable_selective_domain=True,
    )
    pooled = PooledEndpointConfig.like(endpoint)
    assert pooled == endpoint
    assert (pooled.cafile, pooled.type, pooled.kwargs) == (
        "ca.pem",
        "custom",
        {"enable_selective_domain": True},
    )


def test_the_server_pools_the_action_endpoint_and_closes_the_pool_when_it_stops(
    tmp_path, monkeypatch
):
    """Through `rasa run`'s own path (rasa.api.run): the endpoints Rasa's agent gets, and the
    listeners Sanic runs when the server stops."""
    monkeypatch.setenv("RASA_TELEMETRY_ENABLED", "false")
    monkeypatch.setattr(sanic.Sanic, "test_mode", True)
    started = {}
    monkeypatch.setattr(sanic.Sanic, "run", lambda app, **_: started.update(app=app))

    async def load_agent_on_start(model_path, endpoints, remote_storage, app, loop):
        started["endpoints"] = endpoints  # what Rasa would give the agent

    monkeypatch.setattr(rasa.core.run, "load_agent_on_start", load_agent_on_start)

    async def scenario():
        async with action_server() as server:
            (tmp_path / "endpoints.yml").write_text(f"action_endpoint:\n  url: {server.url}\n")
            (tmp_path / "credentials.yml").write_text("rest:\n")
            rasa.api.run(
                model="models",
                endpoints=str(tmp_path / "endpoints.yml"),
                credentials=str(tmp_path / "credentials.yml"),
                port=5999,
            )
            app, loop = started["app"], asyncio.get_running_loop()
            app.signalize()
            server_event = {"app": app, "loop": loop}
            await app.dispatch("server.init.before", context=server_event, inline=True)
            action_endpoint = started["endpoints"].action
            assert isinstance(action_endpoint, PooledEndpointConfig)
            for _ in range(CALLS):
                await run_custom_action(action_endpoint)
            assert len(set(server.connections)) == 1
            [session] = action_endpoint.open_sessions()

            await app.dispatch("server.shutdown.after", context=server_event, inline=True)
            assert session.closed and action_endpoint.open_sessions() == []

    asyncio.run(scenario())
