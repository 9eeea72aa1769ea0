"""Each cohort's week, as it happens: the opening post of every week and the week's survey.

Schedules (see :func:`schedules`): one weekly cron per cohort at ``post_at`` on its start's
weekday (``cohorts.week-<cohort>``), and one per distinct survey day and time of a cohort's
weeks (``cohorts.survey-<cohort>-<day>-<HHMM>``). An occurrence outside the cohort's weeks
1..weeks, or on a day its week has nothing for, does nothing. The scheduler claims each
occurrence once (late within :data:`GRACE` after downtime, else recorded as missed) and the
post's key names the cohort and the week, so a replay never posts a week twice.

The opening post: the week's ``message`` (else the step's ``week_message``) with the calendar
placeholders, the theme, the week's prompt (a question: where the platform has threads, a
thread for the answers opens once the post is delivered, as the prompts step does), and what
is due that week.

The survey: the surveys step invites the cohort's members to the round
``cohort-<cohort>-week-<n>`` (:class:`~cohortbot.playbook.steps.surveys.api.SurveyRequested`).
A member in two cohorts that send the same survey on the same day is invited once: in the
round of the cohort whose survey comes first that day (the playbook's order breaks a tie),
so they get one invitation and at most one reminder.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from cohortbot.playbook.actions import PostMessage, StartThread
from cohortbot.playbook.events import ActionDelivered, ScheduleFired
from cohortbot.playbook.lengths import clip, fit_lines
from cohortbot.playbook.messages import RichMessage, literal, timestamp
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.refs import ChannelRef, UserRef
from cohortbot.playbook.step import ScheduleSpec, StepContext
from cohortbot.playbook.steps.cohorts.api import (
    CohortCalendar,
    assignments,
    calendars,
    member_ids,
    takes_no_one_in,
)
from cohortbot.playbook.steps.cohorts.config import DAYS, Cohort, CohortsConfig, WeekSurvey, parse_clock
from cohortbot.playbook.steps.surveys.api import SurveyRequested
from cohortbot.playbook.templates import placeholders_in

__all__ = [
    "GRACE",
    "channel_of",
    "cohort_member_ids",
    "due_lines",
    "on_delivered",
    "on_schedule",
    "open_to_all",
    "post_week",
    "schedules",
    "send_survey",
    "survey_at",
]

log = logging.getLogger("cohortbot.steps.cohorts")
Ctx = StepContext[CohortsConfig]

GRACE = timedelta(hours=6)  # a week's post (or survey) still goes out this late after downtime
WEEK, SURVEY = "week-", "survey-"
THREAD = ":thread"  # the prompt's thread is keyed by the opening post's key plus this


def _week_schedule(cohort: Cohort) -> str:
    return f"{WEEK}{cohort.name}"


def _survey_schedule(cohort: Cohort, survey: WeekSurvey) -> str:
    return f"{SURVEY}{cohort.name}-{survey.on}-{parse_clock(survey.at):%H%M}"


def _cron(day: str, at: str) -> str:
    clock = parse_clock(at)
    return f"{clock.minute} {clock.hour} * * {day}"


def schedules(cfg: CohortsConfig, community: CommunityPlaybook) -> list[ScheduleSpec]:
    specs: list[ScheduleSpec] = []
    for i, cohort in enumerate(cfg.cohorts):
        specs.append(
            ScheduleSpec(
                name=_week_schedule(cohort),
                cron=_cron(DAYS[cohort.start.weekday()], cfg.post_at),
                grace=GRACE,
                where=("cohorts", i, "start"),
            )
        )
        surveys = {_survey_schedule(cohort, w.survey): w.survey for w in cohort.week.values() if w.survey}
        specs += [
            ScheduleSpec(name=name, cron=_cron(s.on, s.at), grace=GRACE, where=("cohorts", i, "week"))
            for name, s in sorted(surveys.items())
        ]
    return specs


def survey_at(cal: CohortCalendar, week: int) -> datetime | None:
    """When week ``week``'s survey is sent, if it has one."""
    survey = cal.content(week).survey
    return cal.on_day(week, DAYS.index(survey.on), parse_clock(survey.at)) if survey else None


async def open_to_all(ctx: Ctx, cal: CohortCalendar) -> bool:
    """Whether membership is not used (``api.takes_no_one_in``): everyone present is in the cohort."""
    return takes_no_one_in(ctx.loaded, cal.name)


async def cohort_member_ids(ctx: Ctx, cal: CohortCalendar) -> list[str]:
    """The cohort's members; where membership is not used, every present member but bots."""
    return await member_ids(ctx.uow, ctx.loaded, ctx.community, cal.name)


def channel_of(ctx: Ctx, cohort: Cohort) -> ChannelRef | None:
    """The cohort's channel, else the step's, else the playbook's announcements channel."""
    return ctx.resolve(cohort.channel or ctx.config.channel, default="announcements")


# ---------------------------------------------------------------------------- firing


