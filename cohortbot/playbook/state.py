"""Typed step state: documents per community, a section per member, read and written by model.

A step keeps its state one way (see ``StepContext.load/store/section``); this module holds the
models' bases and :class:`DocumentStore`, which published read APIs and reports use too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from cohortbot.playbook.ports import StateRepository
from cohortbot.playbook.refs import CommunityRef

__all__ = ["Document", "DocumentStore", "MemberSection", "StateError"]

log = logging.getLogger("cohortbot.engine")
D = TypeVar("D", bound="Document")
M = TypeVar("M", bound=BaseModel)


class StateError(ValueError):
    """Stored state that no longer fits its model: the step fails (and is rolled back) rather
    than overwrite it with defaults, so nothing is lost while someone looks."""


class Document(BaseModel):
    """A step's typed state: one JSON document per community (and per ``id`` if it has many).

    Stored under ``"<step>.<key>"`` or ``"<step>.<key>.<id>"``; read with ``ctx.load``/``ctx.find``,
    written with ``ctx.store``. Unknown fields are ignored, so an older document still loads;
    fields may keep short stored spellings with aliases (read by name or alias, written by alias).
    """

    model_config = ConfigDict(extra="ignore", validate_by_name=True, serialize_by_alias=True)

    key: ClassVar[str]


class MemberSection(BaseModel):
    """A step's typed part of one member's record (``Member.data[<step>]``)."""

    model_config = ConfigDict(extra="ignore", validate_by_name=True, serialize_by_alias=True)



@dataclass(frozen=True, slots=True)
class DocumentStore:
    """One step's typed documents in one community (also for published read APIs and reports)."""

    state: StateRepository
    community: CommunityRef
    step: str

    def _key(self, model: type[Document], id: str) -> str:
        return f"{self.step}.{model.key}" + (f".{id}" if id else "")

    async def find(self, model: type[D], id: str = "") -> D | None:
        raw = await self.state.get(self.community, self._key(model, id))
        if raw is None:
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            raise StateError(f"{self.step}: document {self._key(model, id)} is unreadable: {exc}") from None

    async def load(self, model: type[D], id: str = "") -> D:
        found = await self.find(model, id)
        return found if found is not None else model()

    async def store(self, doc: Document, id: str = "") -> None:
        await self.state.put(self.community, self._key(type(doc), id), doc.model_dump(mode="json"))

    async def drop(self, model: type[Document], id: str = "") -> None:
        await self.state.delete(self.community, self._key(model, id))

    async def ids(self, model: type[Document]) -> list[str]:
        prefix = self._key(model, "") + "."
        return [k.removeprefix(prefix) for k in await self.state.keys(self.community, prefix)]

    async def find_untyped(self, model: type[M], key: str) -> M | None:
        """A document stored before typed state under ``"<step>.<key>"``, read as ``model``.

        For moving old data over: store it as its typed document, then ``drop_untyped(key)``.
        """
        raw = await self.state.get(self.community, f"{self.step}.{key}")
        if raw is None:
            return None
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            raise StateError(f"{self.step}: document {self.step}.{key} is unreadable: {exc}") from None

    async def drop_untyped(self, key: str) -> None:
        await self.state.delete(self.community, f"{self.step}.{key}")
