from __future__ import annotations

from pathlib import Path

import pytest

from errorledger.tsa import TimeStampAuthority, TsaIdentity, generate_identity


@pytest.fixture(scope="session")
def identity() -> TsaIdentity:
    return generate_identity()


@pytest.fixture
def authority(identity: TsaIdentity) -> TimeStampAuthority:
    return TimeStampAuthority(identity)


@pytest.fixture
def ca_file(identity: TsaIdentity, tmp_path: Path) -> Path:
    """What a verifier is handed: the PEM ``GET /v1/tsa/certificate`` serves."""
    path = tmp_path / "tsa.pem"
    path.write_bytes(identity.certificate_pem())
    return path
