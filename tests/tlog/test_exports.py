"""The package's facade: every name resolves, sorted as ruff's RUF022 sorts them."""

from __future__ import annotations

import errorledger.tlog as tlog


def test_all_names_resolve() -> None:
    assert all(hasattr(tlog, name) for name in tlog.__all__)
    assert len(set(tlog.__all__)) == len(tlog.__all__)


def test_all_is_sorted() -> None:
    def isort_key(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert tlog.__all__ == sorted(tlog.__all__, key=isort_key)
