"""C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile paths, tile contents, entry bundles.

The hash tile at level L and index N holds W stored hashes of level 8·L, indices
``N·256`` to ``N·256 + W - 1``; an entry bundle holds the leaf data of the level 0 tile of
the same index. As in Go's ``sumdb/tlog``, an entry bundle is a tile of level -1.

Paths here are relative to ``<prefix>/tile/``: ``0/x001/234.p/17``, ``entries/000``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

from errorledger.tlog.stored import MissingHashError, NodeId
from errorledger_client.log.hashing import HASH_SIZE

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
ENTRIES_LEVEL = -1
MAX_ENTRY_SIZE = 0xFFFF

_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_INDEX_PREFIX = re.compile(r"x[0-9]{3}")
_INDEX_LAST = re.compile(r"[0-9]{3}")


@dataclasses.dataclass(frozen=True, order=True)
class Tile:
    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not ENTRIES_LEVEL <= self.level <= MAX_LEVEL:
            raise ValueError(f"tile level {self.level} is not in [-1, {MAX_LEVEL}]")
        if self.index < 0:
            raise ValueError(f"tile index {self.index} is negative")
        if not 1 <= self.width <= TILE_WIDTH:
            raise ValueError(f"tile width {self.width} is not in [1, {TILE_WIDTH}]")

    @property
    def is_entries(self) -> bool:
        return self.level == ENTRIES_LEVEL

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        level = "entries" if self.is_entries else str(self.level)
        partial = f".p/{self.width}" if self.is_partial else ""
        return f"{level}/{_index_path(self.index)}{partial}"


def parse_tile_path(path: str) -> Tile:
    """The tile that ``path`` names; ValueError unless it is in canonical C2SP form."""
    elements = path.split("/")
    width = TILE_WIDTH
    if len(elements) >= 3 and elements[-2].endswith(".p"):
        if not _WIDTH.fullmatch(elements[-1]):
            raise ValueError(f"bad tile width in {path!r}")
        width = int(elements[-1])
        elements = [*elements[:-2], elements[-2].removesuffix(".p")]
    if len(elements) < 2:
        raise ValueError(f"tile path {path!r} has no index")
    level_text, *index_parts = elements
    if level_text == "entries":
        level = ENTRIES_LEVEL
    elif _LEVEL.fullmatch(level_text):
        level = int(level_text)
    else:
        raise ValueError(f"bad tile level in {path!r}")
    if not _INDEX_LAST.fullmatch(index_parts[-1]) or not all(
        _INDEX_PREFIX.fullmatch(part) for part in index_parts[:-1]
    ):
        raise ValueError(f"bad tile index in {path!r}")
    index = int("".join(part.removeprefix("x") for part in index_parts))
    tile = Tile(level, index, width)
    # Rejects what the patterns let through but the spec does not: leading zero groups,
    # ".p/256", level 64 and up.
    if tile.path != path:
        raise ValueError(f"tile path {path!r} is not canonical; expected {tile.path!r}")
    return tile


def tile_width(level: int, index: int, tree_size: int) -> int:
    """How many hashes (or entries) tile ``level``/``index`` holds in a tree of that size."""
    available = tree_size >> (TILE_HEIGHT * max(level, 0))
    return max(0, min(TILE_WIDTH, available - index * TILE_WIDTH))


def tile_exists(tile: Tile, tree_size: int) -> bool:
    """Whether a tree of ``tree_size`` leaves has all of ``tile``'s contents.

    A partial tile is a prefix of the full tile it will become, so any width up to what
    the tree holds can be served.
    """
    return tile.width <= tile_width(tile.level, tile.index, tree_size)


def tiles_for_size(tree_size: int) -> list[Tile]:
    """Every hash tile of the tree of ``tree_size`` leaves, level by level."""
    tiles: list[Tile] = []
    level = 0
    while count := tree_size >> (TILE_HEIGHT * level):
        full, partial = divmod(count, TILE_WIDTH)
        tiles.extend(Tile(level, index) for index in range(full))
        if partial:
            tiles.append(Tile(level, full, partial))
        level += 1
    return tiles


def tile_leaf_indices(tile: Tile) -> range:
    """The leaf indices whose data an entry bundle holds."""
    if not tile.is_entries:
        raise ValueError("only entry bundles hold leaf data")
    start = tile.index * TILE_WIDTH
    return range(start, start + tile.width)


def tile_nodes(tile: Tile) -> list[NodeId]:
    """The stored hashes that make up a hash tile, in order."""
    if tile.is_entries:
        raise ValueError("entry bundles hold leaf data, not stored hashes")
    start = tile.index * TILE_WIDTH
    level = tile.level * TILE_HEIGHT
    return [(level, start + offset) for offset in range(tile.width)]


def tile_bytes(tile: Tile, stored: Mapping[NodeId, bytes]) -> bytes:
    """The hash tile's contents: its stored hashes, concatenated."""
    try:
        return b"".join(stored[node] for node in tile_nodes(tile))
    except KeyError as exc:
        raise MissingHashError(f"stored hash {exc.args[0]} not given for {tile.path}") from None


def parse_hash_tile(data: bytes, tile: Tile) -> list[bytes]:
    """The hashes in a hash tile's contents; ValueError if its length does not fit ``tile``."""
    if len(data) != tile.width * HASH_SIZE:
        raise ValueError(
            f"tile {tile.path} is {len(data)} bytes, expected {tile.width * HASH_SIZE}"
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def entry_bundle(entries: Sequence[bytes]) -> bytes:
    """Each entry as a big-endian uint16 length and its bytes."""
    parts: list[bytes] = []
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise ValueError(f"entry of {len(entry)} bytes does not fit a uint16 length")
        parts += (len(entry).to_bytes(2, "big"), entry)
    return b"".join(parts)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle; ValueError if one is cut short."""
    entries: list[bytes] = []
    position = 0
    while position < len(data):
        if position + 2 > len(data):
            raise ValueError("entry bundle ends inside a length prefix")
        size = int.from_bytes(data[position : position + 2], "big")
        position += 2
        if position + size > len(data):
            raise ValueError("entry bundle ends inside an entry")
        entries.append(data[position : position + size])
        position += size
    return entries


def _index_path(index: int) -> str:
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))
