"""Serves the web chat demo page and the built widget, the way a clinic's site would host it.

    /            widget/demo/ (the demo page)
    /dist/...    widget/dist/ (the built widget bundle)

Only those two folders are reachable; anything else is 404.
"""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional

from devtools.model import ROOT

DEMO_DIR = ROOT / "widget" / "demo"
DIST_DIR = ROOT / "widget" / "dist"


class _Handler(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if clean.startswith("/dist/"):
            base, rest = DIST_DIR, clean[len("/dist/") :]
        else:
            base, rest = DEMO_DIR, clean.lstrip("/")
        target = (base / rest).resolve()
        if base.resolve() not in (target, *target.parents):
            return str(DEMO_DIR / "__not_found__")
        return str(target)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests read logs
        pass


class StaticSite:
    def __init__(self, port: int) -> None:
        self.port = port
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        return f"http://localhost:{self.port}"

    def start(self) -> None:
        handler = partial(_Handler, directory=str(DEMO_DIR))
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def demo_available(directory: Path = DIST_DIR) -> bool:
    return any(directory.glob("*.js"))
