"""Every package facade: each name of ``__all__`` resolves, the list is sorted as ruff's
RUF022 sorts it, and it is complete: every public name the package holds is in it, save
its submodules (httpx's tests/test_exported_members.py does the same)."""

from __future__ import annotations

import importlib
import types

import pytest

FACADES = [
    "errorledger.tlog",
    "errorledger_client",
    "errorledger_client.audit",
    "errorledger_client.log",
]


@pytest.mark.parametrize("name", FACADES)
def test_all_names_resolve(name: str) -> None:
    package = importlib.import_module(name)
    assert all(hasattr(package, member) for member in package.__all__)
    assert len(set(package.__all__)) == len(package.__all__)


@pytest.mark.parametrize("name", FACADES)
def test_all_is_sorted(name: str) -> None:
    def isort_key(member: str) -> tuple[int, str]:
        return (0 if member.isupper() else 1 if member[0].isupper() else 2, member)

    package = importlib.import_module(name)
    assert package.__all__ == sorted(package.__all__, key=isort_key)


@pytest.mark.parametrize("name", FACADES)
def test_all_is_complete(name: str) -> None:
    package = importlib.import_module(name)
    public = {
        member
        for member, value in vars(package).items()
        if not member.startswith("_") and not isinstance(value, types.ModuleType)
    }
    exported = {member for member in package.__all__ if not member.startswith("_")}
    submodules = {m for m in exported if isinstance(getattr(package, m), types.ModuleType)}
    assert public == exported - submodules
