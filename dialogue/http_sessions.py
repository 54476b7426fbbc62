"""Keeps one HTTP connection pool per endpoint for calls to the action server.

Rasa 3.6 opens a new aiohttp ClientSession — a new TCP connection — for every custom action
call and closes it afterwards (profiled: 6% of a turn). The session is now kept for the life
of the worker's event loop, with the same headers, authentication and timeout Rasa sets.
"""

import asyncio
from typing import Any, Dict, Tuple

import aiohttp
from rasa.utils.endpoints import EndpointConfig

_rasa_session = EndpointConfig.session
_sessions: Dict[Tuple[int, int], aiohttp.ClientSession] = {}


class _Borrowed:
    """`async with` support without closing the shared session at the end of the call."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def shared_session(self: EndpointConfig) -> Any:
    key = (id(asyncio.get_running_loop()), id(self))  # Rasa calls it from coroutines only
    session = _sessions.get(key)
    if session is None or session.closed:
        session = _sessions[key] = _rasa_session(self)
    return _Borrowed(session)


def install() -> None:
    EndpointConfig.session = shared_session  # type: ignore[method-assign]
