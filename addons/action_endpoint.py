"""The action server's endpoint, keeping one HTTP connection pool per event loop.

Rasa 3.6 opens a new aiohttp ClientSession — a new TCP connection — for every custom action
call and closes it afterwards (profiled: 6% of a turn, docs/nlu-and-performance.md). The
action endpoint's session is now kept for the life of the worker's event loop, with the same
headers, authentication and timeout Rasa sets, and closed when the server stops
(rasa_patches.py registers `close_listener` for Sanic's after_server_stop). Other endpoints
(model server, NLG, ...) keep Rasa's session per request.
"""

import asyncio
import inspect
from typing import Any, Callable, List, MutableMapping
from weakref import WeakKeyDictionary

import aiohttp
from rasa.utils.endpoints import EndpointConfig


class _Borrowed:
    """`async with` support without closing the pooled session at the end of the call."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


class PooledEndpointConfig(EndpointConfig):
    """An EndpointConfig whose requests share one session (connection pool) per event loop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # per loop: a session belongs to the loop it was made on (one per Sanic worker)
        self._pools: MutableMapping[asyncio.AbstractEventLoop, aiohttp.ClientSession]
        self._pools = WeakKeyDictionary()

    @classmethod
    def like(cls, endpoint: EndpointConfig) -> "PooledEndpointConfig":
        """The same endpoint (url, token, headers, auth, certificate, options), pooled."""
        pooled = cls(
            endpoint.url,
            endpoint.params,
            endpoint.headers,
            endpoint.basic_auth,
            endpoint.token,
            endpoint.token_name,
            endpoint.cafile,
            **endpoint.kwargs,
        )
        pooled.type = endpoint.type
        return pooled

    def session(self) -> Any:  # Rasa calls it from coroutines only, as `async with`
        loop = asyncio.get_running_loop()
        session = self._pools.get(loop)
        if session is None or session.closed:
            session = self._pools[loop] = super().session()
        return _Borrowed(session)

    def open_sessions(self) -> List[aiohttp.ClientSession]:
        return [session for session in self._pools.values() if not session.closed]

    async def close(self) -> None:
        """Closes this event loop's session (the others belong to loops that are gone)."""
        session = self._pools.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()

    async def close_listener(self, _app: Any, _loop: Any) -> None:
        """For Sanic's after_server_stop: the pool does not outlive the server."""
        await self.close()


def serving_pooled(serve_application: Callable[..., None]) -> Callable[..., None]:
    """Rasa's serve_application, with the action endpoint pooled and its pool closed on stop.

    Only the server pools: scripts that load an agent themselves keep Rasa's endpoint."""
    signature = inspect.signature(serve_application)

    def serve_with_pooled_action_endpoint(*args: Any, **kwargs: Any) -> None:
        arguments = signature.bind(*args, **kwargs).arguments
        endpoints = arguments.get("endpoints")
        if endpoints is not None and endpoints.action is not None:
            endpoints.action = PooledEndpointConfig.like(endpoints.action)
            arguments["server_listeners"] = [
                *(arguments.get("server_listeners") or []),
                (endpoints.action.close_listener, "after_server_stop"),
            ]
        return serve_application(**arguments)

    # rasa.api.run passes only the keyword arguments serve_application's signature names
    serve_with_pooled_action_endpoint.__signature__ = signature  # type: ignore[attr-defined]
    return serve_with_pooled_action_endpoint
