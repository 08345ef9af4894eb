"""Reading request bodies within the size and nesting limits."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.types import Receive

from errorledger.errors import InvalidInput, PayloadTooLarge

_decode_json = msgspec.json.Decoder().decode
T = TypeVar("T")


class ClientDisconnected(Exception):
    """The client went away before sending its whole body; there is nobody to answer."""


async def receive_body(receive: Receive, *, content_length: str | None, max_bytes: int) -> bytes:
    """The whole body from an ASGI ``receive``, refused as soon as it exceeds ``max_bytes``."""
    if content_length is not None and content_length.isdigit() and int(content_length) > max_bytes:
        raise PayloadTooLarge(max_bytes)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(max_bytes)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def read_body(request: Request, *, max_bytes: int) -> bytes:
    return await receive_body(
        request.receive, content_length=request.headers.get("content-length"), max_bytes=max_bytes
    )


def parse_json(raw: bytes, *, max_depth: int) -> Any:
    """Decode a JSON document no deeper than ``max_depth`` containers."""
    if not raw.strip():
        raise InvalidInput.single(("body",), "invalid", "The request body is empty; send JSON.")
    try:
        value = _decode_json(raw)
    except msgspec.DecodeError as exc:
        raise InvalidInput.single(
            ("body",), "invalid", f"The body is not valid JSON: {exc}"
        ) from None
    except RecursionError:
        raise _too_deep(max_depth) from None
    if _deeper_than(value, max_depth):
        raise _too_deep(max_depth)
    return value


def _too_deep(max_depth: int) -> InvalidInput:
    return InvalidInput.single(
        ("body",), "invalid", f"The JSON is nested deeper than {max_depth} levels."
    )


def _deeper_than(value: Any, limit: int) -> bool:
    if isinstance(value, dict):
        if limit == 0:
            return True
        return any(_deeper_than(item, limit - 1) for item in value.values())
    if isinstance(value, list):
        if limit == 0:
            return True
        return any(_deeper_than(item, limit - 1) for item in value)
    return False


_WHERE = " - at `$"


def convert(document: Any, type_: type[T]) -> T:
    """``document`` (decoded JSON) as ``type_``; ``InvalidInput`` naming the field that is
    wrong (``body.rules.0.match``) otherwise."""
    try:
        return msgspec.convert(document, type_)
    except msgspec.ValidationError as exc:
        message, _, where = str(exc).partition(_WHERE)
        location: list[str | int] = ["body"]
        for part in where.rstrip("`").replace("]", "").replace("[", ".").split("."):
            if part:
                location.append(int(part) if part.isdigit() else part)
        raise InvalidInput.single(tuple(location), "invalid", message) from None
