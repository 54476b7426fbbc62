"""A real running assistant (action server + Rasa server) on free ports, with its own SQLite.

The default one is shared by the session (`assistant`, tests/conftest.py); a test module that
needs other settings, a fresh database or a restart starts its own with `make_stack`.
"""

import json
import socket
import urllib.request
from pathlib import Path
from typing import Any, Dict, List

from devtools.model import current_model_path
from devtools.serve import Stack, sqlite_endpoints


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_stack(directory: Path) -> Stack:
    action_port = free_port()
    return Stack(
        rasa_port=free_port(),
        action_port=action_port,
        endpoints=sqlite_endpoints(directory, action_port),
        model=current_model_path(),
        token="test-token",
        log_dir=directory / "logs",
        # every test talks from 127.0.0.1: the per-address limit has its own test
        extra_env={"ASSISTANT_MESSAGES_PER_ADDRESS_PER_MINUTE": "100000"},
    )


def post_json(url: str, body: Any) -> Any:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def say(stack: Stack, sender: str, message: str) -> List[Dict[str, Any]]:
    return post_json(
        f"{stack.rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": message}
    )


def tracker(stack: Stack, sender: str) -> Dict[str, Any]:
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={stack.token}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())
