"""C2SP tlog-tiles: paths, which stored hashes a tile holds, and entry bundles."""

from __future__ import annotations

import pytest

from errorledger.tlog.stored import MemoryHashStore, MissingHashError
from errorledger.tlog.tiles import (
    ENTRIES_LEVEL,
    Tile,
    entry_bundle,
    parse_entry_bundle,
    parse_hash_tile,
    parse_tile_path,
    tile_bytes,
    tile_exists,
    tile_leaf_indices,
    tile_nodes,
    tile_width,
    tiles_for_size,
)
from tests.tlog.reference import ReferenceTree


@pytest.mark.parametrize(
    ("tile", "path"),
    [
        (Tile(0, 0), "0/000"),
        (Tile(0, 999), "0/999"),
        (Tile(0, 1000), "0/x001/000"),
        (Tile(0, 1234067), "0/x001/x234/067"),
        (Tile(0, 1234, 17), "0/x001/234.p/17"),
        (Tile(1, 0, 3), "1/000.p/3"),
        (Tile(63, 5, 255), "63/005.p/255"),
        (Tile(ENTRIES_LEVEL, 3, 232), "entries/003.p/232"),
        (Tile(ENTRIES_LEVEL, 1000), "entries/x001/000"),
    ],
)
def test_paths_round_trip(tile: Tile, path: str) -> None:
    assert tile.path == path
    assert parse_tile_path(path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "",
        "0",
        "0/",
        "0/1",
        "0/01",
        "0/0001",
        "0/x000/001",  # leading zero group
        "0/001/002",
        "0/x001",
        "0/x001/",
        "00/000",
        "64/000",
        "-1/000",
        "data/000",
        "tile/0/000",
        " 0/000",
        "0/000.p",
        "0/000.p/",
        "0/000.p/0",
        "0/000.p/256",
        "0/000.p/017",
        "0/000.q/1",
        "0/x001.p/1/000",
        "0/000.p/1/2",
        "0/000/",
        "entries",
        "entries/000.p/17/x",
    ],
)
def test_malformed_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match="tile"):
        parse_tile_path(path)


def test_tiles_of_the_spec_example() -> None:
    tiles = tiles_for_size(70_000)
    assert tiles[:273] == [Tile(0, n) for n in range(273)]
    assert tiles[273:] == [Tile(0, 273, 112), Tile(1, 0), Tile(1, 1, 17), Tile(2, 0, 1)]
    assert tiles_for_size(256) == [Tile(0, 0), Tile(1, 0, 1)]
    assert tiles_for_size(0) == []


def test_which_tiles_a_tree_has() -> None:
    assert tile_width(0, 3, 1000) == 232
    assert tile_width(1, 0, 1000) == 3
    assert tile_width(ENTRIES_LEVEL, 3, 1000) == 232
    assert tile_width(0, 4, 1000) == 0
    assert tile_exists(Tile(0, 3, 232), 1000)
    assert tile_exists(Tile(0, 3, 100), 1000)  # a prefix of what the tree has
    assert tile_exists(Tile(0, 2), 1000)
    assert not tile_exists(Tile(0, 3), 1000)
    assert not tile_exists(Tile(0, 3, 233), 1000)
    assert not tile_exists(Tile(1, 0, 4), 1000)
    assert not tile_exists(Tile(2, 0, 1), 1000)


def test_tile_contents_are_stored_hashes(store: MemoryHashStore, reference: ReferenceTree) -> None:
    assert tile_nodes(Tile(1, 2, 3)) == [(8, 512), (8, 513), (8, 514)]
    level_1 = tile_bytes(Tile(1, 0, 1), store.hashes)
    assert level_1 == reference.mth(0, 256)
    level_0 = parse_hash_tile(tile_bytes(Tile(0, 1, 44), store.hashes), Tile(0, 1, 44))
    assert level_0 == [reference.mth(i, i + 1) for i in range(256, 300)]
    with pytest.raises(MissingHashError, match=r"0/001\.p/45"):
        tile_bytes(Tile(0, 1, 45), store.hashes)
    with pytest.raises(ValueError, match="expected 1408"):
        parse_hash_tile(level_1, Tile(0, 1, 44))


def test_entry_bundles_round_trip() -> None:
    entries = [b"", b"a", b"x" * 0xFFFF, b'{"k":1}']
    bundle = entry_bundle(entries)
    assert bundle[:5] == b"\x00\x00\x00\x01a"
    assert parse_entry_bundle(bundle) == entries
    with pytest.raises(ValueError, match="uint16"):
        entry_bundle([b"x" * 0x10000])
    with pytest.raises(ValueError, match="inside an entry"):
        parse_entry_bundle(b"\x00\x02a")
    with pytest.raises(ValueError, match="inside a length"):
        parse_entry_bundle(b"\x00\x01a\x00")


def test_entry_bundles_hold_leaves_not_hashes() -> None:
    assert tile_leaf_indices(Tile(ENTRIES_LEVEL, 3, 232)) == range(768, 1000)
    with pytest.raises(ValueError, match="leaf data"):
        tile_nodes(Tile(ENTRIES_LEVEL, 0))
    with pytest.raises(ValueError, match="leaf data"):
        tile_leaf_indices(Tile(0, 0))


@pytest.mark.parametrize(("args"), [(-2, 0, 1), (64, 0, 1), (0, -1, 1), (0, 0, 0), (0, 0, 257)])
def test_impossible_tiles_are_refused(args: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError, match="tile"):
        Tile(*args)
