"""Request bodies read up to a cap, refused with 413 before the rest is read or parsed.

Sanic's default cap is 100 MB for every route of the Rasa server (the HTTP API's model
upload needs a large one), so the channels' webhooks are streaming routes that read their
own body against ChannelSettings.max_request_bytes.
"""

from sanic.exceptions import PayloadTooLarge
from sanic.request import Request


async def read_capped_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes")
    chunks = []
    size = 0
    while True:
        chunk = await request.stream.read()
        if chunk is None:
            break
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"Request body is larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
