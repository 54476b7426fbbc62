"""The action server answers only Rasa's token, and listens on localhost unless told otherwise."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from actions.server import token_problem
from tests.integration.conftest import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "Zq7c4Wn1xR8vK2mT9bL5hF3dJ6sG0pYa"  # random-looking, 32 characters


def get(url, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as error:
        error.close()
        return error.code, b""


def listening_addresses(port):
    """Local addresses with a socket listening on `port` (from /proc/net/tcp)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as handle:
            for line in handle.readlines()[1:]:
                local, _, state = line.split()[1:4]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


@pytest.fixture(scope="module")
def action_server():
    port = free_port()
    env = {**os.environ, "ACTION_SERVER_TOKEN": TOKEN}
    env.pop("ACTION_SERVER_HOST", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if get(f"{url}/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.3)
    yield url, port
    process.terminate()
    process.wait(timeout=20)


@pytest.mark.server  # starts the action server
def test_without_the_token_nothing_but_health_answers(action_server):
    url, _ = action_server
    assert get(f"{url}/health")[0] == 200
    assert get(f"{url}/actions")[0] == 401
    assert get(f"{url}/actions", token="wrong")[0] == 401
    assert get(f"{url}/actions", token=TOKEN + "x")[0] == 401
    status, body = get(f"{url}/actions", token=TOKEN)
    assert status == 200 and b"action_answer_question" in body


@pytest.mark.server  # starts the action server
def test_it_listens_on_localhost_only_by_default(action_server):
    _, port = action_server
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0


@pytest.mark.server  # starts the action server
@pytest.mark.parametrize("token", [None, "", "change-me", "x" * 31])
def test_it_refuses_to_start_without_a_real_token(token):
    assert token_problem(token)
    env = {k: v for k, v in os.environ.items() if k != "ACTION_SERVER_TOKEN"}
    if token is not None:
        env["ACTION_SERVER_TOKEN"] = token
    result = subprocess.run(
        [sys.executable, "-m", "actions.server", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "ACTION_SERVER_TOKEN" in result.stderr


@pytest.mark.parametrize(
    "token",
    [
        "change-me-" + "9c41e7a2f05b8d36e1a4c7f2b9d0e5",  # 40 characters, a placeholder
        "t0k3n-" * 8,  # 48 characters of six different ones
        "x" * 31,
    ],
)
def test_a_long_placeholder_token_is_refused_like_a_short_one(token):
    assert token_problem(token)
    assert token_problem(TOKEN) is None


@pytest.mark.parametrize("endpoints", ["endpoints.yml", "endpoints.production.yml"])
def test_rasa_sends_the_token_from_the_environment(monkeypatch, endpoints):
    # Rasa expands ${VAR} only in unquoted YAML values: a quoted header went out literally as
    # "Bearer ${ACTION_SERVER_TOKEN}" and every action call got 401
    from rasa.core.utils import read_endpoints_from_path

    for name in ("ACTION_SERVER_URL", "TRACKER_DB_HOST", "TRACKER_DB_PORT", "TRACKER_DB_NAME",
                 "TRACKER_DB_USER", "TRACKER_DB_PASSWORD", "REDIS_HOST", "REDIS_PORT",
                 "REDIS_DB", "REDIS_PASSWORD"):  # fmt: skip
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("ACTION_SERVER_TOKEN", TOKEN)
    action = read_endpoints_from_path(os.path.join(ROOT, endpoints)).action
    assert action.headers == {"Authorization": f"Bearer {TOKEN}"}


def test_idle_connections_outlive_rasas_reuse_of_them():
    from actions.server import create_guarded_app

    app = create_guarded_app(TOKEN)
    assert app.config.KEEP_ALIVE_TIMEOUT > 15  # aiohttp's keep-alive on the Rasa side
