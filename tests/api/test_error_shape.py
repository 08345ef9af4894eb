"""Every error of the integration exception logs family has the family's JSON:API shape."""

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from errorledger.errors import StorageUnavailable
from errorledger.runtime import Runtime
from tests.support import SEED_EXAMPLE, Tenant, create_tenant

Trigger = Callable[[TestClient, Tenant, Runtime, pytest.MonkeyPatch], Any]


def logs(tenant: Tenant) -> str:
    return f"/api/v3/integrations/{tenant.integration_id}/logs"


def unavailable(client: TestClient, tenant: Tenant, rt: Runtime, mp: pytest.MonkeyPatch) -> Any:
    async def down(*_args: object) -> int:
        raise StorageUnavailable("database unreachable")

    mp.setattr(rt.writer, "append", down)
    return client.post(logs(tenant), json=SEED_EXAMPLE, auth=tenant.basic)


def forbidden(client: TestClient, _t: Tenant, rt: Runtime, _mp: pytest.MonkeyPatch) -> Any:
    reader = create_tenant(rt.settings, name="reader", scopes=["read"])
    return client.post(logs(reader), json=SEED_EXAMPLE, auth=reader.basic)


TRIGGERS: dict[int, Trigger] = {
    400: lambda c, t, _s, _m: c.post(logs(t), json={"nope": 1}, auth=t.basic),
    401: lambda c, t, _s, _m: c.get(logs(t)),
    403: forbidden,
    404: lambda c, t, _s, _m: c.get(f"{logs(t)}/999999", auth=t.basic),
    405: lambda c, t, _s, _m: c.put(logs(t), auth=t.basic),
    413: lambda c, t, _s, _m: c.post(logs(t), content=b"x" * (2 << 20), auth=t.basic),
    503: unavailable,
}


def assert_family_shape(response: Any, status: int) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["errors"]
    assert body["errors"]
    for error in body["errors"]:
        assert set(error) <= {"status", "code", "title", "detail", "source"}
        assert error["status"] == str(status)
        assert isinstance(error["code"], str)
        assert error["code"]
        assert error["code"] == error["code"].lower()
        assert isinstance(error["title"], str)
        assert error["title"]
        assert isinstance(error["detail"], str)
        assert error["detail"]
        if "source" in error:
            assert set(error["source"]) == {"pointer"}
            assert error["source"]["pointer"].split("/")[0] in {"body", "query", "path"}


@pytest.mark.parametrize("status", sorted(TRIGGERS))
def test_every_error_has_the_family_shape(
    client: TestClient,
    tenant: Tenant,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
) -> None:
    assert_family_shape(TRIGGERS[status](client, tenant, runtime, monkeypatch), status)
