"""The roster's documents read and written as rows: buckets, the code and handle indexes.

:class:`RosterStore` caches what it read within one unit of work and writes what changed on
:meth:`~RosterStore.flush`; the step and the import CLI both go through it, so the indexes
always follow the rows.
"""

from __future__ import annotations

from cohortbot.playbook.step import Document, DocumentStore
from cohortbot.playbook.steps.roster.model import (
    Bucket,
    CodeIndex,
    HandleIndex,
    Row,
    bucket_of,
    normal_handle,
    row_id,
)

__all__ = ["RosterStore"]


class RosterStore:
    def __init__(self, docs: DocumentStore) -> None:
        self.docs = docs
        self._buckets: dict[str, Bucket] = {}
        self._codes: dict[str, CodeIndex] = {}
        self._handles: dict[str, HandleIndex] = {}
        self._dirty: set[tuple[str, str]] = set()  # (kind, bucket)
        self._all = False

    # ------------------------------------------------------------------ reading

    async def _bucket(self, rid: str) -> Bucket:
        b = bucket_of(rid)
        if b not in self._buckets:
            self._buckets[b] = await self.docs.load(Bucket, b)
        return self._buckets[b]

    async def _code_index(self, code: str) -> CodeIndex:
        b = bucket_of(code)
        if b not in self._codes:
            self._codes[b] = await self.docs.load(CodeIndex, b)
        return self._codes[b]

    async def _handle_index(self, handle: str) -> HandleIndex:
        b = bucket_of(handle)
        if b not in self._handles:
            self._handles[b] = await self.docs.load(HandleIndex, b)
        return self._handles[b]

    async def row(self, rid: str) -> Row | None:
        return (await self._bucket(rid)).rows.get(rid)

    async def by_email(self, email: str) -> tuple[str, Row] | None:
        rid = row_id(email)
        row = await self.row(rid)
        return (rid, row) if row is not None else None

    async def by_code(self, code: str) -> tuple[str, Row] | None:
        rid = (await self._code_index(code)).codes.get(code)
        row = await self.row(rid) if rid else None
        return (rid, row) if rid and row is not None else None

    async def by_handle(self, handle: str) -> tuple[str, Row] | None:
        key = normal_handle(handle)
        if not key:
            return None
        rid = (await self._handle_index(key)).handles.get(key)
        row = await self.row(rid) if rid else None
        return (rid, row) if rid and row is not None else None

    async def all_rows(self) -> dict[str, Row]:
        """Every row, by id (every bucket read once)."""
        if not self._all:
            for b in await self.docs.ids(Bucket):
                if b not in self._buckets:
                    self._buckets[b] = await self.docs.load(Bucket, b)
            self._all = True
        return {rid: row for bucket in self._buckets.values() for rid, row in bucket.rows.items()}

    # ------------------------------------------------------------------ writing

    async def put(self, rid: str, row: Row) -> None:
        """Add or replace a row; its code and handle indexes follow."""
        bucket = await self._bucket(rid)
        old = bucket.rows.get(rid)
        if old is not None:
            await self._unindex(rid, old)
        bucket.rows[rid] = row
        self._dirty.add(("rows", bucket_of(rid)))
        (await self._code_index(row.code)).codes[row.code] = rid
        self._dirty.add(("codes", bucket_of(row.code)))
        handle = normal_handle(row.handle)
        if handle:
            (await self._handle_index(handle)).handles[handle] = rid
            self._dirty.add(("handles", bucket_of(handle)))

    async def remove(self, rid: str) -> Row | None:
        bucket = await self._bucket(rid)
        old = bucket.rows.pop(rid, None)
        if old is not None:
            self._dirty.add(("rows", bucket_of(rid)))
            await self._unindex(rid, old)
        return old

    async def _unindex(self, rid: str, row: Row) -> None:
        codes = await self._code_index(row.code)
        if codes.codes.get(row.code) == rid:
            del codes.codes[row.code]
            self._dirty.add(("codes", bucket_of(row.code)))
        handle = normal_handle(row.handle)
        if handle:
            handles = await self._handle_index(handle)
            if handles.handles.get(handle) == rid:
                del handles.handles[handle]
                self._dirty.add(("handles", bucket_of(handle)))

    async def flush(self) -> int:
        """Write every changed document (an empty one is dropped); how many were written."""
        written = 0
        for kind, b in sorted(self._dirty):
            if kind == "rows":
                await self._write(self._buckets[b], b, empty=not self._buckets[b].rows)
            elif kind == "codes":
                await self._write(self._codes[b], b, empty=not self._codes[b].codes)
            else:
                await self._write(self._handles[b], b, empty=not self._handles[b].handles)
            written += 1
        self._dirty.clear()
        return written

    async def _write(self, doc: Document, b: str, *, empty: bool) -> None:
        if empty:
            await self.docs.drop(type(doc), b)
        else:
            await self.docs.store(doc, b)
