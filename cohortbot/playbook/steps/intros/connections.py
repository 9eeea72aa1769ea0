"""Connections: Donut-style match rounds and the "did you meet?" follow-up.

A round runs at each occurrence of ``matching.cron`` (at most one per ``every_weeks`` weeks)
or on ``/cohort match now``, which counts toward that cadence: the scheduled round is skipped
until ``every_weeks`` weeks have passed since it (so members just matched are not told an
hour later that there is "no match for you this round"). A member with nobody new left to
meet meets again whom they met longest ago (``repeat_when_needed``), and the message says
so; a member who still sits out is told why once, not every round. Its seed is derived from
the community and the round id, and the round is recorded before anything is sent, so a
replay decides nothing twice; each message's key names the round, so next week's round
sends anew. The algorithm is in :mod:`.matching`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from cohortbot.playbook.actions import SendGroupMessage
from cohortbot.playbook.events import ButtonPressed, ScheduleFired
from cohortbot.playbook.messages import Button, ButtonStyle, RichMessage, mention, timestamp
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import ScheduleSpec, StepContext
from cohortbot.playbook.steps.intros.config import IntrosConfig, Matching
from cohortbot.playbook.steps.intros.matching import Candidate, Match, plan_round, seed_for
from cohortbot.playbook.steps.intros.model import (
    AskIfMet,
    Cadence,
    IntrosMember,
    MatchRecord,
    RoundRecord,
    Rounds,
)

__all__ = [
    "MET",
    "names",
    "next_scheduled",
    "on_ask_if_met",
    "on_match_schedule",
    "on_met",
    "run_round",
    "schedules",
]

Ctx = StepContext[IntrosConfig]
MET = "intros:met:"


def schedules(cfg: IntrosConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    if cfg.matching is None:
        return []
    return [
        ScheduleSpec(
            name="match", cron=cfg.matching.cron, grace=timedelta(hours=6), where=("matching", "cron")
        )
    ]


def names(users: Sequence[str], *, erased: int = 0) -> str:
    """Mentions of member ids, as a list a person reads ("<@a>, <@b> and <@c>")."""
    shown = [f"<@{u}>" for u in users] + ["a former member"] * erased
    if not shown:
        return ""
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _eligible(member: Member, section: IntrosMember, cfg: Matching, at: datetime) -> bool:
    return (
        member.present
        and not member.is_bot
        and not member.pending
        and (member.introduced_at is not None or not cfg.require_introduced)
        and not section.optout
        and not section.snoozed(at)
    )


def _interests(match: Match) -> str:
    """What the members share, claiming for all of them only what all of them share."""
    if match.common:
        return f"you share an interest in {', '.join(match.common)}"
    if match.shared:  # a trio where only two of them share these
        return f"some of you share an interest in {', '.join(match.shared)}"
    return ""


def _reason(match: Match, cfg: Matching) -> str:
    interests = _interests(match)
    if match.cross is not None:
        left, right = match.cross
        custom = next((c.reason for c in cfg.cross if c.groups == match.cross and c.reason), "")
        reason = custom or f"one of you is a {left} and one a {right}"
        reason = f"{reason}, and {interests}" if interests else reason
    elif interests:
        reason = interests
    elif match.repeat:
        reason = "there was nobody new left to match this round"
    else:
        return "you haven't met yet: a chance to meet someone new"
    if match.repeat:
        reason += (
            ". Some of you have met before: with this few members taking part, rather than "
            "sit out you meet again those you met longest ago"
        )
    return reason


def gap(cfg: Matching) -> timedelta:
    """The least time between two rounds of the cadence (12 hours short: DST-safe)."""
    return timedelta(weeks=cfg.every_weeks) - timedelta(hours=12)


def next_scheduled(ctx: Ctx, cfg: Matching, last: datetime | None) -> datetime | None:
    """When the next scheduled round will run, the last round having run at ``last``."""
    after = ctx.now if last is None else max(ctx.now, last + gap(cfg))
    return ctx.calendar.next(cfg.cron, ctx.playbook.timezone, after - timedelta(seconds=1))


async def on_match_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    cfg = ctx.config.matching
    if cfg is None or event.schedule != "intros.match":
        return
    cadence = await ctx.load(Cadence)
    if cadence.last is not None and event.occurrence - cadence.last < gap(cfg):
        return  # every other week, or a round run with /cohort match now counts for this one
    await ctx.store(Cadence(last=event.occurrence))
    await run_round(ctx, cfg, round_id=event.occurrence.strftime("%Y%m%dT%H%M%SZ"), at=event.occurrence)


async def run_round(
    ctx: Ctx, cfg: Matching, *, round_id: str, at: datetime, manual: bool = False
) -> RoundRecord | None:
    """Plan, record and announce one round; None if this round already ran."""
    rounds = await ctx.load(Rounds)
    if rounds.find(round_id) is not None:
        return None
    members: dict[str, Member] = {}
    candidates: list[Candidate] = []
    for member in await ctx.uow.members.list(ctx.community):
        section = ctx.section(member, IntrosMember)
        if _eligible(member, section, cfg, at):
            members[member.user.id] = member
            candidates.append(
                Candidate(id=member.user.id, interests=frozenset(section.interests), group=section.group)
            )
    plan = plan_round(
        candidates,
        seed=seed_for(ctx.community, round_id),
        history=rounds.pairs(last=cfg.avoid_repeats_for),
        cross=[c.groups for c in cfg.cross],
        relax=cfg.repeat_when_needed,
        met_before=rounds.last_met(),
    )
    previous = rounds.latest()
    record = RoundRecord(
        id=round_id,
        at=at,
        manual=manual,
        matches=[
            MatchRecord(
                members=list(m.members),
                shared=list(m.shared),
                cross=list(m.cross) if m.cross else None,
                repeat=m.repeat,
            )
            for m in plan.matches
        ],
        sat_out=list(plan.sat_out),
    )
    rounds.add(record)
    await ctx.store(rounds)
    follow_at = ctx.now + cfg.follow_up_after if cfg.follow_up_after is not None else None
    for match in plan.matches:
        _introduce(ctx, cfg, match, round_id, follow_at)
    if cfg.tell_sat_out:
        reason = _sat_out_reason(cfg, len(candidates))
        told_before = set(previous.sat_out) if previous is not None else set()
        for uid in plan.sat_out:
            if uid in told_before:
                continue  # told last round; the match message is the next word they get
            text = ctx.fill(cfg.sat_out, member=members[uid], reason=reason)
            _dm(ctx, members[uid].user, RichMessage(text=text), key=ctx.key("sat-out", round_id, uid))
    if follow_at is not None and plan.matches:
        await ctx.set_timer(AskIfMet(round=round_id), follow_at, name=round_id)
    return record


def _sat_out_reason(cfg: Matching, taking_part: int) -> str:
    if taking_part < 2:
        return "you're the only member taking part so far"
    if not cfg.repeat_when_needed:
        window = f" within {cfg.avoid_repeats_for} rounds" if cfg.avoid_repeats_for else ""
        return (
            "you have already been matched with everyone else taking part, and this community's "
            f"rounds don't repeat a match{window}"
        )
    return "every match this round was already a group of three"


def _dm(ctx: Ctx, user: UserRef, message: RichMessage, *, key: str) -> None:
    """A DM about matching; where DMs are refused, a mention in the intro channel."""
    ctx.dm(user, message, key=key, fallback=ctx.channel("intros"), fallback_prefix=f"{mention(user)} ")


def _introduce(ctx: Ctx, cfg: Matching, match: Match, round_id: str, follow_at: datetime | None) -> None:
    users = tuple(UserRef(ctx.community.platform, uid) for uid in match.members)
    text = ctx.fill(
        cfg.message,
        members=names(match.members),
        reason=_reason(match, cfg),
        interests=", ".join(match.common),
        when=timestamp(follow_at) if follow_at else "the end of the round",
    )
    key = ctx.key("match", round_id, "+".join(match.members))
    message = RichMessage(title=cfg.title, text=text)
    if ctx.capabilities.group_dms or ctx.capabilities.threads:
        # No bot group DMs (Discord): the adapter opens a private thread in the intro channel.
        ctx.emit(
            SendGroupMessage(
                key=key,
                community=ctx.community,
                to=users,
                message=message,
                fallback_channel=ctx.channel("intros"),
            )
        )
        return
    for user in users:  # neither group DMs nor threads: the same introduction to each of them
        _dm(ctx, user, message, key=f"{key}:{user.id}")


async def on_ask_if_met(timer: AskIfMet, ctx: Ctx) -> None:
    """The follow-up: ask each member of the round's matches (who hasn't answered) if they met."""
    cfg = ctx.config.matching
    record = (await ctx.load(Rounds)).find(timer.round)
    if cfg is None or record is None:
        return
    for match in record.matches:
        for uid in match.members:
            member = await ctx.member(UserRef(ctx.community.platform, uid))
            others = [o for o in match.members if o != uid]
            if member is None or not member.present or uid in match.met or not others:
                continue  # (no others: their partners all had their data deleted)
            buttons = (
                Button(
                    label="Yes, we met", action_id=MET + timer.round, value="yes", style=ButtonStyle.SUCCESS
                ),
                Button(label="Not yet", action_id=MET + timer.round, value="no"),
            )
            text = ctx.fill(cfg.ask, member=member, members=names(others, erased=match.erased))
            _dm(
                ctx,
                member.user,
                RichMessage(text=text, buttons=buttons),
                key=ctx.key("met-ask", timer.round, uid),
            )


async def on_met(event: ButtonPressed, ctx: Ctx) -> None:
    round_id = event.action_id.removeprefix(MET)
    rounds = await ctx.load(Rounds)
    record = rounds.find(round_id)
    match = record.match_of(event.actor.user.id) if record else None
    if match is None:
        ctx.respond(event.interaction, "I can't find that match any more, but thanks for answering!")
        return
    answer = "yes" if event.value == "yes" else "no"
    match.met[event.actor.user.id] = answer
    await ctx.store(rounds)
    if answer == "yes":
        ctx.respond(event.interaction, "Wonderful, thanks for telling me! I hope it was a good conversation.")
    else:
        ctx.respond(
            event.interaction, "No worries, there's still time. Maybe suggest a moment that suits you?"
        )
