"""Real servers on SQLite for the auditor's tests, and the entries they log."""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import httpx

from errorledger.settings import Settings
from tests.serverproc import ServerPool, ServerProcess
from tests.support import SEED_EXAMPLE, Tenant, create_tenant


@dataclasses.dataclass
class Site:
    """A server process on a SQLite database in ``data_dir``."""

    server: ServerProcess
    data_dir: Path

    @property
    def database(self) -> Path:
        return self.data_dir / "errorledger.db"

    @property
    def url(self) -> str:
        return self.server.base_url


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'errorledger.db'}"


def start_site(data_dir: Path, log_dir: Path, pools: list[ServerPool]) -> Site:
    pool = ServerPool(data_dir=data_dir, database_url=sqlite_url(data_dir), log_dir=log_dir)
    pools.append(pool)
    [server] = pool.start()
    return Site(server, data_dir)


def new_tenant(site: Site) -> Tenant:
    settings = Settings(data_dir=site.data_dir, database_url=sqlite_url(site.data_dir))
    return create_tenant(settings, name=f"audited-{uuid.uuid4().hex[:8]}")


def post_logs(site: Site, tenant: Tenant, count: int, tag: str = "log") -> None:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        for n in range(count):
            body = {**SEED_EXAMPLE, "exception": f"{tag} {n}"}
            reply = client.post(
                f"/api/v3/integrations/{tenant.integration_id}/logs", json=body, auth=tenant.basic
            )
            assert reply.status_code == 201, reply.text
            reply = client.post(
                f"/import/{tag}/errors",
                json={"error": f"{tag} {n}", "details": {"row": n, "ratio": n / 7}},
                headers=tenant.bearer,
            )
            assert reply.status_code == 201, reply.text


def new_site(data_dir: Path, pools: list[ServerPool]) -> Site:
    """A server on a new database in ``data_dir``, with a project made before its first
    start, so that serve makes no default one."""
    create_tenant(Settings(data_dir=data_dir, database_url=sqlite_url(data_dir)))
    return start_site(data_dir, data_dir.parent, pools)
