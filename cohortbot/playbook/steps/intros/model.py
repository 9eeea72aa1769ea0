"""What the intros step keeps, typed: the member's part, the match rounds, the timers.

- Per member (``Member.data["intros"]``, :class:`IntrosMember`): interest names (never the
  text they came from), how many nudges were sent, and the match settings (opted out,
  snoozed until, group).
- Per community: the match rounds (:class:`Rounds`, stored as ``intros.rounds``: who was
  matched with whom, why, and who said they met; no message text, no names) and when the
  last scheduled round ran (:class:`Cadence`, ``intros.cadence``).
- Timers: :class:`Nudge` (a member who has not introduced themselves) and
  :class:`AskIfMet` (the "did you meet?" follow-up of a round).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cohortbot.playbook.step import Document, MemberSection, TimerPayload
from cohortbot.playbook.steps.intros.matching import pair

__all__ = [
    "ROUNDS_KEPT",
    "STEP_NAME",
    "AskIfMet",
    "Cadence",
    "IntrosMember",
    "MatchRecord",
    "Nudge",
    "RoundRecord",
    "Rounds",
]

STEP_NAME = "intros"
ROUNDS_KEPT = 104  # two years of weekly rounds


class IntrosMember(MemberSection):
    """The intros step's part of a member's record."""

    interests: list[str] = Field(default_factory=list)  # interest names, in the order added
    nudges: int = 0  # nudges sent, across memberships
    optout: bool = False  # out of the match rounds
    snooze_until: datetime | None = None  # no match rounds before this moment
    group: str | None = None  # the match group they chose (cross-group pairing)

    def add_interests(self, names: Iterable[str]) -> list[str]:
        """Add interests (keeping the existing order); returns the ones that were new."""
        new = [n for n in dict.fromkeys(names) if n not in self.interests]
        self.interests = self.interests + new
        return new

    def snoozed(self, at: datetime) -> bool:
        return self.snooze_until is not None and self.snooze_until > at


class MatchRecord(BaseModel):
    """One pair (or trio) of a round, by member id."""

    model_config = ConfigDict(extra="ignore")

    members: list[str]
    shared: list[str] = Field(default_factory=list)
    cross: list[str] | None = None
    repeat: bool = False  # some of them had met before (nobody new was left for one of them)
    met: dict[str, str] = Field(default_factory=dict)  # member id -> "yes" | "no"
    erased: int = 0  # members of this match who since had their data deleted

    @property
    def confirmed(self) -> bool:
        """Met, by the word of at least one of them."""
        return "yes" in self.met.values()


class RoundRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    at: datetime
    manual: bool = False
    matches: list[MatchRecord] = Field(default_factory=list)
    sat_out: list[str] = Field(default_factory=list)

    def match_of(self, member_id: str) -> MatchRecord | None:
        return next((m for m in self.matches if member_id in m.members), None)


class Rounds(Document):
    """The community's match rounds, oldest first (the last :data:`ROUNDS_KEPT`)."""

    key = "rounds"

    rounds: list[RoundRecord] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _from_a_plain_list(cls, value: Any) -> Any:
        # Stored as a bare JSON list of rounds before documents were typed.
        return {"rounds": value} if isinstance(value, list) else value

    def find(self, round_id: str) -> RoundRecord | None:
        return next((r for r in self.rounds if r.id == round_id), None)

    def add(self, record: RoundRecord) -> None:
        self.rounds = [*self.rounds, record][-ROUNDS_KEPT:]

    def pairs(self, *, last: int | None = None) -> set[frozenset[str]]:
        """Every pair matched in the ``last`` rounds (all kept rounds if None), trios included."""
        recent = self.rounds[-last:] if last else self.rounds
        found: set[frozenset[str]] = set()
        for record in recent:
            for match in record.matches:
                for i, a in enumerate(match.members):
                    for b in match.members[i + 1 :]:
                        found.add(pair(a, b))
        return found

    def last_met(self) -> dict[frozenset[str], int]:
        """Every pair ever matched (kept rounds) -> the index of the latest round it was in."""
        found: dict[frozenset[str], int] = {}
        for index, record in enumerate(self.rounds):
            for match in record.matches:
                for i, a in enumerate(match.members):
                    for b in match.members[i + 1 :]:
                        found[pair(a, b)] = index
        return found

    def latest(self) -> RoundRecord | None:
        return self.rounds[-1] if self.rounds else None

    def confirmed(self) -> int:
        """Matches confirmed met ("did you meet?" answered yes by at least one of them)."""
        return sum(1 for r in self.rounds for m in r.matches if m.confirmed)

    def about(self, member_id: str) -> list[dict[str, Any]]:
        """The member's part of every round: whom they were matched with and their answer."""
        found: list[dict[str, Any]] = []
        for record in self.rounds:
            entry: dict[str, Any] = {"round": record.id, "at": record.at.isoformat(), "manual": record.manual}
            match = record.match_of(member_id)
            if match is not None:
                entry["matched_with"] = [m for m in match.members if m != member_id]
                entry["shared_interests"] = list(match.shared)
                if match.cross:
                    entry["groups"] = list(match.cross)
                if member_id in match.met:
                    entry["met"] = match.met[member_id]
            elif member_id in record.sat_out:
                entry["sat_out"] = True
            else:
                continue
            found.append(entry)
        return found

    def forget(self, member_id: str) -> bool:
        """Remove the member from every round; their matches stay counted. True if anything changed."""
        changed = False
        for record in self.rounds:
            if member_id in record.sat_out:
                record.sat_out = [m for m in record.sat_out if m != member_id]
                changed = True
            for match in record.matches:
                if member_id in match.members:
                    match.members = [m for m in match.members if m != member_id]
                    match.erased += 1
                    match.met.pop(member_id, None)
                    changed = True
        return changed


class Cadence(Document):
    """When the last scheduled round ran (``every_weeks: 2`` skips every other occurrence)."""

    key = "cadence"

    last: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_a_plain_string(cls, value: Any) -> Any:
        # Stored as a bare ISO string before documents were typed.
        return {"last": value} if isinstance(value, str) else value


class Nudge(TimerPayload):
    """Nudge a member who has not introduced themselves (set at join, ``name="nudge<index>"``)."""

    member: str  # the member's id
    join: int  # their join count when it was set: a timer from an earlier membership is void


class AskIfMet(TimerPayload):
    """Ask the members of a round whether they met (``name`` is the round id)."""

    round: str
