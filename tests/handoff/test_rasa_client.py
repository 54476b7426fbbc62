"""The client for Rasa's HTTP API never puts its token into an error (and so into a log)."""

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from handoff.rasa_client import HANDOFF_ENDED, STAFF_REPLY, RasaClient, RasaError

TOKEN = "s3cret-t0ken-value"


@pytest.fixture
def assistant():
    """A stand-in for Rasa: 404 for unknown trackers, 500 for conversation (or text) "broken"."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            seen.append(self.path)
            if "/unknown/" in self.path:
                return self._answer(404, {})
            if "/broken/" in self.path:
                return self._answer(500, {"error": "boom"})
            return self._answer(200, {"events": []})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, body))
            if "/broken/" in self.path or body.get("text") == "broken":
                return self._answer(500, {"error": "boom"})
            if self.path.startswith("/model/parse"):
                return self._answer(200, {"text": body["text"], "intent": {"name": "greet"}})
            return self._answer(200, {"tracker": {"slots": {}}, "messages": []})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_staff_events_and_trackers(assistant):
    url, seen = assistant
    client = RasaClient(url, TOKEN)
    asyncio.run(client.deliver_staff_messages("conv 1/2"))
    asyncio.run(client.end_handoff("conv-3"))
    assert seen[0] == (
        f"/conversations/conv%201%2F2/trigger_intent?output_channel=latest&token={TOKEN}",
        {"name": STAFF_REPLY},
    )
    assert seen[1][1] == {"name": HANDOFF_ENDED}
    assert asyncio.run(client.tracker("conv-3")) == {"events": []}
    assert asyncio.run(client.tracker("unknown")) is None


def test_parse_asks_the_model_without_a_conversation(assistant):
    url, seen = assistant
    parse = asyncio.run(RasaClient(url, TOKEN).parse("what is hsct?"))
    assert parse == {"text": "what is hsct?", "intent": {"name": "greet"}}
    assert seen == [(f"/model/parse?token={TOKEN}", {"text": "what is hsct?"})]


@pytest.mark.parametrize("call", ["tracker", "deliver_staff_messages", "end_handoff", "parse"])
def test_errors_do_not_carry_the_token(assistant, call):
    url, _ = assistant
    client = RasaClient(url, TOKEN)
    with pytest.raises(RasaError) as error:
        asyncio.run(getattr(client, call)("broken"))
    assert error.value.status == 500
    assert TOKEN not in str(error.value) and TOKEN not in repr(error.value.args)
