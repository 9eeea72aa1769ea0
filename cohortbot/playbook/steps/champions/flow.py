"""The champions step's decisions: who is eligible, nomination cards, approve/decline/revoke,
and the quiet-champion review. Kept apart from the step's wiring to keep each module small.

Per-member state lives in ``member.data["champions"]``: ``ev`` (the evidence, see
``champions_scoring``), ``since``/``term``/``by`` (champion now, how many times, approved
by), ``nominated`` (a pending nomination), ``declined_until``, ``quiet`` (the last activity
a quiet flag was raised for) and ``mod`` (seen acting as a moderator).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cohortbot.playbook.actions import GrantRole, PostMessage, RevokeRole, SendDirectMessage
from cohortbot.playbook.messages import Button, ButtonStyle, RichMessage, channel_link, mention, timestamp
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import InteractionRef, UserRef
from cohortbot.playbook.steps.champions.scoring import (
    CREDIT_KINDS,
    Credit,
    Rules,
    load_evidence,
    rank,
    score,
    tally,
)

if TYPE_CHECKING:
    from cohortbot.playbook.step import StepContext
    from cohortbot.playbook.steps.champions.handlers import ChampionsConfig

    Ctx = StepContext[ChampionsConfig]

__all__ = [
    "APPROVE",
    "DECLINE",
    "approve",
    "candidate_lines",
    "champion_lines",
    "current_score",
    "decline",
    "eligible",
    "nomination",
    "quiet_review",
    "revoke",
    "state",
]

APPROVE = "champions:approve"
DECLINE = "champions:decline"
EVIDENCE_LINES = 8
LIST_CANDIDATES = 10
TALLY_LABELS = {
    "answer": "answers",
    "newcomer_reply": "first replies to newcomers",
    "thanks": "thanks received",
    "reaction": "reactions on replies",
    "intro_welcome": "intro welcomes",
}


def state(member: Member) -> dict[str, Any]:
    found: dict[str, Any] = member.data.setdefault("champions", {})
    return found


def _when(data: dict[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _peek(member: Member) -> dict[str, Any]:
    found = member.data.get("champions")
    return found if isinstance(found, dict) else {}


def current_score(ctx: Ctx, member: Member) -> float:
    return score(load_evidence(_peek(member).get("ev")), ctx.now, ctx.config.half_life)


def _moderator(ctx: Ctx, member: Member) -> bool:
    listed = ctx.playbook.moderators.includes(member.user, frozenset(), is_admin=False)
    return listed or bool(_peek(member).get("mod"))


def _candidate(ctx: Ctx, member: Member) -> bool:
    """Could be scored at all: a present human who didn't opt out and isn't a champion."""
    if member.is_bot or member.analytics_opt_out or not member.present or _peek(member).get("since"):
        return False
    return not (ctx.config.exclude_moderators and _moderator(ctx, member))


def eligible(
    ctx: Ctx, members: Sequence[Member], rules: Rules, *, limit: int | None, threshold: bool
) -> list[tuple[Member, float]]:
    """Candidates to nominate now, best first: no pending nomination, not recently declined."""
    now, cfg = ctx.now, ctx.config
    pool: list[tuple[str, list[Credit]]] = []
    for member in members:
        data = _peek(member)
        declined, nominated = _when(data, "declined_until"), _when(data, "nominated")
        if not _candidate(ctx, member) or (declined and declined > now):
            continue
        if nominated and now - nominated < cfg.decline_pause:
            continue  # awaiting the moderators' decision
        pool.append((member.user.id, load_evidence(data.get("ev"))))
    by_id = {m.user.id: m for m in members}
    minimum = cfg.min_score if threshold else 0.0
    return [(by_id[i], s) for i, s in rank(pool, now, rules.half_life, min_score=minimum, count=limit)]


def _summary(evidence: Sequence[Credit]) -> str:
    counts = tally(evidence)
    return ", ".join(f"{counts[k]} {label}" for k, label in TALLY_LABELS.items() if counts[k]) or "no credits"


def _evidence_lines(evidence: Sequence[Credit]) -> list[str]:
    newest = sorted(evidence, key=lambda c: c.at, reverse=True)[:EVIDENCE_LINES]
    return [
        f"- {CREDIT_KINDS.get(c.kind, c.kind)} <@{c.giver}> · {timestamp(c.when)}"
        + (f" (+{c.points:g})" if c.points else "")
        for c in newest
    ]


def _card(ctx: Ctx, member: Member, points: float) -> RichMessage:
    cfg = ctx.config
    evidence = load_evidence(_peek(member).get("ev"))
    lines = [f"{mention(member.user)} has a helpfulness score of **{points:.1f}** ({_summary(evidence)})."]
    lines += (
        ["", "Recent evidence:", *_evidence_lines(evidence)] if evidence else ["No evidence recorded yet."]
    )
    effects = ["sends them a DM about what being a champion means"]
    if cfg.role and ctx.capabilities.roles:
        effects.insert(0, f"grants the **{cfg.role}** role")
    celebrate = ctx.channel(cfg.celebrate.channel) if cfg.celebrate else None
    if celebrate is not None:
        effects.append(f"celebrates them in {channel_link(celebrate)}")
    lines += [
        "",
        "Approving " + ", ".join(effects[:-1]) + (" and " if len(effects) > 1 else "") + effects[-1] + ".",
    ]
    if cfg.role and not ctx.capabilities.roles:
        lines.append("This platform has no roles: the bot records them as a champion.")
    return RichMessage(
        title=f"Champion nomination: {member.display_name}",
        text="\n".join(lines),
        buttons=(
            Button(label="Approve", action_id=APPROVE, value=member.user.id, style=ButtonStyle.SUCCESS),
            Button(label="Decline", action_id=DECLINE, value=member.user.id, style=ButtonStyle.DANGER),
        ),
    )


async def nomination(
    ctx: Ctx, member: Member, points: float, *, key: str, interaction: InteractionRef | None = None
) -> str | None:
    """Put ``member`` up for approval; returns where the card went (None: answered inline)."""
    card = _card(ctx, member, points)
    channel = ctx.channel("moderators")
    if channel is None and interaction is None:
        return None  # nowhere to show it: not nominated
    state(member)["nominated"] = ctx.now.isoformat()
    await ctx.uow.members.save(member)
    if channel is not None:
        key = f"champions-nomination:{ctx.community}:{key}"
        ctx.emit(PostMessage(key=key, community=ctx.community, channel=channel, message=card))
        return channel_link(channel)
    if interaction is not None:  # no moderators' channel: show the card to whoever asked
        ctx.respond(interaction, card.text, title=card.title, buttons=card.buttons)
    return None


async def approve(ctx: Ctx, member: Member, *, by: UserRef) -> str:
    cfg, who = ctx.config, mention(member.user)
    data = state(member)
    if member.is_bot:
        return f"{who} is a bot."
    since = _when(data, "since")
    if since is not None:
        return f"{who} is already a champion (since {timestamp(since)})."
    term = int(data.get("term", 0)) + 1
    data.update(since=ctx.now.isoformat(), term=term, by=by.id)
    for key in ("nominated", "declined_until", "quiet"):
        data.pop(key, None)
    await ctx.uow.members.save(member)
    tag = f"{ctx.community}:{member.user.id}:{term}"
    granted = bool(cfg.role and ctx.capabilities.roles)
    if granted and cfg.role:
        ctx.emit(
            GrantRole(key=f"champions-role:{tag}", community=ctx.community, member=member.user, role=cfg.role)
        )
    role_name = cfg.role or "champion"
    ctx.emit(
        SendDirectMessage(
            key=f"champions-dm:{tag}",
            community=ctx.community,
            to=member.user,
            message=RichMessage(
                title="You're a community champion!", text=ctx.fill(cfg.dm, member=member, role=role_name)
            ),
            fallback_channel=ctx.channel("general"),
            fallback_prefix=f"{who} ",
        )
    )
    celebrate = ctx.channel(cfg.celebrate.channel) if cfg.celebrate else None
    if cfg.celebrate and celebrate is not None:
        text = ctx.fill(cfg.celebrate.message, member=member, role=role_name)
        ctx.emit(
            PostMessage(
                key=f"champions-celebrate:{tag}",
                community=ctx.community,
                channel=celebrate,
                message=RichMessage(text=text),
            )
        )
    done = f"Approved by {mention(by)}: {who} is now a champion"
    if granted:
        return f"{done} and has the **{cfg.role}** role."
    return f"{done} (this platform has no roles, so none was granted)." if cfg.role else f"{done}."


async def decline(ctx: Ctx, member: Member, *, by: UserRef) -> str:
    data, who = state(member), mention(member.user)
    if data.get("since"):
        return f"{who} is already a champion; `/cohort champions revoke {member.user.id}` removes the role."
    until = ctx.now + ctx.config.decline_pause
    data["declined_until"] = until.isoformat()
    data.pop("nominated", None)
    await ctx.uow.members.save(member)
    return f"Declined by {mention(by)}: {who} won't be nominated again before {timestamp(until)}."


async def revoke(ctx: Ctx, member: Member, *, by: UserRef) -> str:
    cfg, data, who = ctx.config, state(member), mention(member.user)
    if not data.get("since"):
        return f"{who} is not a champion."
    term = int(data.get("term", 1))
    for key in ("since", "by", "quiet"):
        data.pop(key, None)
    until = ctx.now + cfg.decline_pause
    data["declined_until"] = until.isoformat()
    await ctx.uow.members.save(member)
    if cfg.role and ctx.capabilities.roles:
        ctx.emit(
            RevokeRole(
                key=f"champions-revoke:{ctx.community}:{member.user.id}:{term}",
                community=ctx.community,
                member=member.user,
                role=cfg.role,
            )
        )
        return f"Revoked by {mention(by)}: {who} no longer has the **{cfg.role}** role."
    return f"Revoked by {mention(by)}: {who} is no longer a champion."


async def quiet_review(ctx: Ctx, members: Sequence[Member]) -> None:
    """Flag each champion silent for ``quiet_after`` once per quiet spell (hysteresis)."""
    after, channel = ctx.config.quiet_after, ctx.channel("moderators")
    if after is None:
        return
    for member in members:
        data = _peek(member)
        since = _when(data, "since")
        if since is None or member.is_bot:
            continue
        last = max(t for t in (member.last_active_at, since) if t is not None)
        flagged = _when(data, "quiet")
        changed = False
        if flagged is not None and last > flagged:
            data.pop("quiet")  # active again: the next quiet spell may be flagged
            flagged, changed = None, True
        if flagged is None and ctx.now - last >= after and channel is not None:
            data["quiet"] = last.isoformat()
            changed = True
            ctx.emit(
                PostMessage(
                    key=f"champions-quiet:{ctx.community}:{member.user.id}:{int(last.timestamp())}",
                    community=ctx.community,
                    channel=channel,
                    message=RichMessage(
                        title=f"Quiet champion: {member.display_name}",
                        text=_quiet_text(ctx, member, since, last),
                    ),
                )
            )
        if changed:
            member.data["champions"] = data
            await ctx.uow.members.save(member)


def _quiet_text(ctx: Ctx, member: Member, since: datetime, last: datetime) -> str:
    days = (ctx.now - last).days
    return (
        f"{mention(member.user)} (champion since {timestamp(since)}) has been quiet since "
        f"{timestamp(last)}: no posts or reactions for {days} days.\n"
        f"Maybe check in with them. `/cohort champions revoke {member.user.id}` removes the role; "
        "I won't flag them again until they are back and go quiet again."
    )


def champion_lines(ctx: Ctx, members: Sequence[Member]) -> list[str]:
    champions = [m for m in members if _peek(m).get("since")]
    if not champions:
        return ["**Champions**: none yet."]
    lines = [f"**Champions** ({len(champions)}):"]
    for member in sorted(champions, key=lambda m: _peek(m)["since"]):
        data = _peek(member)
        line = f"- {mention(member.user)} since {timestamp(datetime.fromisoformat(data['since']))}"
        if member.last_active_at is not None:
            line += f", last active {timestamp(member.last_active_at)}"
        lines.append(line + (" — flagged as quiet" if data.get("quiet") else ""))
    return lines


def candidate_lines(ctx: Ctx, members: Sequence[Member], rules: Rules) -> list[str]:
    pool = [(m.user.id, load_evidence(_peek(m).get("ev"))) for m in members if _candidate(ctx, m)]
    ranked = rank(pool, ctx.now, rules.half_life, count=LIST_CANDIDATES)
    if not ranked:
        return ["**Top candidates**: nobody has earned helpfulness points yet."]
    by_id = {m.user.id: m for m in members}
    lines = [f"**Top candidates** (nominated from {ctx.config.min_score:g} points, `{ctx.config.cron}`):"]
    for member_id, points in ranked:
        data = _peek(by_id[member_id])
        line = (
            f"- {mention(by_id[member_id].user)} **{points:.1f}** — {_summary(load_evidence(data.get('ev')))}"
        )
        nominated, declined = _when(data, "nominated"), _when(data, "declined_until")
        if nominated is not None:
            line += f" (nominated {timestamp(nominated)})"
        if declined is not None and declined > ctx.now:
            line += f" (declined until {timestamp(declined)})"
        lines.append(line)
    return lines
