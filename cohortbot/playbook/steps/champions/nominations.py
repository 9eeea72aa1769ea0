"""The moderators' side: nomination cards, approve / decline / revoke, the quiet-champion review."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from cohortbot.playbook.actions import GrantRole, RevokeRole
from cohortbot.playbook.messages import (
    Button,
    ButtonStyle,
    RichMessage,
    channel_link,
    literal,
    mention,
    timestamp,
)
from cohortbot.playbook.ports import Member
from cohortbot.playbook.refs import InteractionRef, UserRef
from cohortbot.playbook.steps.champions.candidates import section, summary
from cohortbot.playbook.steps.champions.model import FORMER_MEMBER, ChampionsSection
from cohortbot.playbook.steps.champions.scoring import CREDIT_KINDS, Credit

if TYPE_CHECKING:
    from cohortbot.playbook.step import StepContext
    from cohortbot.playbook.steps.champions.config import ChampionsConfig

    Ctx = StepContext[ChampionsConfig]

__all__ = [
    "APPROVE",
    "DECLINE",
    "approve",
    "decline",
    "nomination",
    "note_moderator",
    "quiet_review",
    "revoke",
]

APPROVE = "champions:approve"
DECLINE = "champions:decline"
EVIDENCE_LINES = 8


async def _save(ctx: Ctx, member: Member, part: ChampionsSection) -> None:
    ctx.set_section(member, part)
    await ctx.uow.members.save(member)


async def note_moderator(ctx: Ctx, user: UserRef) -> None:
    """Remember who acts as a moderator, so they are not put up as candidates."""
    member = await ctx.member(user)
    if member is not None and not (part := section(ctx, member)).seen_as_moderator:
        part.seen_as_moderator = True
        await _save(ctx, member, part)


def _giver(credit: Credit) -> str:
    return f"<@{credit.giver}>" if credit.giver != FORMER_MEMBER else "a former member"


def _evidence_lines(evidence: Sequence[Credit]) -> list[str]:
    newest = sorted(evidence, key=lambda c: c.at, reverse=True)[:EVIDENCE_LINES]
    return [
        f"- {CREDIT_KINDS.get(c.kind, c.kind)} {_giver(c)} · {timestamp(c.when)}"
        + (f" (+{c.points:g})" if c.points else "")
        for c in newest
    ]


def _card(ctx: Ctx, member: Member, points: float) -> RichMessage:
    cfg = ctx.config
    evidence = section(ctx, member).evidence
    lines = [f"{mention(member.user)} has a helpfulness score of **{points:.1f}** ({summary(evidence)})."]
    lines += (
        ["", "Recent evidence:", *_evidence_lines(evidence)] if evidence else ["No evidence recorded yet."]
    )
    effects = ["sends them a DM about what being a champion means"]
    if cfg.role and ctx.capabilities.roles:
        effects.insert(0, f"grants the **{literal(cfg.role)}** role")
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
        title=f"Champion nomination: {literal(member.display_name)}",
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
    part = section(ctx, member)
    part.nominated = ctx.now
    await _save(ctx, member, part)
    if channel is not None:
        ctx.post(channel, card, key=ctx.key("nomination", key))
        return channel_link(channel)
    if interaction is not None:  # no moderators' channel: show the card to whoever asked
        ctx.respond(interaction, card.text, title=card.title, buttons=card.buttons)
    return None


async def approve(ctx: Ctx, member: Member, *, by: UserRef) -> str:
    cfg, who = ctx.config, mention(member.user)
    part = section(ctx, member)
    if member.is_bot:
        return f"{who} is a bot."
    if part.since is not None:
        return f"{who} is already a champion (since {timestamp(part.since)})."
    part.term += 1
    part.since, part.approved_by = ctx.now, by.id
    part.nominated = part.declined_until = part.quiet_since = None
    await _save(ctx, member, part)
    tag = (member.user.id, part.term)
    granted = bool(cfg.role and ctx.capabilities.roles)
    if granted and cfg.role:
        ctx.emit(
            GrantRole(key=ctx.key("role", *tag), community=ctx.community, member=member.user, role=cfg.role)
        )
    role_name = cfg.role or "champion"
    ctx.dm(
        member.user,
        RichMessage(
            title="You're a community champion!", text=ctx.fill(cfg.dm, member=member, role=role_name)
        ),
        key=ctx.key("dm", *tag),
        fallback=ctx.channel("general"),
        fallback_prefix=f"{who} ",
    )
    celebrate = ctx.channel(cfg.celebrate.channel) if cfg.celebrate else None
    if cfg.celebrate and celebrate is not None:
        text = ctx.fill(cfg.celebrate.message, member=member, role=role_name)
        ctx.post(celebrate, text, key=ctx.key("celebrate", *tag))
    done = f"Approved by {mention(by)}: {who} is now a champion"
    if granted:
        return f"{done} and has the **{literal(role_name)}** role."
    return f"{done} (this platform has no roles, so none was granted)." if cfg.role else f"{done}."


async def decline(ctx: Ctx, member: Member, *, by: UserRef) -> str:
    part, who = section(ctx, member), mention(member.user)
    if part.since is not None:
        return f"{who} is already a champion; `/cohort champions revoke {member.user.id}` removes the role."
    until = ctx.now + ctx.config.decline_pause
    part.declined_until, part.nominated = until, None
    await _save(ctx, member, part)
    return f"Declined by {mention(by)}: {who} won't be nominated again before {timestamp(until)}."


async def revoke(ctx: Ctx, member: Member, *, by: UserRef) -> str:
    cfg, part, who = ctx.config, section(ctx, member), mention(member.user)
    if part.since is None:
        return f"{who} is not a champion."
    term = part.term or 1
    part.since = part.approved_by = part.quiet_since = None
    until = ctx.now + cfg.decline_pause
    part.declined_until = until
    await _save(ctx, member, part)
    if cfg.role and ctx.capabilities.roles:
        ctx.emit(
            RevokeRole(
                key=ctx.key("revoke", member.user.id, term),
                community=ctx.community,
                member=member.user,
                role=cfg.role,
            )
        )
        return f"Revoked by {mention(by)}: {who} no longer has the **{literal(cfg.role)}** role."
    return f"Revoked by {mention(by)}: {who} is no longer a champion."


async def quiet_review(ctx: Ctx, members: Sequence[Member]) -> None:
    """Flag each champion silent for ``quiet_after`` once per quiet spell (hysteresis)."""
    after, channel = ctx.config.quiet_after, ctx.channel("moderators")
    if after is None:
        return
    for member in members:
        part = section(ctx, member)
        since = part.since
        if since is None or member.is_bot:
            continue
        last = max(t for t in (member.last_active_at, since) if t is not None)
        flagged = part.quiet_since
        changed = False
        if flagged is not None and last > flagged:
            part.quiet_since = flagged = None  # active again: the next quiet spell may be flagged
            changed = True
        if flagged is None and ctx.now - last >= after and channel is not None:
            part.quiet_since = last
            changed = True
            ctx.post(
                channel,
                RichMessage(
                    title=f"Quiet champion: {literal(member.display_name)}",
                    text=_quiet_text(ctx, member, since, last),
                ),
                key=ctx.key("quiet", member.user.id, int(last.timestamp())),
            )
        if changed:
            await _save(ctx, member, part)


def _quiet_text(ctx: Ctx, member: Member, since: datetime, last: datetime) -> str:
    days = (ctx.now - last).days
    return (
        f"{mention(member.user)} (champion since {timestamp(since)}) has been quiet since "
        f"{timestamp(last)}: no posts or reactions for {days} days.\n"
        f"Maybe check in with them. `/cohort champions revoke {member.user.id}` removes the role; "
        "I won't flag them again until they are back and go quiet again."
    )
