"""The service's own state, for load balancers and probes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from errorledger.api.responses import json_response


async def health(_request: Request) -> Response:
    """The process answers."""
    return json_response({"status": "ok"})
