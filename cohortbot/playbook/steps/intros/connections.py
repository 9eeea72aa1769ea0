"""Connections: Donut-style match rounds, the "did you meet?" follow-up, ``/cohort match ...``.

A round runs at each occurrence of ``matching.cron`` (at most one per ``every_weeks`` weeks)
or on ``/cohort match now``. Its seed is derived from the community and the round id, and the
round is recorded before anything is sent, so a replay decides nothing twice; each message's
key names the round, so next week's round sends anew.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from cohortbot.playbook.actions import SendDirectMessage, SendGroupMessage
from cohortbot.playbook.durations import parse_duration
from cohortbot.playbook.events import ButtonPressed, CommandInvoked, ScheduleFired, TimerFired
from cohortbot.playbook.messages import Button, ButtonStyle, RichMessage, mention, timestamp
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import ScheduleSpec, StepContext
from cohortbot.playbook.steps.intros.config import IntrosConfig, Matching
from cohortbot.playbook.steps.intros.interests import interests_of, intros_data, member_of
from cohortbot.playbook.steps.intros.matching import Candidate, Match, plan_round, seed_for
from cohortbot.playbook.steps.intros.records import (
    MatchRecord,
    RoundRecord,
    history_pairs,
    load_rounds,
    save_rounds,
)

__all__ = [
    "MET",
    "match_group",
    "match_history",
    "match_now",
    "match_optin",
    "match_optout",
    "match_snooze",
    "on_follow_up",
    "on_match_schedule",
    "on_met",
    "run_round",
    "schedules",
]

Ctx = StepContext[IntrosConfig]
MET = "intros:met:"
CADENCE_STATE = "intros.cadence"
MAX_SNOOZE = timedelta(weeks=26)


def schedules(cfg: IntrosConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    if cfg.matching is None:
        return []
    return [
        ScheduleSpec(
            name="match", cron=cfg.matching.cron, grace=timedelta(hours=6), where=("matching", "cron")
        )
    ]


def _names(users: Sequence[str]) -> str:
    shown = [f"<@{u}>" for u in users]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _eligible(member: Member, cfg: Matching, at: datetime) -> bool:
    data = member.data.get("intros", {})
    snoozed = data.get("snooze_until")
    return (
        member.present
        and not member.is_bot
        and not member.pending
        and (member.introduced_at is not None or not cfg.require_introduced)
        and not data.get("optout")
        and not (snoozed and datetime.fromisoformat(snoozed) > at)
    )


def _reason(match: Match, cfg: Matching) -> str:
    interests = ", ".join(match.shared)
    if match.cross is not None:
        left, right = match.cross
        custom = next((c.reason for c in cfg.cross if c.groups == match.cross and c.reason), "")
        reason = custom or f"one of you is a {left} and one a {right}"
        return f"{reason}, and you share an interest in {interests}" if interests else reason
    if interests:
        return f"you share an interest in {interests}"
    return "you haven't met yet: a chance to meet someone new"


async def on_match_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    cfg = ctx.config.matching
    if cfg is None or event.schedule != "intros.match":
        return
    last = await ctx.uow.state.get(ctx.community, CADENCE_STATE)
    gap = timedelta(weeks=cfg.every_weeks) - timedelta(hours=12)  # DST-safe
    if last is not None and event.occurrence - datetime.fromisoformat(last) < gap:
        return  # every other week: not this occurrence
    await ctx.uow.state.put(ctx.community, CADENCE_STATE, event.occurrence.isoformat())
    await run_round(ctx, cfg, round_id=event.occurrence.strftime("%Y%m%dT%H%M%SZ"), at=event.occurrence)


async def run_round(
    ctx: Ctx, cfg: Matching, *, round_id: str, at: datetime, manual: bool = False
) -> RoundRecord | None:
    """Plan, record and announce one round; None if this round already ran."""
    rounds = await load_rounds(ctx.uow, ctx.community)
    if any(r.id == round_id for r in rounds):
        return None
    members = {m.user.id: m for m in await ctx.uow.members.list(ctx.community) if _eligible(m, cfg, at)}
    candidates = [
        Candidate(id=uid, interests=frozenset(interests_of(m)), group=intros_data(m).get("group"))
        for uid, m in members.items()
    ]
    plan = plan_round(
        candidates,
        seed=seed_for(ctx.community, round_id),
        history=history_pairs(rounds, last=cfg.avoid_repeats_for),
        cross=[c.groups for c in cfg.cross],
    )
    record = RoundRecord(
        id=round_id,
        at=at,
        manual=manual,
        matches=[
            MatchRecord(
                members=list(m.members), shared=list(m.shared), cross=list(m.cross) if m.cross else None
            )
            for m in plan.matches
        ],
        sat_out=list(plan.sat_out),
    )
    await save_rounds(ctx.uow, ctx.community, [*rounds, record])
    follow_at = ctx.now + cfg.follow_up_after if cfg.follow_up_after is not None else None
    for match in plan.matches:
        _introduce(ctx, cfg, match, round_id, follow_at)
    if cfg.tell_sat_out:
        reason = (
            "not enough members are taking part this round"
            if len(candidates) < 2
            else "you have already been matched with everyone available this round"
        )
        for uid in plan.sat_out:
            text = ctx.fill(cfg.sat_out, member=members[uid], reason=reason)
            ctx.emit(_dm(ctx, members[uid].user, f"intros-sat-out:{ctx.community}:{round_id}:{uid}", text))
    if follow_at is not None and plan.matches:
        await ctx.set_timer(f"followup-{round_id}", follow_at, round=round_id)
    return record


def _dm(ctx: Ctx, user: UserRef, key: str, text: str, **kw: object) -> SendDirectMessage:
    return SendDirectMessage(
        key=key,
        community=ctx.community,
        to=user,
        message=RichMessage(text=text, **kw),  # type: ignore[arg-type]
        fallback_channel=ctx.channel("intros"),
        fallback_prefix=f"{mention(user)} ",
    )


def _introduce(ctx: Ctx, cfg: Matching, match: Match, round_id: str, follow_at: datetime | None) -> None:
    users = tuple(UserRef(ctx.community.platform, uid) for uid in match.members)
    text = ctx.fill(
        cfg.message,
        members=_names(match.members),
        reason=_reason(match, cfg),
        interests=", ".join(match.shared),
        when=timestamp(follow_at) if follow_at else "the end of the round",
    )
    key = f"intros-match:{ctx.community}:{round_id}:{'+'.join(match.members)}"
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
        ctx.emit(_dm(ctx, user, f"{key}:{user.id}", text, title=cfg.title))


async def on_follow_up(event: TimerFired, ctx: Ctx) -> None:
    cfg = ctx.config.matching
    round_id = str(event.data.get("round", ""))
    record = next((r for r in await load_rounds(ctx.uow, ctx.community) if r.id == round_id), None)
    if cfg is None or record is None:
        return
    for match in record.matches:
        for uid in match.members:
            member = await ctx.member(UserRef(ctx.community.platform, uid))
            if member is None or not member.present or uid in match.met:
                continue
            others = [o for o in match.members if o != uid]
            buttons = (
                Button(label="Yes, we met", action_id=MET + round_id, value="yes", style=ButtonStyle.SUCCESS),
                Button(label="Not yet", action_id=MET + round_id, value="no"),
            )
            text = ctx.fill(cfg.ask, member=member, members=_names(others))
            ctx.emit(
                _dm(
                    ctx,
                    member.user,
                    f"intros-met-ask:{ctx.community}:{round_id}:{uid}",
                    text,
                    buttons=buttons,
                )
            )


async def on_met(event: ButtonPressed, ctx: Ctx) -> None:
    round_id = event.action_id.removeprefix(MET)
    rounds = await load_rounds(ctx.uow, ctx.community)
    record = next((r for r in rounds if r.id == round_id), None)
    match = record.match_of(event.actor.user.id) if record else None
    if match is None:
        ctx.respond(event.interaction, "I can't find that match any more, but thanks for answering!")
        return
    answer = "yes" if event.value == "yes" else "no"
    match.met[event.actor.user.id] = answer
    await save_rounds(ctx.uow, ctx.community, rounds)
    if answer == "yes":
        ctx.respond(event.interaction, "Wonderful, thanks for telling me! I hope it was a good conversation.")
    else:
        ctx.respond(
            event.interaction, "No worries, there's still time. Maybe suggest a moment that suits you?"
        )


# ---------------------------------------------------------------------------- /cohort match ...


def _not_configured(event: CommandInvoked, ctx: Ctx) -> bool:
    if ctx.config.matching is None:
        ctx.respond(event.interaction, "Matching is not set up in this community's playbook.")
        return True
    return False


async def match_now(event: CommandInvoked, ctx: Ctx) -> None:
    cfg = ctx.config.matching
    if cfg is None:
        _not_configured(event, ctx)
        return
    record = await run_round(
        ctx, cfg, round_id="m" + ctx.now.strftime("%Y%m%dT%H%M%SZ"), at=ctx.now, manual=True
    )
    if record is None:
        ctx.respond(event.interaction, "A round just ran; try again in a moment.")
        return
    ctx.respond(
        event.interaction,
        f"Round done: {len(record.matches)} match(es) introduced, {len(record.sat_out)} member(s) sat out.",
    )


async def match_history(event: CommandInvoked, ctx: Ctx) -> None:
    rounds = await load_rounds(ctx.uow, ctx.community)
    if not rounds:
        ctx.respond(event.interaction, "No match rounds yet.")
        return
    lines = []
    for r in reversed(rounds[-8:]):
        met = sum(1 for m in r.matches if m.confirmed)
        kind = "manual" if r.manual else "scheduled"
        lines.append(
            f"- {timestamp(r.at)} ({kind}): {len(r.matches)} match(es), {met} confirmed met, "
            f"{len(r.sat_out)} sat out"
        )
    latest = rounds[-1]
    lines.append("Latest round:")
    for m in latest.matches:
        why = ", ".join(m.shared) or ("/".join(m.cross) if m.cross else "random")
        lines.append(f"- {_names(m.members)} ({why}){' ✓ met' if m.confirmed else ''}")
    ctx.respond(event.interaction, "\n".join(lines), title="Match rounds")


async def _update(event: CommandInvoked, ctx: Ctx, **changes: object) -> Member:
    member = await member_of(ctx, event.actor.user)
    data = intros_data(member)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    await ctx.uow.members.save(member)
    return member


async def match_snooze(event: CommandInvoked, ctx: Ctx) -> None:
    if _not_configured(event, ctx):
        return
    try:
        length = parse_duration(str(event.options.get("duration", "")))
    except ValueError as exc:
        ctx.respond(event.interaction, f"{exc}.")
        return
    length = min(length, MAX_SNOOZE)
    until = ctx.now + length
    await _update(event, ctx, snooze_until=until.isoformat())
    ctx.respond(
        event.interaction,
        f"Snoozed: no matches for you until {timestamp(until)}. "
        "`/cohort match optin` brings you back sooner.",
    )


async def match_optout(event: CommandInvoked, ctx: Ctx) -> None:
    if _not_configured(event, ctx):
        return
    await _update(event, ctx, optout=True)
    ctx.respond(event.interaction, "You're out of the match rounds. `/cohort match optin` to join again.")


async def match_optin(event: CommandInvoked, ctx: Ctx) -> None:
    if _not_configured(event, ctx):
        return
    member = await _update(event, ctx, optout=None, snooze_until=None)
    cfg = ctx.config.matching
    note = ""
    if cfg is not None and cfg.require_introduced and member.introduced_at is None:
        note = " Introduce yourself in {intro_channel} first: matches are for members who did."
    ctx.respond(event.interaction, ctx.fill("You're in the next match round!" + note))


async def match_group(event: CommandInvoked, ctx: Ctx) -> None:
    cfg = ctx.config.matching
    if cfg is None:
        _not_configured(event, ctx)
        return
    name = str(event.options.get("name", "")).strip().lower()
    groups = {g.lower(): g for g in cfg.groups}
    if not cfg.groups:
        ctx.respond(event.interaction, "This community has no match groups.")
    elif name in ("none", "-"):
        await _update(event, ctx, group=None)
        ctx.respond(event.interaction, "You're in no group now.")
    elif name not in groups:
        ctx.respond(event.interaction, f"Choose one of: {', '.join(cfg.groups)} (or none).")
    else:
        await _update(event, ctx, group=groups[name])
        ctx.respond(event.interaction, f"You're in the {groups[name]} group for match rounds.")
