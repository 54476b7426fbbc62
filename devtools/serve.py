"""Starts the assistant: the action server, then the Rasa server (REST + socket.io + HTTP API).

    python -m devtools.serve            # what `make run` does, after set-up and training

Waits until both answer, prints where to talk to the assistant, and stops both on Ctrl-C or
when either one exits. Tests use `Stack` to start the same processes on their own ports.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from devtools.model import ROOT, current_model_path
from devtools.static_site import StaticSite

VAR_DIR = ROOT / "var"
# Conversations are health information: Rasa's telemetry and error reports stay off.
PRIVATE_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
TOKEN_FILE = VAR_DIR / "rasa_token"


def api_token() -> str:
    """The HTTP API token: RASA_AUTH_TOKEN, or one generated once for this checkout."""
    token = os.environ.get("RASA_AUTH_TOKEN")
    if token:
        return token
    VAR_DIR.mkdir(exist_ok=True)
    if not TOKEN_FILE.exists():
        TOKEN_FILE.write_text(secrets.token_urlsafe(24))
        TOKEN_FILE.chmod(0o600)
    return TOKEN_FILE.read_text().strip()


def wait_until_up(url: str, deadline: float, process: subprocess.Popen) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in time")


@dataclass
class Stack:
    """The assistant's processes on given ports (defaults: those `make run` uses)."""

    rasa_port: int = 5005
    action_port: int = 5055
    endpoints: Path = ROOT / "endpoints.yml"
    credentials: Path = ROOT / "credentials.yml"
    model: Optional[Path] = None
    token: str = field(default_factory=api_token)
    log_dir: Path = VAR_DIR / "logs"
    extra_env: Dict[str, str] = field(default_factory=dict)
    web_port: Optional[int] = None  # serve the web chat demo page too
    processes: List[subprocess.Popen] = field(default_factory=list)
    site: Optional[StaticSite] = None

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    def _spawn(self, name: str, args: List[str]) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its own handle
            process = subprocess.Popen(
                [sys.executable, "-m", "rasa", *args],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **PRIVATE_ENV, **self.extra_env},
                start_new_session=True,  # Ctrl-C reaches us; we stop the servers in order
            )
        self.processes.append(process)
        return process

    def start(self, timeout: float = 180.0) -> float:
        """Starts both servers; returns seconds until both answered."""
        VAR_DIR.mkdir(exist_ok=True)
        model = self.model or current_model_path()
        if not model.exists():
            raise FileNotFoundError(f"{model} does not exist: run `make train` first")
        started = time.monotonic()
        deadline = started + timeout
        actions = self._spawn(
            f"actions-{self.action_port}",
            ["run", "actions", "--actions", "actions", "--port", str(self.action_port)],
        )
        rasa = self._spawn(
            f"rasa-{self.rasa_port}",
            [
                "run",
                "--model",
                str(model),
                "--port",
                str(self.rasa_port),
                "--credentials",
                str(self.credentials),
                "--endpoints",
                str(self.endpoints),
                "--enable-api",
                "--auth-token",
                self.token,
                "--cors",
                "*",
            ],
        )
        if self.web_port:
            self.site = StaticSite(self.web_port)
            self.site.start()
        wait_until_up(f"http://localhost:{self.action_port}/health", deadline, actions)
        wait_until_up(f"{self.rasa_url}/status?token={self.token}", deadline, rasa)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.site:
            self.site.stop()
            self.site = None
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes.clear()

    def __enter__(self) -> "Stack":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> int:
    stack = Stack(
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        action_port=int(os.environ.get("ACTION_PORT", "5055")),
        web_port=int(os.environ.get("WEB_PORT", "8080")),
    )
    print("Starting the action server and the Rasa server (logs in var/logs/) ...")
    try:
        seconds = stack.start()
    except (RuntimeError, TimeoutError, FileNotFoundError) as problem:
        print(f"Could not start the assistant: {problem}. See var/logs/ for details.")
        stack.stop()
        return 1
    url = stack.rasa_url
    print(
        f"""
The assistant is ready (started in {seconds:.1f} s).
  REST:       curl -s {url}/webhooks/rest/webhook \\
                -d '{{"sender": "me", "message": "what are the side effects of hsct"}}'
  Web chat:   http://localhost:{stack.web_port}/  (demo page hosting the widget)
  socket.io:  {url}/socket.io  (events: session_request, user_uttered, bot_uttered, history)
  HTTP API:   {url}/status?token=<token>  (token: RASA_AUTH_TOKEN or var/rasa_token)
Press Ctrl-C to stop."""
    )
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stopping and all(p.poll() is None for p in stack.processes):
        time.sleep(0.5)
    exited = [p for p in stack.processes if p.poll() is not None]
    stack.stop()
    if exited and not stopping:
        print("A server exited unexpectedly; see var/logs/.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
