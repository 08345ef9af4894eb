"""API families: the wire formats errors are answered in.

Each family (seed 000's JSON:API, seed 001's ``{error, message, details}``, the problem
details of seed 003 and the native API, …) has exactly one renderer, ``render(request,
exc)``, that answers any exception in its format: domain errors as ``api.failures``
classifies them, anything else as a 500 that says nothing of the cause. A route belongs to
one family (``api.routes``); a path that matches no route belongs to the family whose
prefix it starts with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

Renderer = Callable[[Request, Exception], Response]


@dataclasses.dataclass(frozen=True, slots=True)
class Family:
    name: str
    render: Renderer
    # The OpenAPI response (under components/responses) every error of the family is.
    error_response: str
    # Unmatched paths under these answer in this family's format.
    prefixes: tuple[str, ...] = ()
