"""The prompts step's typed state: bank rotations, the log of posted prompts, the post timer.

Stored as documents of the step (``prompts.rotation.<schedule>``, ``prompts.posted``), with
the field names the step always used, so state written by earlier versions still loads.
The log keeps counts and the repliers' member ids, never what anyone wrote.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from cohortbot.playbook.analytics.split import PromptEngagement
from cohortbot.playbook.step import Document, TimerPayload

__all__ = ["MAX_KEPT", "STEP_NAME", "PostPrompt", "PostedLog", "PostedPrompt", "Rotation"]

STEP_NAME = "prompts"
MAX_KEPT = 200  # prompts remembered per community (older ones stop counting replies)


class Rotation(Document):
    """One schedule's rotation through its bank (one document per schedule name).

    Questions are known by :func:`~cohortbot.playbook.steps.prompts.bank.question_id`.
    """

    key: ClassVar[str] = "rotation"

    round: int = 1
    order: list[str] = Field(default_factory=list)  # this round's order (empty: as written)
    used: list[str] = Field(default_factory=list)  # asked or skipped this round
    skipped: list[str] = Field(default_factory=list)  # skipped this round (a subset of used)
    last: str | None = None  # the last question taken (never first in the next round)
    added: list[str] = Field(default_factory=list)  # questions moderators added (their text)


class PostedPrompt(BaseModel):
    """One posted prompt: where it landed and how many replied (not what they wrote)."""

    model_config = ConfigDict(extra="ignore")

    key: str  # the PostMessage's idempotency key
    schedule: str
    question: str | None = None  # the question's id; None for announcements
    posted_at: datetime
    channel: str  # the channel's id, or its name when posted by name
    want_thread: bool = False
    message: str | None = None  # the platform's message id, once delivered
    thread: str | None = None  # the thread's own id where it has one (Discord)
    replies: int = 0
    repliers: list[str] = Field(default_factory=list)  # member ids (personal: see forget)
    erased_repliers: int = 0  # repliers who had their data deleted: still counted, not named
    late: bool = False
    manual: bool = False
    variant: str = ""

    def answered_by(self, message_ids: set[str]) -> bool:
        return bool({self.message, self.thread} & message_ids)

    def engagement(self) -> PromptEngagement:
        return PromptEngagement(
            schedule=self.schedule,
            key=self.key,
            question_id=self.question,
            posted_at=self.posted_at,
            replies=self.replies,
            repliers=len(self.repliers) + self.erased_repliers,
            manual=self.manual,
            late=self.late,
            variant=self.variant,
        )


class PostedLog(Document):
    """The most recent prompts of a community (at most :data:`MAX_KEPT`), oldest first."""

    key: ClassVar[str] = "posted"

    prompts: list[PostedPrompt] = Field(default_factory=list)

    def record(self, prompt: PostedPrompt) -> None:
        """Add a prompt (replacing one with the same key); the oldest go beyond :data:`MAX_KEPT`."""
        self.prompts = [p for p in self.prompts if p.key != prompt.key] + [prompt]
        self.prompts = self.prompts[-MAX_KEPT:]

    def entry(self, key: str) -> PostedPrompt | None:
        """The logged prompt posted with this action key."""
        return next((p for p in self.prompts if p.key == key), None)

    def count_reply(self, message_ids: Iterable[str], author: str) -> bool:
        """Count a reply to whichever prompt (message or thread) it answers; False if none."""
        wanted = {m for m in message_ids if m}
        for prompt in reversed(self.prompts):
            if prompt.answered_by(wanted):
                prompt.replies += 1
                if author not in prompt.repliers:
                    prompt.repliers.append(author)
                return True
        return False

    def last_post_in(self, channel: str) -> datetime | None:
        """When this step last posted in a channel."""
        return max((p.posted_at for p in self.prompts if p.channel == channel), default=None)

    def engagement(self, *, schedule: str | None = None) -> list[PromptEngagement]:
        """Every remembered prompt's engagement, newest first (optionally one schedule's)."""
        found = [p.engagement() for p in self.prompts if schedule is None or p.schedule == schedule]
        found.sort(key=lambda e: e.posted_at, reverse=True)
        return found

    def replied_by(self, member: str) -> list[PostedPrompt]:
        """The prompts a member replied to."""
        return [p for p in self.prompts if member in p.repliers]

    def forget(self, member: str) -> int:
        """Take a member's id out of every replier list, keeping the counts; prompts touched."""
        touched = self.replied_by(member)
        for prompt in touched:
            prompt.repliers = [r for r in prompt.repliers if r != member]
            prompt.erased_repliers += 1
        return len(touched)


class PostPrompt(TimerPayload):
    """A prompt held back (a variant's offset, quiet hours, the gap) is due: post it."""

    schedule: str
    occurrence: datetime  # the schedule's nominal time: seeds the variant, keys the post
    late: bool = False
