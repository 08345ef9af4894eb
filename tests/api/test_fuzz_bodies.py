"""No body makes a 5xx: each family's parser, fed what Hypothesis can make of JSON (NUL and
every other code point, integers of any size, floats, deep and odd shapes) and of raw
bytes, answers 2xx or 4xx, on SQLite and PostgreSQL; and whatever it stored reads back.
"""

from __future__ import annotations

import json
from datetime import timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from tests.support import Tenant

# Every code point, lone surrogates included: json.dumps writes those as "\ud800" escapes.
any_text = st.text(st.characters(exclude_categories=[]), max_size=40)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=16,
)
offsets = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
date_times = st.datetimes(timezones=st.none() | offsets).map(lambda moment: moment.isoformat())


def shaped(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with any of ``fields`` (each a likely value or any JSON) and stray keys."""
    return st.fixed_dictionaries(
        {}, optional={name: strategy | json_values for name, strategy in fields.items()}
    ) | st.dictionaries(st.sampled_from([*fields, "extra"]), json_values, max_size=6)


headers = st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=4)
message = st.fixed_dictionaries(
    {}, optional={"headers": headers | st.text(), "body": st.text() | json_values}
)
INTEGRATION_LOG = shaped(
    {
        "base_url": st.text(max_size=30),
        "full_url": st.text(max_size=30),
        "method": st.sampled_from(["GET", "POST"]) | st.text(max_size=5),
        "response_code": st.integers(),
        "response": message,
        "request": st.fixed_dictionaries(
            {}, optional={"headers": headers | st.text(), "payload": json_values}
        ),
        "created_at": date_times | st.text(max_size=30),
        "exception_type": st.text(max_size=30),
        "exception": st.text(),
    }
)
IMPORT_ERROR = shaped({"error": st.text(), "details": st.dictionaries(st.text(), json_values)})
import_message = shaped(
    {
        "code": st.text(max_size=210),
        "message": st.text(),
        "path": st.sampled_from(["", "/a", "/a/0"]) | st.text(max_size=10),
        "details": st.dictionaries(st.text(max_size=5), json_values, max_size=3),
    }
)
IMPORT_LOG = shaped(
    {
        "status": st.sampled_from(["Pending", "Failed", "Success"]) | st.text(max_size=10),
        "errors": st.lists(import_message, max_size=3),
        "warnings": st.lists(import_message, max_size=3),
    }
)
CAPSULE = shaped({"hashSha256_b64": st.text(max_size=50)})

FAMILIES = {
    "seed-000": ("/api/v3/integrations/{i}/logs", INTEGRATION_LOG),
    "seed-001": ("/import/orders/errors", IMPORT_ERROR),
    "seed-002": ("/v4/applications/{p}/envs/PRODUCTION/log-capsules", CAPSULE),
    "seed-003": ("/v3/projects/{p}/api-references/ref/logs", IMPORT_LOG),
}
BODIES = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def post(client: TestClient, tenant: Tenant, family: str, body: bytes) -> Any:
    path, _ = FAMILIES[family]
    url = path.replace("{p}", tenant.project_id).replace("{i}", str(tenant.integration_id))
    headers = {**tenant.bearer, "Content-Type": "application/json"}
    response = client.post(url, content=body, headers=headers)
    assert response.status_code < 500, (body[:300], response.text[:300])
    response.json()  # every answer, error or not, is JSON
    return response


def read_back(client: TestClient, tenant: Tenant) -> None:
    """Every entry stored so far lists and reads without a 5xx."""
    listed = client.get(f"/v1/projects/{tenant.project_id}/entries", headers=tenant.bearer)
    assert listed.status_code == 200, listed.text[:300]
    for entry in listed.json()["data"][:3]:
        url = f"/v1/projects/{tenant.project_id}/entries/{entry['id']}/content"
        assert client.get(url, headers=tenant.bearer).status_code == 200


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_shaped_bodies_never_make_a_5xx(client: TestClient, tenant: Tenant, family: str) -> None:
    @FUZZ
    @given(FAMILIES[family][1])
    def check(body: dict[str, Any]) -> None:
        post(client, tenant, family, json.dumps(body).encode())

    check()
    read_back(client, tenant)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_any_bytes_never_make_a_5xx(client: TestClient, tenant: Tenant, family: str) -> None:
    @FUZZ
    @given(BODIES)
    def check(body: bytes) -> None:
        post(client, tenant, family, body)

    check()
    read_back(client, tenant)
