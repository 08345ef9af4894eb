"""RFC 3161 time-stamping over HTTP (RFC 3161 section 3.4): ``POST /v1/tsa``.

A DER TimeStampReq sent as ``application/timestamp-query`` gets a DER TimeStampResp as
``application/timestamp-reply`` from the authority that also stamps log capsules and
checkpoints (its certificate: ``GET /v1/tsa/certificate``)::

    openssl ts -query -data f -sha256 -cert -out q.tsq
    curl --data-binary @q.tsq -H 'Content-Type: application/timestamp-query' \\
        -u "$KEY_ID:$SECRET" http://127.0.0.1:8000/v1/tsa > r.tsr
    openssl ts -verify -queryfile q.tsq -in r.tsr -CAfile tsa.pem

SHA-256 and SHA-512 imprints are granted. A request that is not a TimeStampReq, or asks for
another algorithm, another policy or an extension, is answered with an RFC 3161 rejection
(HTTP 200, PKIStatus rejection and the PKIFailureInfo saying why): that is what RFC 3161
clients read, where an HTTP error would only tell them that the transport failed.

Any active key of any project may ask, whatever its scopes; each request counts against
the key's write rate limit. HTTP errors are the native API's problem details: 401 (the
challenge is Basic, the scheme RFC 3161 clients are configured with), 413 over 64 KiB,
415 for another content type, 429 and 500.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from errorledger.api.auth import authenticate
from errorledger.api.body import read_body
from errorledger.api.context import runtime
from errorledger.api.failures import classify
from errorledger.api.family import Family
from errorledger.api.problem import problem
from errorledger.errors import UnsupportedMediaType
from errorledger.tsa import REQUEST_MEDIA_TYPE, RESPONSE_MEDIA_TYPE

# A TimeStampReq is a digest and a few small fields: ~100 bytes with a SHA-512 imprint.
MAX_REQUEST_BYTES = 64 * 1024


def render_error(request: Request, exc: Exception) -> Response:
    """The native API's problem details, challenging with Basic rather than Bearer."""
    return problem(request, classify(exc, auth_scheme="Basic"), type_base="/problems")


FAMILY = Family("RFC 3161 time-stamping", render_error, "Problem")


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


async def timestamp(request: Request) -> Response:
    rt = runtime(request)
    principal = await authenticate(request, rt.authenticator)
    if _media_type(request) != REQUEST_MEDIA_TYPE:
        raise UnsupportedMediaType(f"Send a DER TimeStampReq as {REQUEST_MEDIA_TYPE}.")
    query = await read_body(request, max_bytes=MAX_REQUEST_BYTES)
    reply = await rt.timestamping.respond(principal, query)
    return Response(reply, media_type=RESPONSE_MEDIA_TYPE)
