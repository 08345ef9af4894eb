"""JSON responses, encoded with msgspec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from starlette.responses import Response

encode_json = msgspec.json.Encoder().encode


def json_response(
    content: Any,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str = "application/json",
) -> Response:
    return Response(
        encode_json(content), status_code=status, headers=headers, media_type=media_type
    )
