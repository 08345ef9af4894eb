"""Where a record's request went: its URL's host, port and path, read once per record for
the hint's facts and the group."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

MAX_URL = 2000  # chars of a URL read: a host and a path are near its start


@dataclasses.dataclass(slots=True)  # not frozen: see records.py
class Address:
    host: str  # lower case; "" when the URL has none
    port: int | None
    path: str

    @property
    def host_port(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"


NO_ADDRESS = Address("", None, "")


def parse(url: str | None) -> Address:
    """``url``'s address; ``NO_ADDRESS`` for text that is no URL. The host and port are
    taken from the netloc here rather than by ``SplitResult.hostname`` and ``.port``, which
    parse it again at each call."""
    if not url:
        return NO_ADDRESS
    try:
        parts = urlsplit(url.strip()[:MAX_URL])
    except ValueError:
        return NO_ADDRESS
    netloc = parts.netloc.rpartition("@")[2]
    if netloc.startswith("["):  # an IPv6 literal
        host, _, rest = netloc[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port_text = netloc.partition(":")
    port = int(port_text) if port_text.isdigit() and len(port_text) <= 5 else None
    if port is not None and port > 65535:
        port = None
    return Address(host.lower(), port, parts.path)
