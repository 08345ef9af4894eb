"""Parsing and request-building helpers for the TSA tests, all through asn1crypto."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import algos, cms, core, tsp

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(
    OPENSSL is None, reason="the openssl command line tool is not installed"
)


class TimeStampResp(core.Sequence):
    """asn1crypto's own makes timeStampToken mandatory; RFC 3161 has it OPTIONAL."""

    _fields = [  # noqa: RUF012  (asn1crypto reads this class attribute as is)
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def parse_response(der: bytes) -> Any:
    response = TimeStampResp.load(der, strict=True)
    response.native  # noqa: B018  (parses every field now, so that bad DER fails here)
    return response


def response_status(der: bytes) -> str:
    """Only the status, for many responses: a full parse of a token costs ~10 ms."""
    status: str = TimeStampResp.load(der, strict=True)["status"]["status"].native
    return status


def parse_token(der: bytes) -> Any:
    token = cms.ContentInfo.load(der, strict=True)
    token.native  # noqa: B018
    return token


def tst_info(token: Any) -> Any:
    return token["content"]["encap_content_info"]["content"].parsed


def signer_info(token: Any) -> Any:
    return token["content"]["signer_infos"][0]


def signed_attribute(token: Any, name: str) -> Any:
    for attribute in signer_info(token)["signed_attrs"]:
        if attribute["type"].native == name:
            return attribute["values"][0]
    raise AssertionError(f"no {name} attribute")


def make_request(
    digest: bytes,
    *,
    algorithm: str = "sha256",
    parameters: Any = None,
    nonce: int | None = None,
    cert_req: bool | None = None,
    policy: str | None = None,
    version: int = 1,
    extensions: Any = None,
) -> bytes:
    identifier = algos.AlgorithmIdentifier({"algorithm": algos.DigestAlgorithmId(algorithm).dotted})
    if parameters is not None:
        identifier["parameters"] = parameters
    fields: dict[str, Any] = {
        "version": version,
        "message_imprint": {
            "hash_algorithm": algos.DigestAlgorithm.load(identifier.dump()),
            "hashed_message": digest,
        },
    }
    if nonce is not None:
        fields["nonce"] = nonce
    if cert_req is not None:
        fields["cert_req"] = cert_req
    if policy is not None:
        fields["req_policy"] = policy
    if extensions is not None:
        fields["extensions"] = extensions
    return bytes(tsp.TimeStampReq(fields).dump())


def openssl(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert OPENSSL is not None
    return subprocess.run(
        [OPENSSL, *map(str, args)], cwd=cwd, capture_output=True, text=True, check=False
    )


def assert_verified(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verification: OK" in result.stdout


def assert_not_verified(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode != 0, result.stdout
    assert "Verification: FAILED" in result.stdout
