"""Starts the assistant: the action server, then the Rasa server (REST + socket.io + HTTP API),
and the staff inbox (inbox/, on INBOX_PORT, default 8090).

    python -m devtools.serve            # what `make run` does, after set-up and training

Waits until all answer, prints where to talk to the assistant and where staff sign in, and
stops them all on Ctrl-C or when one exits. Tests use `Stack` to start the same processes on
their own ports (the inbox only with `inbox_port`).
"""

import hashlib
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
from typing import Dict, List, Mapping, Optional

import yaml

from channels.settings import ENV_AUTH_TOKEN, ENV_DEV_INSECURE
from devtools.model import ROOT, current_model_path
from devtools.static_site import StaticSite
from env_flags import parse_flag

VAR_DIR = ROOT / "var"
# `python -m rasa`, with the project's Rasa patches applied first (addons/rasa_patches.py)
RASA_SERVER = "addons.rasa_server"
# Conversations are health information: Rasa's telemetry and error reports stay off.
PRIVATE_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
TOKEN_FILE = VAR_DIR / "rasa_token"
VOICE_CHANNEL = "channels.voice.VoiceInput"


def local_secret(variable: str, file_name: str) -> str:
    """A secret from the environment, or one generated once for this checkout (var/)."""
    value = os.environ.get(variable)
    if value:
        return value
    VAR_DIR.mkdir(exist_ok=True)
    path = VAR_DIR / file_name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def api_token() -> str:
    """The HTTP API token: RASA_AUTH_TOKEN, or one generated once for this checkout."""
    return local_secret("RASA_AUTH_TOKEN", TOKEN_FILE.name)


def sqlite_endpoints(directory: Path, action_port: int, db_name: str = "conversations.db") -> Path:
    """endpoints.yml for a stack on its own ports and SQLite file (tests, benchmarks). The
    token header stays unquoted: Rasa fills in ${VARIABLES} only in plain YAML values."""
    path = directory / "endpoints.yml"
    path.write_text(
        f"action_endpoint:\n  url: http://localhost:{action_port}/webhook\n"
        "  enable_selective_domain: true\n"
        "  headers:\n    Authorization: Bearer ${ACTION_SERVER_TOKEN}\n"
        "tracker_store:\n  type: tracker_stores.sqlite.SQLiteTrackerStore\n"
        f"  db: {directory / db_name}\n"
    )
    return path


def action_server_token() -> str:
    """The token Rasa sends the action server: ACTION_SERVER_TOKEN, or one per checkout."""
    return local_secret("ACTION_SERVER_TOKEN", "action_server_token")


def voice_configured(env: Mapping[str, str]) -> bool:
    """Whether the phone channel can start: a Twilio token, or the development switch read
    exactly as the channel reads it (env_flags), so `on` means on for both."""
    return bool(env.get(ENV_AUTH_TOKEN)) or parse_flag(env.get(ENV_DEV_INSECURE), ENV_DEV_INSECURE)


