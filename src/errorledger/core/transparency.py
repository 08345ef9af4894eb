"""Each project's transparency log as the API serves it: checkpoints, proofs, leaves, tiles.

Entries join the log in the transaction that stores them (``storage.sequencing``). A
checkpoint is made when one is asked for and the tree has grown since the last one, so
the checkpoint served always covers every entry committed before the request; every
checkpoint made is kept, so consistency from any of them can be proven later.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection

from errorledger.clock import now_us
from errorledger.core.authn import Principal
from errorledger.core.query import EntryQuery
from errorledger.core.records import CheckpointRecord, LeafFields
from errorledger.errors import InvalidInput, NotFound
from errorledger.keyring import Keyring
from errorledger.storage import merkle
from errorledger.storage.writes import Writer
from errorledger.tlog import tiles
from errorledger.tlog.proofs import (
    consistency_plan,
    consistency_proof,
    inclusion_plan,
    inclusion_proof,
)
from errorledger.tlog.signing import sign_checkpoint
from errorledger.tlog.stored import root_plan, stored_root
from errorledger.tsa.imprint import HashAlgorithm, MessageImprint
from errorledger_client.log.canonical import leaf_data
from errorledger_client.log.checkpoint import Checkpoint


class Transparency:
    def __init__(self, query: EntryQuery, writer: Writer, keys: Keyring, *, origin: str) -> None:
        self._query = query
        self._writer = writer
        self._keys = keys
        self._origin = origin

    def origin(self, project_id: str) -> str:
        return f"{self._origin}/{project_id}"

    async def checkpoint(self, principal: Principal, size: int | None = None) -> CheckpointRecord:
        """The checkpoint of ``size`` (one made earlier), or one covering the whole log."""

        def latest(conn: Connection) -> tuple[CheckpointRecord | None, int]:
            found = merkle.get_checkpoint(conn, principal.project_id, size)
            return found, merkle.tree_size(conn, principal.project_id)

        found, current = await self._query.read(principal, latest)
        if size is not None:
            if found is None:
                raise NotFound("Checkpoint")
            return found
        if found is not None and found.size == current:
            return found
        return await self._writer.run(lambda conn: self._make(conn, principal.project_id))

    def _make(self, conn: Connection, project_id: str) -> CheckpointRecord:
        """In the writer's transaction: a signed, timestamped checkpoint of the log now."""
        size = merkle.tree_size(conn, project_id)
        existing = merkle.get_checkpoint(conn, project_id, size)
        if existing is not None:
            return existing
        stored = merkle.read_hashes(conn, project_id, root_plan(size))
        root = stored_root(size, stored)
        note = sign_checkpoint(
            Checkpoint(self.origin(project_id), size, root), self._keys.log_signer
        )
        imprint = MessageImprint(HashAlgorithm.SHA256, hashlib.sha256(note.encode()).digest())
        record = CheckpointRecord(
            project_id=project_id,
            size=size,
            root_hash=root,
            note=note,
            timestamp_token=self._keys.tsa.issue(imprint).der,
            created_at=now_us(),
        )
        return merkle.insert_checkpoint(conn, record)

    async def inclusion(self, principal: Principal, leaf_index: int, tree_size: int) -> list[bytes]:
        def read(conn: Connection) -> list[bytes]:
            _require_size(conn, principal.project_id, tree_size, "tree_size")
            if not 0 <= leaf_index < tree_size:
                raise InvalidInput.single(
                    ("query", "leaf_index"), "invalid", "leaf_index must be below tree_size"
                )
            plan = inclusion_plan(leaf_index, tree_size)
            stored = merkle.read_hashes(conn, principal.project_id, plan)
            return inclusion_proof(leaf_index, tree_size, stored)

        return await self._query.read(principal, read)

    async def consistency(self, principal: Principal, first: int, second: int) -> list[bytes]:
        def read(conn: Connection) -> list[bytes]:
            _require_size(conn, principal.project_id, second, "second")
            if not 0 <= first <= second:
                raise InvalidInput.single(
                    ("query", "first"), "invalid", "first must be at most second"
                )
            plan = consistency_plan(first, second)
            stored = merkle.read_hashes(conn, principal.project_id, plan)
            return consistency_proof(first, second, stored)

        return await self._query.read(principal, read)

    async def leaves(self, principal: Principal, first: int, end: int) -> list[bytes]:
        """The exact leaf data of leaves [first, end)."""

        def read(conn: Connection) -> list[bytes]:
            rows = merkle.leaf_fields(conn, principal.project_id, first, end)
            return [_leaf(fields) for fields in rows]

        found = await self._query.read(principal, read)
        if len(found) != end - first:
            raise NotFound("Leaf")
        return found

    async def tile(self, principal: Principal, tile: tiles.Tile) -> bytes:
        def read(conn: Connection) -> bytes:
            # First, so that no index past the log (any number of digits) reaches a query.
            if not tiles.tile_exists(tile, merkle.tree_size(conn, principal.project_id)):
                raise NotFound("Tile")
            if tile.is_entries:
                indices = tiles.tile_leaf_indices(tile)
                rows = merkle.leaf_fields(conn, principal.project_id, indices.start, indices.stop)
                return tiles.entry_bundle([_leaf(fields) for fields in rows])
            stored = merkle.read_hashes(conn, principal.project_id, tiles.tile_nodes(tile))
            return tiles.tile_bytes(tile, stored)

        return await self._query.read(principal, read)


def _leaf(fields: LeafFields) -> bytes:
    return leaf_data(
        kind=fields.kind,
        entry_id=fields.entry_id,
        project=fields.project_id,
        source=fields.source,
        received_at=fields.received_at,
        content_sha256=fields.content_sha256,
    )


def _require_size(conn: Connection, project_id: str, size: int, name: str) -> None:
    if size > merkle.tree_size(conn, project_id):
        raise InvalidInput.single(("query", name), "invalid", f"{name} is larger than the log")
