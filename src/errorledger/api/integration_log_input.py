"""The request body of ``POST /api/v3/integrations/{id}/logs``: seed 000's
``integration-log-create`` schema, checked by hand so that every problem is reported at
once with its own pointer, as the original service does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import msgspec

from errorledger.api.body import parse_json
from errorledger.clock import in_range, isoformat_us, now_us, to_us
from errorledger.errors import FieldError, InvalidInput

Location = tuple[str | int, ...]

FIELDS = (
    "base_url",
    "full_url",
    "method",
    "response_code",
    "response",
    "request",
    "created_at",
    "exception_type",
    "exception",
)

INT32_MAX = 2**31 - 1  # the status column is a 32-bit integer on every database
_TYPE_NAMES = {str: "string", dict: "object", int: "integer"}


def _type_error(location: Location, *allowed: type) -> FieldError:
    names = " or ".join(_TYPE_NAMES[t] for t in allowed)
    return FieldError(location, "invalid", f"Input should be a valid {names}")


def _check(
    value: Any, location: Location, *allowed: type, nullable: bool = True
) -> list[FieldError]:
    if value is None:
        return [] if nullable else [FieldError(location, "null", "This field may not be null.")]
    if isinstance(value, bool) or not isinstance(value, allowed):
        return [_type_error(location, *allowed)]
    return []


def _check_base_url(value: Any) -> list[FieldError]:
    errors = _check(value, ("body", "base_url"), str, nullable=False)
    if not errors and not value:
        errors.append(
            FieldError(("body", "base_url"), "invalid", "String should have at least 1 character")
        )
    return errors


def _check_response_code(value: Any) -> list[FieldError]:
    location: Location = ("body", "response_code")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    errors = _check(value, location, int)
    if not errors and value is not None and value < 0:
        errors.append(
            FieldError(location, "min_value", "Input should be greater than or equal to 0")
        )
    if not errors and value is not None and value > INT32_MAX:
        errors.append(
            FieldError(location, "invalid", f"Input should be less than or equal to {INT32_MAX}")
        )
    return errors


def _check_message(value: Any, name: str, parts: dict[str, tuple[type, ...]]) -> list[FieldError]:
    location: Location = ("body", name)
    errors = _check(value, location, dict)
    if errors or value is None:
        return errors
    for part, allowed in parts.items():
        errors += _check(value.get(part), (*location, part), *allowed)
    return errors


def _parse_created_at(value: str) -> tuple[datetime, int]:
    """A date-time with its offset (UTC when it has none), whose instant lies in the years
    0001 to 9999 in UTC (``9999-12-31T23:59:59-01:00`` does not); ``InvalidInput`` when it
    is not."""
    moment = None
    if len(value) >= 16 and value[10] in "Tt ":
        with contextlib.suppress(ValueError):
            moment = datetime.fromisoformat(value)
    if moment is None:
        raise InvalidInput.single(
            ("body", "created_at"), "invalid", "Input should be a valid RFC 3339 date-time"
        )
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    micros = to_us(moment)
    if not in_range(micros):
        raise InvalidInput.single(
            ("body", "created_at"),
            "invalid",
            "Input should be a date-time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z",
        )
    return moment, micros


def _is_rfc3339(value: str) -> bool:
    """Echo what the client sent when it is already a full RFC 3339 date-time with offset."""
    return value[10] == "T" and (value.endswith(("Z", "z")) or value[-6] in "+-")


_RESPONSE_PARTS: dict[str, tuple[type, ...]] = {"headers": (dict,), "body": (str, dict)}
_REQUEST_PARTS: dict[str, tuple[type, ...]] = {"headers": (dict, str), "payload": (dict, str)}

_CHECKS: dict[str, Callable[[Any], list[FieldError]]] = {
    "base_url": _check_base_url,
    "full_url": lambda v: _check(v, ("body", "full_url"), str),
    "method": lambda v: _check(v, ("body", "method"), str),
    "response_code": _check_response_code,
    "response": lambda v: _check_message(v, "response", _RESPONSE_PARTS),
    "request": lambda v: _check_message(v, "request", _REQUEST_PARTS),
    "created_at": lambda v: _check(v, ("body", "created_at"), str),
    "exception_type": lambda v: _check(v, ("body", "exception_type"), str),
    "exception": lambda v: _check(v, ("body", "exception"), str),
}


class _Clean(msgspec.Struct, forbid_unknown_fields=True):
    """The types of ``integration-log-create``, for the common case: decoded and checked in C."""

    base_url: str
    full_url: str | None = None
    method: str | None = None
    response_code: int | None = None
    response: dict[str, Any] | None = None
    request: dict[str, Any] | None = None
    created_at: str | None = None
    exception_type: str | None = None
    exception: str | None = None


_decode_clean = msgspec.json.Decoder(_Clean).decode


def decode_integration_log(raw: bytes, *, max_depth: int) -> tuple[dict[str, Any], int]:
    """Decode and validate a request body; see ``parse_integration_log``.

    A body that decodes into the schema's types and passes the few checks types cannot
    express is taken as it is; anything else goes through the full check, which reports
    every problem with its pointer.
    """
    # A document with no more brackets than the depth limit cannot be nested deeper.
    if raw.count(b"{") + raw.count(b"[") <= max_depth:
        try:
            clean = _decode_clean(raw)
        except (msgspec.DecodeError, RecursionError):
            clean = None
        if clean is not None and _passes_remaining_checks(clean):
            return _finish(msgspec.structs.asdict(clean), clean.created_at)
    return parse_integration_log(parse_json(raw, max_depth=max_depth))


def _passes_remaining_checks(clean: _Clean) -> bool:
    code = clean.response_code
    return (
        bool(clean.base_url)
        and (code is None or 0 <= code <= INT32_MAX)
        and _parts_fit(clean.response, _RESPONSE_PARTS)
        and _parts_fit(clean.request, _REQUEST_PARTS)
    )


def _parts_fit(message: dict[str, Any] | None, parts: dict[str, tuple[type, ...]]) -> bool:
    """Whether the named parts of ``request`` or ``response`` have an allowed type."""
    if message is None:
        return True
    for part, allowed in parts.items():
        value = message.get(part)
        if value is not None and (isinstance(value, bool) or not isinstance(value, allowed)):
            return False
    return True


def parse_integration_log(body: Any) -> tuple[dict[str, Any], int]:
    """The stored content of the log, and its ``created_at`` in microseconds (now if not given).

    Raises ``InvalidInput`` listing every problem found.
    """
    if not isinstance(body, dict):
        raise InvalidInput.single(
            ("body",), "invalid", "Input should be a valid dictionary or object"
        )
    errors = [
        FieldError(("body", key), "extra_forbidden", "Extra inputs are not permitted")
        for key in body
        if key not in FIELDS
    ]
    if "base_url" not in body:
        errors.append(FieldError(("body", "base_url"), "required", "Field required"))
    for name, check in _CHECKS.items():
        if name in body:
            errors += check(body[name])
    if errors:
        raise InvalidInput(errors)
    content = {name: body.get(name) for name in FIELDS}
    if isinstance(content["response_code"], float):
        content["response_code"] = int(content["response_code"])
    return _finish(content, body.get("created_at"))


def _finish(content: dict[str, Any], raw_created_at: str | None) -> tuple[dict[str, Any], int]:
    """Defaults and the normalized ``created_at`` of a valid log."""
    if content["method"] is None:
        content["method"] = ""  # the stored log always has a method, as the schema's default
    if raw_created_at is None:
        occurred_at = now_us()
        content["created_at"] = isoformat_us(occurred_at)
        return content, occurred_at
    created_at, micros = _parse_created_at(raw_created_at)
    if not _is_rfc3339(raw_created_at):
        content["created_at"] = created_at.isoformat()  # naive or space-separated: normalize
    return content, micros
