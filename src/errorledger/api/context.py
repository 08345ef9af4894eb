"""The process runtime as request handlers reach it."""

from __future__ import annotations

from typing import cast

from starlette.requests import Request
from starlette.types import Scope

from errorledger.api.auth import authenticate
from errorledger.core.authn import Principal
from errorledger.runtime import Runtime


def runtime(request: Request) -> Runtime:
    return scope_runtime(request.scope)


def scope_runtime(scope: Scope) -> Runtime:
    """The runtime of the app serving ``scope`` (Starlette puts the app in the scope)."""
    return cast(Runtime, scope["app"].state.runtime)


async def project_caller(
    request: Request, *, param: str = "project_id", resource: str = "Project"
) -> tuple[Runtime, Principal]:
    """The runtime and the authenticated caller, once the project the path names (in
    ``param``) is the caller's own: any other is not found."""
    rt = runtime(request)
    principal = await authenticate(request, rt.authenticator)
    principal.require_project(request.path_params[param], resource=resource)
    return rt, principal
