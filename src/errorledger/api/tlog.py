"""The transparency log over HTTP (read scope), and the public keys that verify it.

Under ``/v1/projects/{project_id}/tlog/``: ``checkpoint`` (a C2SP signed note, with the
RFC 3161 token over it in ``Timestamp-Token`` and at ``checkpoint/timestamp``),
``proof/inclusion``, ``proof/consistency``, ``entries/{leaf_index}`` (the exact leaf bytes)
and C2SP tiles at ``tile/…``. ``/v1/tlog/verifier-key`` and ``/v1/tsa/certificate`` are
public. Errors are the native API's problem details.
"""

from __future__ import annotations

import base64

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from errorledger.api import shapes
from errorledger.api.context import project_caller, runtime
from errorledger.api.params import integer, whole_number
from errorledger.api.responses import json_response
from errorledger.errors import InvalidInput, NotFound
from errorledger.tlog.tiles import parse_tile_path

_MAX_INDEX = 2**62
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


def _required(request: Request, name: str) -> int:
    value = integer(request, name, minimum=0, maximum=_MAX_INDEX)
    if value is None:
        raise InvalidInput.single(("query", name), "required", f"{name} is required")
    return value


def _b64(hashes: list[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in hashes]


async def checkpoint(request: Request) -> Response:
    rt, principal = await project_caller(request)
    record = await rt.transparency.checkpoint(
        principal, integer(request, "size", minimum=0, maximum=_MAX_INDEX)
    )
    token = base64.b64encode(record.timestamp_token).decode()
    return PlainTextResponse(record.note, headers={"Timestamp-Token": token})


async def checkpoint_timestamp(request: Request) -> Response:
    rt, principal = await project_caller(request)
    record = await rt.transparency.checkpoint(principal, _required(request, "size"))
    return Response(record.timestamp_token, media_type="application/octet-stream")


async def inclusion(request: Request) -> Response:
    rt, principal = await project_caller(request)
    leaf_index, tree_size = _required(request, "leaf_index"), _required(request, "tree_size")
    hashes = await rt.transparency.inclusion(principal, leaf_index, tree_size)
    return json_response(shapes.InclusionProof(leaf_index, tree_size, _b64(hashes)))


async def consistency(request: Request) -> Response:
    rt, principal = await project_caller(request)
    first, second = _required(request, "first"), _required(request, "second")
    hashes = await rt.transparency.consistency(principal, first, second)
    return json_response(shapes.ConsistencyProof(first, second, _b64(hashes)))


async def leaf(request: Request) -> Response:
    rt, principal = await project_caller(request)
    raw = request.path_params["leaf_index"]
    index = whole_number(raw)
    # Canonical decimal only, as tile paths are: one URL per leaf, for caches and mirrors.
    if index is None or raw != str(index) or index >= _MAX_INDEX:
        raise NotFound("Leaf")
    [data] = await rt.transparency.leaves(principal, index, index + 1)
    return Response(data, media_type="application/json", headers=_IMMUTABLE)


async def tile(request: Request) -> Response:
    rt, principal = await project_caller(request)
    try:
        wanted = parse_tile_path(request.path_params["path"])
    except ValueError:
        raise NotFound("Tile") from None
    data = await rt.transparency.tile(principal, wanted)
    headers = {} if wanted.is_partial else _IMMUTABLE
    return Response(data, media_type="application/octet-stream", headers=headers)


async def verifier_key(request: Request) -> Response:
    return PlainTextResponse(runtime(request).keys.log_verifier.key + "\n")


async def tsa_certificate(request: Request) -> Response:
    pem = runtime(request).keys.tsa.identity.certificate_pem()
    return Response(pem, media_type="application/pem-certificate-chain")
