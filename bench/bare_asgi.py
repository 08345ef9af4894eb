"""The baseline of bench/ingest.py: a raw ASGI callable, no framework.

It reads the whole request body (as any ingest endpoint must) and answers 201 with a small
JSON body, so it measures what uvicorn, the event loop and the HTTP parser cost on their
own. ``python bench/bare_asgi.py --host H --port P`` serves it with the options
``errorledger serve`` ends up with: uvloop, httptools, one process, no access log, no
``server`` header.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

RESPONSE_BODY = b'{"data":{"id":1}}'
RESPONSE_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(RESPONSE_BODY)).encode()),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "http":
        await _read_body(receive)
        await send({"type": "http.response.start", "status": 201, "headers": RESPONSE_HEADERS})
        await send({"type": "http.response.body", "body": RESPONSE_BODY})


async def _lifespan(receive: Receive, send: Send) -> None:
    # Answering the lifespan protocol keeps uvicorn's start-up the same as errorledger's,
    # which has a lifespan, instead of logging that it is unsupported.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def serve(asgi_app: Any, *, host: str, port: int) -> None:
    """Serve ``asgi_app`` with the options errorledger's ``serve`` passes to uvicorn.run
    (src/errorledger/cli/serve.py), loop and http spelled out: "auto" picks uvloop and
    httptools when they are installed. bench/reference_app.py is served the same way."""
    uvicorn.run(
        asgi_app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        workers=1,
        log_level="info",
        access_log=False,
        server_header=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    serve(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
