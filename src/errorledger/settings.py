"""Typed settings, read once from ``ERRORLEDGER_*`` variables at start-up and passed down.

Nothing else in the package reads ``os.environ``. Every field is documented in
``docs/configuration.md`` (a test keeps the two in step).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import limits

from errorledger.errors import ConfigurationError

PREFIX = "ERRORLEDGER_"
MIB = 1024 * 1024


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def _parse_positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError(f"expected a positive whole number, got {raw!r}")
    return value


def _parse_rate_limit(raw: str) -> str:
    """The ``limits`` notation: ``100/second``, ``5000/minute``, ``10 per 1 second``."""
    try:
        limits.parse_many(raw)
    except ValueError as exc:
        raise ValueError(f"expected a rate such as 100/second, got {raw!r}") from exc
    return raw.strip()


def _parse_storage_uri(raw: str) -> str:
    uri = raw.strip()
    if not uri.startswith(("memory://", "redis://", "rediss://")):
        raise ValueError(f"expected memory:// or redis://host:port, got {raw!r}")
    return uri


def _parse_origin(raw: str) -> str:
    """A log origin prefix: also the name of the checkpoint signing key, so no spaces or
    ``+`` (C2SP signed-note key names)."""
    origin = raw.strip().rstrip("/")
    if not origin or any(c.isspace() or c == "+" for c in origin):
        raise ValueError(f"expected a name like logs.example.com, without spaces or +: {raw!r}")
    return origin


def _parse_log_level(raw: str) -> str:
    level = raw.strip().lower()
    if level not in {"critical", "error", "warning", "info", "debug"}:
        raise ValueError(f"expected critical, error, warning, info or debug, got {raw!r}")
    return level


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything the service can be told; the env name is ``ERRORLEDGER_`` + the field name."""

    data_dir: Path = Path(".errorledger")
    database_url: str = ""
    max_body_bytes: int = MIB
    max_json_depth: int = 32
    redact: bool = True
    redact_emails: bool = False
    oauth_token_ttl_seconds: int = 3600
    write_batch_max: int = 500
    write_queue_max: int = 2000
    log_level: str = "info"
    access_log: bool = False
    write_rate_limit: str = "1000/second"
    read_rate_limit: str = "1000/second"
    token_rate_limit: str = "10/second"  # noqa: S105  (a rate, not a secret)
    rate_limit_storage: str = "memory://"
    log_origin: str = "errorledger"
    keys_dir: Path | None = None

    def __post_init__(self) -> None:
        if not self.database_url:
            default = f"sqlite:///{(self.data_dir / 'errorledger.db').as_posix()}"
            object.__setattr__(self, "database_url", default)
        if self.keys_dir is None:
            object.__setattr__(self, "keys_dir", self.data_dir / "keys")

    @property
    def keys_path(self) -> Path:
        assert self.keys_dir is not None  # set in __post_init__
        return self.keys_dir

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (the process environment when omitted)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            name = PREFIX + field.name.upper()
            raw = env.get(name)
            if raw is None or raw == "":
                continue
            try:
                values[field.name] = _PARSERS[field.name](raw)
            except ValueError as exc:
                raise ConfigurationError(f"{name}: {exc}") from exc
        return cls(**values)

    @classmethod
    def env_names(cls) -> list[str]:
        return [PREFIX + field.name.upper() for field in dataclasses.fields(cls)]


_PARSERS: dict[str, Callable[[str], Any]] = {
    "data_dir": Path,
    "database_url": str.strip,
    "max_body_bytes": _parse_positive_int,
    "max_json_depth": _parse_positive_int,
    "redact": _parse_bool,
    "redact_emails": _parse_bool,
    "oauth_token_ttl_seconds": _parse_positive_int,
    "write_batch_max": _parse_positive_int,
    "write_queue_max": _parse_positive_int,
    "log_level": _parse_log_level,
    "access_log": _parse_bool,
    "write_rate_limit": _parse_rate_limit,
    "read_rate_limit": _parse_rate_limit,
    "token_rate_limit": _parse_rate_limit,
    "rate_limit_storage": _parse_storage_uri,
    "log_origin": _parse_origin,
    "keys_dir": Path,
}
