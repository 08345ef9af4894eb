"""Helpers shared by the tests."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from errorledger.clock import to_us
from errorledger.core.accounts import Accounts, IssuedKey
from errorledger.settings import Settings
from errorledger.storage import migrate
from errorledger.storage.database import create_database_engine, create_sqlite_file
from errorledger.tlog.leaf import content_digest
from errorledger_client.log.canonical import leaf_data

TRANSPARENCY_DOC = Path(__file__).resolve().parents[1] / "docs" / "transparency.md"
# A copy of shared/seeds/000_integration_logs.openapi.yaml, so the suite runs from any clone.
OPENAPI_000 = Path(__file__).parent / "data" / "seed_000_integration_logs.openapi.yaml"

SEED_EXAMPLE: dict[str, Any] = {
    "base_url": "https://example.com",
    "full_url": "https://example.com/order-note.json",
    "method": "POST",
    "response_code": 495,
    "response": {
        "headers": {
            "Cache-Control": "max-age=3600",
            "Content-Type": "text/html; charset=utf-8",
            "Connection": "keep-alive",
        },
        "body": "<!doctype html>\n<html>\n <head>\n <title>SSL Certificate Error</title>\n"
        " </head>\n </html>\n",
    },
    "request": {
        "headers": {
            "Cache-Control": "max-age=3600",
            "Content-Type": "text/html; charset=utf-8",
            "Connection": "keep-alive",
        },
        "payload": {"order_note": {"note": "Success"}},
    },
    "created_at": "2023-03-01T02:02:00+01:00",
    "exception_type": "requests.exceptions.SSLError",
    "exception": "An SSL error occurred",
}


@dataclasses.dataclass(frozen=True)
class Tenant:
    project_id: str
    integration_id: int
    key: IssuedKey

    @property
    def basic(self) -> tuple[str, str]:
        return (self.key.key_id, self.key.secret)

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key.token}"}


def create_tenant(
    settings: Settings, *, name: str = "shop", scopes: list[str] | None = None
) -> Tenant:
    create_sqlite_file(settings.database_url)
    engine = create_database_engine(settings.database_url, writer=True)
    try:
        migrate.upgrade(engine)
        accounts = Accounts(engine)
        project = accounts.create_project(name)
        integration = accounts.create_integration(project.id, f"{name} connector")
        key = accounts.create_key(project.id, scopes=scopes)
    finally:
        engine.dispose()
    return Tenant(project.id, integration.id, key)


def scoped_bearer(settings: Settings, tenant: Tenant, *scopes: str) -> dict[str, str]:
    """A bearer header for another key of ``tenant``'s project, with only ``scopes``."""
    engine = create_database_engine(settings.database_url, writer=True)
    try:
        key = Accounts(engine).create_key(tenant.project_id, scopes=list(scopes))
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {key.token}"}


def post_log(client: Any, tenant: Tenant, record: dict[str, Any]) -> dict[str, Any]:
    """Post a seed 000 log (``base_url`` filled in) and read it back as a native entry."""
    url = f"/api/v3/integrations/{tenant.integration_id}/logs"
    response = client.post(url, json={"base_url": "https://x", **record}, headers=tenant.bearer)
    assert response.status_code == 201, response.text
    entry = client.get(
        f"/v1/projects/{tenant.project_id}/entries/{response.json()['data']['id']}",
        headers=tenant.bearer,
    )
    assert entry.status_code == 200, entry.text
    data: dict[str, Any] = entry.json()["data"]
    return data


def entry_leaf_data(project_id: str, entry: dict[str, Any]) -> bytes:
    """The leaf data of a native API entry, recomputed from its content and identity; its
    ``content_sha256`` must be its content's digest."""
    digest = content_digest(entry["content"])
    assert digest == entry["content_sha256"], entry
    received = datetime.strptime(entry["received_at"], "%Y-%m-%dT%H:%M:%S.%f%z")
    return leaf_data(
        kind=entry["kind"],
        entry_id=entry["id"],
        project=project_id,
        source=entry["source"],
        received_at=to_us(received),
        content_sha256=digest,
    )


def seed_schema(name: str) -> dict[str, Any]:
    """A component schema of seed 000's OpenAPI document, with its references resolvable."""
    document = yaml.safe_load(OPENAPI_000.read_text())
    return {"$ref": f"#/components/schemas/{name}", "components": document["components"]}


def validate_against_seed(instance: Any, name: str) -> None:
    jsonschema.validate(
        instance,
        seed_schema(name),
        cls=jsonschema.Draft202012Validator,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def keyset_pages(client: Any, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every page of a keyset list, following ``Link: <…>; rel="next"`` from ``url``; each
    page's ``next_cursor`` must agree with its ``Link``."""
    pages = []
    next_url: str | None = url
    while next_url is not None:
        response = client.get(next_url, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        link = response.headers.get("link")
        if link is None:
            assert page["next_cursor"] is None
            next_url = None
        else:
            target, rel = link.split(">; ")
            assert rel == 'rel="next"'
            next_url = target.lstrip("<")
            assert f"cursor={page['next_cursor']}" in next_url
    return pages


# Paging parameters every keyset list refuses with a 400, and the field each one names.
BAD_KEYSET_QUERIES = (
    ("page_size=0", "query.page_size"),
    ("page_size=101", "query.page_size"),
    ("page_size=ten", "query.page_size"),
    ("cursor=not-ours", "query.cursor"),
)


def transparency_doc_blocks() -> list[tuple[str, str, str]]:
    """docs/transparency.md's ``sh`` and ``go`` blocks as (mark, language, body), in order:
    the mark is the first word of an HTML comment right above a block (``capsules``,
    ``standalone``), or empty."""
    text = TRANSPARENCY_DOC.read_text()
    return re.findall(r"(?:<!-- (\w+)[^\n]*-->\n)?```(sh|go)\n(.*?)```", text, re.S)
