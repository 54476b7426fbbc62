"""The real Rasa server, started by the project's entry point: patched, and calling the
action server over one kept connection."""

import os
from pathlib import Path

import pytest

from devtools.serve import RASA_SERVER
from tests.integration.conftest import make_stack, say

pytestmark = pytest.mark.server


def established_connections(pid: int, port: int) -> int:
    """Open TCP connections from process `pid` to `port` (Linux /proc)."""
    sockets = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            sockets.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:  # closed between the listing and the read: not a connection
            continue
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            established = fields[3] == "01"
            if remote_port == port and established and f"socket:[{fields[9]}]" in sockets:
                count += 1
    return count


def test_the_patched_server_keeps_one_connection_to_the_action_server(tmp_path):
    stack = make_stack(tmp_path)
    with stack:
        [rasa] = [p for p in stack.processes if p.args[1:3] == ["-m", RASA_SERVER]]
        for number in range(3):  # each answer is a custom action call
            replies = say(stack, f"patched-{number}", "what are the side effects of hsct")
            assert "evidence_answer" in [r.get("custom", {}).get("type") for r in replies]
        # Rasa alone would have opened and closed a connection per call: none left open
        assert established_connections(rasa.pid, stack.action_port) == 1
    log = (tmp_path / "logs" / f"rasa-{stack.rasa_port}.log").read_text()
    assert "Starting Rasa server" in log and "Traceback" not in log
