"""Who may become a champion: scores, the candidates of a round, and the moderators' listing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cohortbot.playbook.messages import mention, timestamp
from cohortbot.playbook.ports import Member
from cohortbot.playbook.steps.champions.model import ChampionsSection
from cohortbot.playbook.steps.champions.scoring import Credit, Rules, rank, score, tally

if TYPE_CHECKING:
    from cohortbot.playbook.step import StepContext
    from cohortbot.playbook.steps.champions.config import ChampionsConfig

    Ctx = StepContext[ChampionsConfig]

__all__ = [
    "candidate_lines",
    "champion_lines",
    "current_score",
    "eligible",
    "is_candidate",
    "present_members",
    "rules",
    "section",
    "summary",
]

LIST_CANDIDATES = 10
TALLY_LABELS = {
    "answer": "answers",
    "newcomer_reply": "first replies to newcomers",
    "thanks": "thanks received",
    "reaction": "reactions on replies",
    "intro_welcome": "intro welcomes",
}


def rules(ctx: Ctx) -> Rules:
    cfg = ctx.config
    return Rules(
        weights=cfg.weights.model_dump(),
        half_life=cfg.half_life,
        cooldown=cfg.cooldown,
        daily_cap=cfg.daily_cap,
        zone=ctx.playbook.zone,
    )


def section(ctx: Ctx, member: Member) -> ChampionsSection:
    return ctx.section(member, ChampionsSection)


async def present_members(ctx: Ctx) -> list[Member]:
    """Present members, including those who predate the bot (``present_only`` skips them)."""
    return [m for m in await ctx.uow.members.list(ctx.community, present_only=False) if m.present]


def current_score(ctx: Ctx, member: Member) -> float:
    return score(section(ctx, member).evidence, ctx.now, ctx.config.half_life)


def _moderator(ctx: Ctx, member: Member, part: ChampionsSection) -> bool:
    listed = ctx.playbook.moderators.includes(member.user, frozenset(), is_admin=False)
    return listed or part.seen_as_moderator


def is_candidate(ctx: Ctx, member: Member, part: ChampionsSection) -> bool:
    """Could be scored at all: a present human who didn't opt out and isn't a champion."""
    if member.is_bot or member.analytics_opt_out or not member.present or part.champion:
        return False
    return not (ctx.config.exclude_moderators and _moderator(ctx, member, part))


def eligible(
    ctx: Ctx, members: Sequence[Member], rules: Rules, *, limit: int | None, threshold: bool
) -> list[tuple[Member, float]]:
    """Candidates to nominate now, best first: no pending nomination, not recently declined."""
    now, cfg = ctx.now, ctx.config
    pool: list[tuple[str, list[Credit]]] = []
    for member in members:
        part = section(ctx, member)
        declined, nominated = part.declined_until, part.nominated
        if not is_candidate(ctx, member, part) or (declined and declined > now):
            continue
        if nominated and now - nominated < cfg.decline_pause:
            continue  # awaiting the moderators' decision
        pool.append((member.user.id, part.evidence))
    by_id = {m.user.id: m for m in members}
    minimum = cfg.min_score if threshold else 0.0
    return [(by_id[i], s) for i, s in rank(pool, now, rules.half_life, min_score=minimum, count=limit)]


def summary(evidence: Sequence[Credit]) -> str:
    counts = tally(evidence)
    return ", ".join(f"{counts[k]} {label}" for k, label in TALLY_LABELS.items() if counts[k]) or "no credits"


def champion_lines(ctx: Ctx, members: Sequence[Member]) -> list[str]:
    champions = [(m, part) for m in members if (part := section(ctx, m)).since is not None]
    if not champions:
        return ["**Champions**: none yet."]
    lines = [f"**Champions** ({len(champions)}):"]
    for member, part in sorted(champions, key=lambda mp: mp[1].since or ctx.now):
        line = f"- {mention(member.user)} since {timestamp(part.since or ctx.now)}"
        if member.last_active_at is not None:
            line += f", last active {timestamp(member.last_active_at)}"
        lines.append(line + (" — flagged as quiet" if part.quiet_since else ""))
    return lines


def candidate_lines(ctx: Ctx, members: Sequence[Member], rules: Rules) -> list[str]:
    parts = {m.user.id: (m, section(ctx, m)) for m in members}
    pool = [(i, part.evidence) for i, (m, part) in parts.items() if is_candidate(ctx, m, part)]
    ranked = rank(pool, ctx.now, rules.half_life, count=LIST_CANDIDATES)
    if not ranked:
        return ["**Top candidates**: nobody has earned helpfulness points yet."]
    lines = [f"**Top candidates** (nominated from {ctx.config.min_score:g} points, `{ctx.config.cron}`):"]
    for member_id, points in ranked:
        member, part = parts[member_id]
        line = f"- {mention(member.user)} **{points:.1f}** — {summary(part.evidence)}"
        if part.nominated is not None:
            line += f" (nominated {timestamp(part.nominated)})"
        if part.declined_until is not None and part.declined_until > ctx.now:
            line += f" (declined until {timestamp(part.declined_until)})"
        lines.append(line)
    return lines
