"""The data directory and every file in it are private to the user that runs the service:
the database holds every record, and the key files beside it were already 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from errorledger.app import create_app
from errorledger.runtime import prepare_files
from errorledger.settings import Settings
from tests.support import SEED_EXAMPLE, create_tenant


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The usual umask, under which files are readable by everyone unless made otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_data_directory_and_database_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir)
    with TestClient(create_app(settings)) as client:
        tenant = create_tenant(settings)
        url = f"/api/v3/integrations/{tenant.integration_id}/logs"
        assert client.post(url, json=SEED_EXAMPLE, auth=tenant.basic).status_code == 201
        files = sorted(p.name for p in data_dir.iterdir() if p.is_file())
        assert {"errorledger.db", "errorledger.db-wal", "errorledger.db-shm"} <= set(files)
        assert {name: mode(data_dir / name) for name in files} == dict.fromkeys(files, 0o600)
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "keys") == 0o700


def test_files_made_before_the_rule_are_tightened(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    for name in ("errorledger.db", "errorledger.db-wal", "errorledger.db-shm"):
        (data_dir / name).touch(mode=0o644)
    prepare_files(Settings(data_dir=data_dir))
    assert mode(data_dir) == 0o700
    assert {p.name: mode(p) for p in data_dir.iterdir()} == {
        "errorledger.db": 0o600,
        "errorledger.db-wal": 0o600,
        "errorledger.db-shm": 0o600,
    }


def test_a_shared_directory_the_database_sits_in_is_left_shared(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # as /tmp is
    prepare_files(Settings(data_dir=tmp_path / "data", database_url=f"sqlite:///{shared / 'e.db'}"))
    assert mode(shared) == 0o1777
    assert mode(shared / "e.db") == 0o600
