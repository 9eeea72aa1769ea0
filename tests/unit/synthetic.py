"""A synthetic community whose every health metric can be worked out by hand.

Time zone UTC. ``START`` is Monday 2 March 2026 00:00; week ``w`` (1-based) is
``[START + 7(w-1) days, START + 7w days)``; day ``d`` is ``START + d days``.

Members (all joined 14 days before START unless said otherwise):

- ``a0..a119`` regulars. Weeks 1-2: one message a day at 10:00 in #general (sentiment
  +0.5 in week 1, +0.2 in week 2). Week 3-4: ``a0..a29`` (the core) post daily at 10:00,
  ``a30..a119`` only on the Monday (sentiment 0.0 in week 3, -0.4 in week 4). Week 5: the
  core posts daily (sentiment +0.1). ``a0`` also answers questions (below).
- ``b0..b79`` reactors: one reaction a day at 11:00 in #general; ``b0..b39`` in weeks 1-2,
  ``b40..b79`` in week 1 only. They never post.
- ``c0..c99`` silent: never do anything.
- ``d0..d39`` newcomers: join on day 7 (Monday of week 2) at 09:00.
  ``d0..d19`` ask a question in #help on day 8 at 09:00 and post again on day 15 at 09:00.
  ``d20..d29`` post once in #help on day 10 at 09:00.
  ``d30..d39`` post their first message on day 16 at 09:00 (in #help) — too late to activate.
  ``d0..d24`` introduced themselves on day 7 at 12:00.
- Questions: ``d{k}``'s question (k = 0..19) is answered by ``a0`` after ``(k+1)*10`` minutes,
  in its thread for k < 15, by a reply to the asker in #help for k = 15, 16, and never for
  k = 17, 18, 19. Answers have sentiment +0.8. Three replies that do NOT answer:
  ``d0`` answers in their own thread after 5 minutes; ``a0`` replies to ``d17`` in #general
  (another channel) an hour later; ``a0`` replies to ``d18`` in #help an hour *before* the question.
- Excluded from everything: ``bot0``, ``bot1`` (bots, 10 messages a day in #general in week 2,
  sentiment -1) and ``o0..o2`` (opted out; a message a day in week 1, sentiment -1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cohortbot.playbook.ports import ActivityRecord, Member
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform, UserRef

__all__ = ["COMMUNITY", "START", "Community", "build", "day"]

START = datetime(2026, 3, 2, tzinfo=UTC)
COMMUNITY = CommunityRef(Platform.MEMORY, "synthetic")
GENERAL = ChannelRef(Platform.MEMORY, id="ch-general", name="general")
HELP = ChannelRef(Platform.MEMORY, id="ch-help", name="help")


def day(d: int, hour: int = 0, minute: int = 0) -> datetime:
    return START + timedelta(days=d, hours=hour, minutes=minute)


def user(name: str) -> UserRef:
    return UserRef(Platform.MEMORY, name, name)


@dataclass
class Community:
    members: list[Member] = field(default_factory=list)
    records: list[ActivityRecord] = field(default_factory=list)
    _seq: int = 0

    def member(self, name: str, *, joined: datetime, **kw: object) -> None:
        self.members.append(
            Member(community=COMMUNITY, user=user(name), display_name=name, joined_at=joined, **kw)  # type: ignore[arg-type]
        )

    def add(
        self,
        name: str,
        at: datetime,
        kind: str = "message",
        *,
        channel: ChannelRef = GENERAL,
        sentiment: float | None = None,
        question: bool = False,
        thread: str = "",
        reply_to: str | None = None,
    ) -> str:
        self._seq += 1
        message_id = f"m{self._seq}"
        self.records.append(
            ActivityRecord(
                community=COMMUNITY,
                user=user(name),
                channel=channel,
                at=at,
                kind=kind,
                message_id=message_id,
                thread_id=thread,
                reply_to=user(reply_to) if reply_to else None,
                length=40,
                is_question=question,
                sentiment=sentiment,
            )
        )
        return message_id


A_SENTIMENT = {1: 0.5, 2: 0.2, 3: 0.0, 4: -0.4, 5: 0.1}


def build() -> Community:
    c = Community()
    before = START - timedelta(days=14)
    for i in range(120):
        c.member(f"a{i}", joined=before)
    for i in range(80):
        c.member(f"b{i}", joined=before)
    for i in range(100):
        c.member(f"c{i}", joined=before)
    for i in range(40):
        c.member(f"d{i}", joined=day(7, 9), introduced_at=day(7, 12) if i < 25 else None)
    for i in range(2):
        c.member(f"bot{i}", joined=before, is_bot=True)
    for i in range(3):
        c.member(f"o{i}", joined=before, analytics_opt_out=True)

    for d in range(35):
        week = d // 7 + 1
        for i in range(120):
            core = i < 30
            if week <= 2 or (week <= 4 and (core or d % 7 == 0)) or (week == 5 and core):
                c.add(f"a{i}", day(d, 10), sentiment=A_SENTIMENT[week])
        for i in range(80):
            if week == 1 or (week == 2 and i < 40):
                c.add(f"b{i}", day(d, 11), "reaction")
        if week == 2:
            for i in range(2):
                for n in range(10):
                    c.add(f"bot{i}", day(d, 12, n), sentiment=-1.0)
        if week == 1:
            for i in range(3):
                c.add(f"o{i}", day(d, 13), sentiment=-1.0)

    c.add("a0", day(8, 8), "reply", channel=HELP, reply_to="d18")  # before d18's question
    for k in range(20):
        asked = day(8, 9)
        qid = c.add(f"d{k}", asked, channel=HELP, question=True)
        answer_at = asked + timedelta(minutes=10 * (k + 1))
        if k == 0:
            c.add("d0", asked + timedelta(minutes=5), "reply", channel=HELP, thread=qid)  # own thread
        if k < 15:
            c.add("a0", answer_at, "reply", channel=HELP, thread=qid, sentiment=0.8)
        elif k < 17:
            c.add("a0", answer_at, "reply", channel=HELP, reply_to=f"d{k}", sentiment=0.8)
        elif k == 17:
            c.add("a0", asked + timedelta(hours=1), "reply", channel=GENERAL, reply_to="d17")
        c.add(f"d{k}", day(15, 9), channel=HELP)
    for k in range(20, 30):
        c.add(f"d{k}", day(10, 9), channel=HELP)
    for k in range(30, 40):
        c.add(f"d{k}", day(16, 9), channel=HELP)
    c.records.sort(key=lambda r: r.at)
    return c
