"""What the roster step keeps: the facilitators' roster, in buckets, and its lookups.

A roster row is one person a facilitator expects: a name, an email (the row's key, lower-cased),
optionally a platform handle and a cohort, and a one-time join code. Once the person is found
in the community (by email, handle, join code, or the import's platform lookup) the row
records their member id, when, and how.

Rows live in :class:`Bucket` documents (``roster.rows.<nn>``), each holding the rows whose id
hashes to it: a roster of 5,000 is 64 small documents, read whole for a list and one at a time
for a match. Two indexes answer "whose code is this" and "whose handle is this" the same way
(``roster.codes.<nn>``, ``roster.handles.<nn>``: key -> row id). :class:`Pending` holds the
matched members whose row was removed (the step publishes their ``Unenrol``). A matched
member's :class:`RosterMember` section names their row.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cohortbot.playbook.step import Document, MemberSection

__all__ = [
    "BUCKETS",
    "STEP_NAME",
    "Bucket",
    "CodeIndex",
    "HandleIndex",
    "MatchedBy",
    "Pending",
    "RosterMember",
    "Row",
    "bucket_of",
    "normal_email",
    "normal_handle",
    "row_id",
]

STEP_NAME = "roster"
BUCKETS = 64

MatchedBy = Literal["email", "handle", "code", "lookup"]


class Row(BaseModel):
    """One person on the roster (stored inside a :class:`Bucket`)."""

    model_config = ConfigDict(extra="ignore")

    name: str
    email: str  # as written in the file; its lower-cased form is the key
    handle: str = ""
    cohort: str = ""  # a cohort name of steps.cohorts, or "" for none
    code: str  # the one-time join code
    added_at: datetime
    member: str | None = None  # the member's platform user id, once matched
    joined_at: datetime | None = None
    matched_by: MatchedBy | None = None
    enrolled: str | None = None  # the cohort the roster put the member in (Enrol published)
    pending: bool = False  # the import changed it: the step has to enrol, move or record

    @property
    def joined(self) -> bool:
        return self.member is not None


class Bucket(Document):
    key = "rows"

    rows: dict[str, Row] = Field(default_factory=dict)  # row id -> row


class CodeIndex(Document):
    key = "codes"

    codes: dict[str, str] = Field(default_factory=dict)  # join code -> row id


class HandleIndex(Document):
    key = "handles"

    handles: dict[str, str] = Field(default_factory=dict)  # normal handle -> row id


class Pending(Document):
    """Matched members whose row was removed: the step takes them out of the cohort the roster
    put them in ("" for none) and forgets their row; then it empties this."""

    key = "pending"

    removed: list[tuple[str, str]] = Field(default_factory=list)  # (member id, cohort or "")


class RosterMember(MemberSection):
    row: str = ""  # the id of the member's roster row
    wrong: int = 0  # wrong join codes tried since wrong_since (at most a few a day)
    wrong_since: datetime | None = None


def normal_email(email: str) -> str:
    return email.strip().lower()


def normal_handle(handle: str) -> str:
    """``@Ada.L`` and ``ada.l`` are the same handle."""
    return handle.strip().removeprefix("@").strip().lower()


def row_id(email: str) -> str:
    """A row's id: a digest of its lower-cased email (no address in document keys)."""
    return hashlib.sha256(normal_email(email).encode()).hexdigest()[:20]


def bucket_of(key: str) -> str:
    """The bucket (``"00"``..``"63"``) a row id, code or handle lives in."""
    digest = hashlib.sha256(key.encode()).digest()
    return f"{int.from_bytes(digest[:4], 'big') % BUCKETS:02d}"
