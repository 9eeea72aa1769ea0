"""Question banks: rotate without repeats until used up, then reshuffle or stop.

Pure: the rotation is the step's ``Rotation`` document (one per schedule, see model.py);
:class:`Bank` moves it on. Questions are known by a stable id (a hash of their text), so
reordering or extending the playbook's bank never repeats a question inside a round, and
questions added by moderators join the current round.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import Literal

from cohortbot.playbook.steps.prompts.model import Rotation

__all__ = ["Bank", "question_id"]

Exhausted = Literal["reshuffle", "stop"]


def question_id(text: str) -> str:
    """A stable id for a question (whitespace-insensitive)."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:12]


class Bank:
    """The playbook's questions plus the added ones, rotated by a :class:`Rotation`."""

    def __init__(
        self,
        configured: Sequence[str],
        rotation: Rotation,
        *,
        seed: str,
        when_exhausted: Exhausted = "reshuffle",
    ) -> None:
        self.rotation = rotation
        self.seed = seed
        self.when_exhausted = when_exhausted
        self.questions: dict[str, str] = {}
        for text in [*configured, *rotation.added]:
            if text.strip():
                self.questions.setdefault(question_id(text), text.strip())

    def text(self, qid: str | None) -> str | None:
        return self.questions.get(qid) if qid else None

    def add(self, text: str) -> bool:
        """Append a question; False if the bank already has it."""
        qid = question_id(text)
        if qid in self.questions:
            return False
        self.rotation.added.append(text.strip())
        self.questions[qid] = text.strip()
        return True

    def upcoming(self) -> list[str]:
        """The rest of this round, in order (questions new to the bank come last)."""
        rot = self.rotation
        used = set(rot.used)
        ordered = [q for q in rot.order if q in self.questions and q not in used]
        listed = set(rot.order)
        return ordered + [q for q in self.questions if q not in listed and q not in used]

    def stopped(self) -> bool:
        """Nothing left to ask, and this bank stops rather than reshuffles."""
        return not self.upcoming() and (self.when_exhausted == "stop" or not self.questions)

    def take(self, *, skip: bool = False) -> str | None:
        """The next question (marked asked, or skipped); None when the bank is used up."""
        upcoming = self.upcoming()
        if not upcoming:
            if self.when_exhausted == "stop" or not self.questions:
                return None
            self._reshuffle()
            upcoming = self.upcoming()
        qid = upcoming[0]
        self.rotation.used.append(qid)
        if skip:
            self.rotation.skipped.append(qid)
        self.rotation.last = qid
        return qid

    def _reshuffle(self) -> None:
        rot = self.rotation
        rot.round += 1
        order = list(self.questions)
        random.Random(f"{self.seed}|{rot.round}").shuffle(order)
        if len(order) > 1 and order[0] == rot.last:
            order.append(order.pop(0))  # never the same question twice in a row
        rot.order, rot.used, rot.skipped = order, [], []
