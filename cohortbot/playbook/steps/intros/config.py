"""The ``intros`` step's playbook section (re-exported by ``playbook.steps.intros``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.templates import Placeholders

__all__ = ["Acknowledge", "CrossPair", "IntrosConfig", "Matching", "Nudges"]

ACK_TEXT = Annotated[
    str, Placeholders("member", "mention", "community", "intro_channel", "welcome_channel", "interests")
]
NUDGE_TEXT = Annotated[
    str, Placeholders("member", "mention", "community", "intro_channel", "welcome_channel", "days")
]
MATCH_TEXT = Annotated[str, Placeholders("members", "reason", "interests", "when", "community")]
ASK_TEXT = Annotated[str, Placeholders("member", "members", "community")]
SAT_OUT_TEXT = Annotated[str, Placeholders("member", "reason", "community")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Acknowledge(_Section):
    reaction: str | None = "👋"  # added where the platform has reactions; null: none
    # In the intro's thread; where there are no threads, a post in the channel mentioning them.
    reply: ACK_TEXT | None = (
        "Welcome, {member}! Thanks for introducing yourself. Everyone, say hello to {mention}!"
    )
    alert_moderators: bool = False
    alert: ACK_TEXT = "{mention} ({member}) just introduced themselves in {intro_channel}. Say hello!"


class Nudges(_Section):
    after: Duration = timedelta(days=3)  # the first nudge, counted from the join
    every: Duration = timedelta(days=4)  # between further nudges
    max: int = Field(1, ge=0, le=10)  # never more nudges than this per member
    message: NUDGE_TEXT = (
        "Hi {member}! We'd love to get to know you: a few lines in {intro_channel} about who you are "
        "and what you're learning would be great."
    )


class CrossPair(_Section):
    groups: tuple[str, str]  # e.g. [mentor, mentee]: members of one are matched with the other
    reason: str = ""  # shown in the match message; default "one of you is a mentor, one a mentee"


class Matching(_Section):
    cron: str = "0 10 * * mon"  # when a round may run, in the community's time zone
    every_weeks: Literal[1, 2] = 1  # 2: every other occurrence of the cron
    require_introduced: bool = True  # only members who introduced themselves are matched
    follow_up_after: Duration | None = timedelta(days=5)  # ask "did you meet?"; null: never
    avoid_repeats_for: int | None = Field(None, ge=1)  # rounds; null: never repeat a pair
    # A member with nobody new left to meet meets again whom they met longest ago (small
    # cohorts), and the match says so; false: they sit out until someone new takes part.
    repeat_when_needed: bool = True
    groups: list[str] = Field(default_factory=list)  # what members may pick with /cohort match group
    cross: list[CrossPair] = Field(default_factory=list)
    tell_sat_out: bool = True  # DM members who could not be matched, saying why (once in a row)
    title: str = "You've been matched!"
    message: MATCH_TEXT = (
        "Hi {members}! You're this round's match in {community} because {reason}.\n"
        "Find a moment to chat (a call, a coffee, or right here). I'll check in with you around {when}."
    )
    ask: ASK_TEXT = "Hi {member}! Did you get to meet {members}?"
    sat_out: SAT_OUT_TEXT = (
        "Hi {member}, no match for you this round: {reason}. I'll write to you again when you're matched."
    )

    @model_validator(mode="after")
    def _cross_groups_are_known(self) -> Matching:
        for cross in self.cross:
            unknown = [g for g in cross.groups if g not in self.groups]
            if unknown:
                raise ValueError(f"cross names groups not listed in groups: {', '.join(unknown)}")
        return self


class IntrosConfig(StepConfig):
    min_length: int = Field(20, ge=1)  # shorter top-level posts ("hi!") are not an introduction
    acknowledge: Acknowledge = Acknowledge()
    interests: dict[str, list[str]] = Field(default_factory=dict)  # interest -> keywords
    interests_from_intro: bool = True  # keywords found in the introduction count as interests
    nudges: Nudges | None = None
    matching: Matching | None = None

    @field_validator("interests")
    @classmethod
    def _plain_names(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name in value:
            if not name.strip() or "," in name:
                raise ValueError(f"interest names must be non-empty and without commas: {name!r}")
        return {name.strip().lower(): [k.strip() for k in kws if k.strip()] for name, kws in value.items()}