async def on_schedule(event: ScheduleFired, ctx: Ctx) -> None:
    name = event.schedule.removeprefix(f"{ctx.step}.")
    for cal in calendars(ctx.loaded):
        week = cal.week_of(event.occurrence)
        if not 1 <= week <= cal.cohort.weeks:
            continue
        if name == _week_schedule(cal.cohort):
            await post_week(ctx, cal, week)
        survey = cal.content(week).survey
        if survey is not None and name == _survey_schedule(cal.cohort, survey):
            moment = survey_at(cal, week)
            if moment is not None and _day(ctx, moment) == _day(ctx, event.occurrence):
                await send_survey(ctx, cal, week, moment)


def _day(ctx: Ctx, when: datetime) -> str:
    return when.astimezone(ctx.playbook.zone).date().isoformat()


def due_lines(ctx: Ctx, cal: CohortCalendar, week: int, *, hint: bool = True) -> list[str]:
    """One line per assignment due in week ``week``, its due time in each reader's time."""
    submit = hint and ctx.loaded.enabled("assignments")
    return [
        f"- **{literal(a.title)}**: due {timestamp(a.due_at)}"
        + (f" (`/cohort submit {a.name} LINK`)" if submit else "")
        for a in assignments(ctx.loaded)
        if a.cohort == cal.name and a.week == week
    ]


async def post_week(ctx: Ctx, cal: CohortCalendar, week: int) -> None:
    """Week ``week``'s opening post in the cohort's channel (once: the key names the week)."""
    channel = channel_of(ctx, cal.cohort)
    if channel is None:
        log.warning("cohort %s: no channel for its week posts (set steps.cohorts.channel)", cal.name)
        return
    content = cal.content(week)
    template = content.message or ctx.config.week_message
    starts = cal.week_start(week)
    lines = [ctx.fill(template, member=None, **cal.values(starts), title=cal.title, when=timestamp(starts))]
    if content.theme and "week_theme" not in placeholders_in(template):
        lines.append(f"Theme: **{literal(content.theme)}**")
    thread = bool(content.prompt) and ctx.capabilities.threads
    if content.prompt:
        lines += ["", f"**Question of the week:** {literal(content.prompt)}"]
        lines.append("Answer in the thread." if thread else "Answer below.")
    due = due_lines(ctx, cal, week)
    room = ctx.capabilities.max_message_length - len("\n".join(lines)) - len("\n\n**Due this week:**\n")
    if due:
        lines += ["", "**Due this week:**", *fit_lines(due, room)]
    text = clip("\n".join(lines), ctx.capabilities.max_message_length)
    ctx.post(channel, RichMessage(text=text), key=ctx.key("week", cal.name, week), notify=thread)


async def on_delivered(event: ActionDelivered, ctx: Ctx) -> None:
    """A week's opening post with a prompt landed: open the thread its answers go in."""
    prefix = ctx.key("week", "")
    if event.kind != PostMessage.__name__ or event.message is None or not event.key.startswith(prefix):
        return
    name, _, number = event.key.removeprefix(prefix).rpartition(":")
    cohort = ctx.config.cohort(name)
    content = cohort.week.get(int(number)) if cohort is not None and number.isdigit() else None
    if content is None or not content.prompt or not ctx.capabilities.threads:
        return
    title = clip(" ".join(content.prompt.split()), 100)
    ctx.emit(StartThread(key=event.key + THREAD, community=ctx.community, message=event.message, name=title))


async def send_survey(ctx: Ctx, cal: CohortCalendar, week: int, moment: datetime) -> None:
    """Ask the surveys step to invite the cohort's members to the week's survey round."""
    survey = cal.content(week).survey
    if survey is None:
        return
    elsewhere = await _invited_elsewhere(ctx, cal, survey.name, moment)
    ids = [uid for uid in await cohort_member_ids(ctx, cal) if uid not in elsewhere]
    platform = ctx.community.platform
    ctx.publish(
        SurveyRequested(
            survey=survey.name,
            members=tuple(UserRef(platform, uid) for uid in ids),
            round=f"cohort-{cal.name}-week-{week}",
            reason=f"week {week} of {cal.title}",
        )
    )


async def _invited_elsewhere(ctx: Ctx, cal: CohortCalendar, survey: str, moment: datetime) -> set[str]:
    """Members whom another cohort invites to the same survey that day, first (by time, then by
    the playbook's order): their invitation comes from that cohort's round."""
    order = [c.name for c in calendars(ctx.loaded)]
    mine = (moment, order.index(cal.name))
    found: set[str] = set()
    for other in calendars(ctx.loaded):
        if other.name == cal.name:
            continue
        week = other.week_of(moment)
        theirs = survey_at(other, week) if 1 <= week <= other.cohort.weeks else None
        spec = other.content(week).survey
        if theirs is None or spec is None or spec.name != survey or _day(ctx, theirs) != _day(ctx, moment):
            continue
        if (theirs, order.index(other.name)) < mine:
            found.update(await cohort_member_ids(ctx, other))
    return found