def effective_credentials(path: Path, env: Mapping[str, str]) -> Path:
    """The channels to start: credentials.yml, less the phone channel when Twilio is not
    configured (no TWILIO_AUTH_TOKEN), so the assistant still starts for web and REST."""
    channels = yaml.safe_load(path.read_text()) or {}
    if VOICE_CHANNEL not in channels or voice_configured(env):
        return path
    del channels[VOICE_CHANNEL]
    VAR_DIR.mkdir(exist_ok=True)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    reduced = VAR_DIR / f"credentials-without-voice-{digest}.yml"
    reduced.write_text(yaml.safe_dump(channels))
    return reduced


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
    inbox_port: Optional[int] = None  # run the staff inbox too (python -m inbox)
    inbox_env: Dict[str, str] = field(default_factory=dict)  # INBOX_* settings for it
    processes: List[subprocess.Popen] = field(default_factory=list)
    site: Optional[StaticSite] = None

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    @property
    def inbox_url(self) -> str:
        return f"http://localhost:{self.inbox_port}"

    def _spawn(
        self,
        name: str,
        args: List[str],
        module: str = RASA_SERVER,
        env: Optional[Dict[str, str]] = None,
    ) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{name}.log", "ab") as log:  # the child keeps its own handle
            process = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**self.environment, **(env or {})},
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
            ["--actions", "actions", "--port", str(self.action_port)],
            module="actions.server",
        )
        rasa = self._spawn(f"rasa-{self.rasa_port}", self._rasa_args(model, self.rasa_port))
        inbox = self._spawn_inbox() if self.inbox_port else None
        if self.web_port:
            self.site = StaticSite(self.web_port)
            self.site.start()
        wait_until_up(f"http://localhost:{self.action_port}/health", deadline, actions)
        wait_until_up(f"{self.rasa_url}/status?token={self.token}", deadline, rasa)
        if inbox is not None:
            wait_until_up(f"{self.inbox_url}/health", deadline, inbox)
        return time.monotonic() - started

    def _spawn_inbox(self) -> subprocess.Popen:
        """The staff inbox, on the same handoff database (HANDOFF_DB_URL), this Rasa server and its
        endpoints file."""
        return self._spawn(
            f"inbox-{self.inbox_port}",
            [],
            module="inbox",
            env={
                "INBOX_PORT": str(self.inbox_port),
                "INBOX_RASA_URL": self.rasa_url,
                "INBOX_RASA_TOKEN": self.token,
                # the curators' reports read the conversations this Rasa server keeps
                "HANDOFF_ENDPOINTS": str(self.endpoints),
                **self.inbox_env,
            },
        )

    @property
    def environment(self) -> Dict[str, str]:
        generated = {
            # conversation ids of phone calls are an HMAC of the call id with this secret
            "VOICE_SENDER_SECRET": local_secret("VOICE_SENDER_SECRET", "voice_secret"),
            # Rasa sends it to the action server, which answers nobody else
            "ACTION_SERVER_TOKEN": action_server_token(),
            # signs web chat conversation ids, so a reload can rejoin after a restart
            "ASSISTANT_WEBCHAT_SESSION_SECRET": local_secret(
                "ASSISTANT_WEBCHAT_SESSION_SECRET", "webchat_session_secret"
            ),
            # the web chat's staff routes (typing, queue updates) accept the inbox with it
            "RASA_AUTH_TOKEN": self.token,
            # a local run on plain http://localhost: set ASSISTANT_ENV=production (and its
            # secrets, .env.example) to run with the production checks
            "ASSISTANT_ENV": os.environ.get("ASSISTANT_ENV", "development"),
        }
        return {**os.environ, **PRIVATE_ENV, **generated, **self.extra_env}

    @property
    def voice_enabled(self) -> bool:
        return effective_credentials(self.credentials, self.environment) == self.credentials

    def _rasa_args(self, model: Path, port: int) -> List[str]:
        return [
            "run",
            "--model",
            str(model),
            "--port",
            str(port),
            "--credentials",
            str(effective_credentials(self.credentials, self.environment)),
            "--endpoints",
            str(self.endpoints),
            "--enable-api",
            # one argument: a generated token may start with "-", which argparse would take
            # for an option and refuse to start
            f"--auth-token={self.token}",
            # localhost unless told otherwise: a development machine's assistant is not a
            # server for the network it sits on
            "--interface",
            self.environment.get("RASA_INTERFACE", "127.0.0.1"),
            *self._cors_args(),
        ]

    def _cors_args(self) -> List[str]:
        # The widget talks socket.io (its own origin allow-list); CORS here is only for a
        # site calling REST from the browser, and only the origins configured for it.
        origins = self.environment.get("ASSISTANT_CORS_ORIGINS", "").split(",")
        origins = [origin.strip() for origin in origins if origin.strip()]
        return ["--cors", *origins] if origins else []

    def start_replica(self, port: int, timeout: float = 180.0) -> str:
        """Another Rasa server on the same model, endpoints and action server (scale-out)."""
        model = self.model or current_model_path()
        replica = self._spawn(f"rasa-{port}", self._rasa_args(model, port))
        url = f"http://localhost:{port}"
        wait_until_up(f"{url}/status?token={self.token}", time.monotonic() + timeout, replica)
        return url

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
        inbox_port=int(os.environ.get("INBOX_PORT", "8090")),
        # a local run on plain http://localhost; set INBOX_ENV=production and the INBOX_*
        # secrets (.env.example) to run with the production checks
        inbox_env={"INBOX_ENV": os.environ.get("INBOX_ENV", "development")},
    )
    print("Starting the action server, the Rasa server and the staff inbox (logs in var/logs/) ...")
    try:
        seconds = stack.start()
    except (RuntimeError, TimeoutError, FileNotFoundError) as problem:
        print(f"Could not start the assistant: {problem}. See var/logs/ for details.")
        stack.stop()
        return 1
    url = stack.rasa_url
    voice = (
        f"{url}/webhooks/voice/webhook (point a Twilio number at it: docs/voice.md)"
        if stack.voice_enabled
        else "off: set TWILIO_AUTH_TOKEN to take calls (docs/voice.md)"
    )
    print(
        f"""
The assistant is ready (started in {seconds:.1f} s).
  REST:       curl -s {url}/webhooks/rest/webhook \\
                -d '{{"sender": "me", "message": "what are the side effects of hsct"}}'
  Web chat:   http://localhost:{stack.web_port}/  (demo page hosting the widget)
  socket.io:  {url}/socket.io  (events: session_request, user_uttered, bot_uttered, history)
  HTTP API:   {url}/status?token=<token>  (token: RASA_AUTH_TOKEN or var/rasa_token)
  Staff inbox: {stack.inbox_url}/  (add an account first:
              python -m inbox.accounts create --email you@example.org --name "Your Name")
  Phone:      {voice}
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
