"""The process runtime as request handlers reach it."""

from __future__ import annotations

from typing import cast

from starlette.requests import Request

from errorledger.runtime import Runtime


def runtime(request: Request) -> Runtime:
    return cast(Runtime, request.app.state.runtime)
