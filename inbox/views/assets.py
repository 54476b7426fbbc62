"""The inbox's own static files (no CDN: everything is served from here) and a health check."""

import hashlib
import mimetypes
from pathlib import Path
from typing import Dict

from sanic import Request
from sanic.response import HTTPResponse, json, raw

from inbox.views.common import not_found

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


def load_static(directory: Path = STATIC_DIR) -> Dict[str, bytes]:
    """Every file, read once at start-up: only these names can ever be served."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def fingerprints(files: Dict[str, bytes]) -> Dict[str, str]:
    """Short content hashes for cache-busting URLs (`/static/inbox.js?v=...`)."""
    return {name: hashlib.sha256(body).hexdigest()[:10] for name, body in files.items()}


async def static(request: Request, filename: str) -> HTTPResponse:
    body = request.app.ctx.static_files.get(filename)
    if body is None:
        return not_found(request)
    kind = TYPES.get(Path(filename).suffix) or mimetypes.guess_type(filename)[0]
    return raw(
        body,
        content_type=kind or "application/octet-stream",
        headers={"Cache-Control": "public, max-age=86400"},
    )


async def health(request: Request) -> HTTPResponse:
    return json({"status": "ok"})
