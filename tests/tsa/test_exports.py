"""The package's facade names everything its modules offer, and nothing else."""

from __future__ import annotations

import types

import errorledger.tsa as tsa


def test_all_names_exist() -> None:
    assert [name for name in tsa.__all__ if not hasattr(tsa, name)] == []
    assert len(set(tsa.__all__)) == len(tsa.__all__)


def test_every_public_name_is_in_all() -> None:
    public = {
        name
        for name, value in vars(tsa).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == set(tsa.__all__)
