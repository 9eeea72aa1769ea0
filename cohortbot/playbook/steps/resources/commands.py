"""``/cohort resources ...``: members list and suggest links, moderators add, edit, retire, approve."""

from __future__ import annotations

from cohortbot.playbook.commands import OptionSpec
from cohortbot.playbook.events import CommandInvoked
from cohortbot.playbook.lengths import fit_lines
from cohortbot.playbook.messages import literal
from cohortbot.playbook.refs import UserRef
from cohortbot.playbook.step import command
from cohortbot.playbook.steps.resources.library import Ctx, line, load_library, topics_text
from cohortbot.playbook.steps.resources.links import (
    MAX_NOTE,
    MAX_TITLE,
    check_url,
    clean,
    link,
    topic_name,
)
from cohortbot.playbook.steps.resources.model import MAX_PENDING, MAX_RESOURCES, Library, Resource, Suggestion

__all__ = ["COMMANDS", "MAX_PENDING_PER_MEMBER"]

MAX_PENDING_PER_MEMBER = 5
MAX_KEYWORDS = 20
FIELDS = ("title", "url", "note", "topic", "keywords")


def _topic(event: CommandInvoked, ctx: Ctx, raw: str) -> str | None:
    name = topic_name(raw)
    if name in ctx.config.topics:
        return name
    ctx.respond(
        event.interaction, f"There is no topic `{literal(raw[:40])}`. Topics: {topics_text(ctx.config)}."
    )
    return None


def _title(event: CommandInvoked, ctx: Ctx, raw: str) -> str | None:
    title = clean(raw)
    if not title or len(title) > MAX_TITLE:
        ctx.respond(event.interaction, f"A title needs 1 to {MAX_TITLE} characters (got {len(title)}).")
        return None
    return title


def _url(
    event: CommandInvoked, ctx: Ctx, library: Library, raw: str, *, keep: int | None = None
) -> str | None:
    url, problem = check_url(raw)
    if problem is None:
        held = library.holding(url)
        if held is not None and not (isinstance(held, Resource) and held.id == keep):
            if isinstance(held, Resource):
                problem = f"That link is already in the library: `#{held.id}` {link(held.title, held.url)}."
            else:
                problem = f"That link is already suggested: `#{held.id}` {link(held.title, held.url)}."
    if problem is not None:
        ctx.respond(event.interaction, problem)
        return None
    return url


def _id(event: CommandInvoked, ctx: Ctx) -> int | None:
    raw = str(event.options.get("id", "")).strip().removeprefix("#")
    if raw.isdigit() and len(raw) < 9:
        return int(raw)
    ctx.respond(
        event.interaction,
        f"ID is a number as `/cohort resources list` shows it (e.g. `#3`), not `{literal(raw[:20])}`.",
    )
    return None


async def cmd_list(event: CommandInvoked, ctx: Ctx) -> None:
    raw = str(event.options.get("topic") or "").strip()
    wanted = _topic(event, ctx, raw) if raw else None
    if raw and wanted is None:
        return
    library = await load_library(ctx)
    lines: list[str] = []
    for name in [wanted] if wanted else list(ctx.config.topics):
        assert name is not None
        shown = library.live(name)
        if shown or wanted:
            lines.append(f"**{name}**")
            lines += [line(r) for r in shown] or ["(nothing yet)"]
    if not lines:
        lines = ["The library is empty."]
    if ctx.is_moderator(event.actor):
        lines += _pending_lines(library)
    elif ctx.config.member_suggestions:
        lines.append("Know a good one? `/cohort resources suggest TOPIC LINK TITLE`")
    body = "\n".join(fit_lines(lines, ctx.capabilities.max_message_length - 100))
    ctx.respond(event.interaction, body, title=f"Resources: {wanted}" if wanted else "Resources")


async def cmd_add(event: CommandInvoked, ctx: Ctx) -> None:
    topic = _topic(event, ctx, str(event.options.get("topic", "")))
    title = topic and _title(event, ctx, str(event.options.get("title", "")))
    if topic is None or title is None:
        return
    library = await load_library(ctx)
    url = _url(event, ctx, library, str(event.options.get("url", "")))
    if url is None:
        return
    if len(library.resources) >= MAX_RESOURCES:
        ctx.respond(event.interaction, f"The library holds {MAX_RESOURCES} links at most: retire some first.")
        return
    resource = Resource(id=library.new_id(), topic=topic, title=title, url=url, added_at=ctx.now)
    library.resources.append(resource)
    await ctx.store(library)
    ctx.respond(
        event.interaction,
        f"Added to **{topic}**:\n{line(resource)}\n"
        f"Add a note with `/cohort resources edit {resource.id} note TEXT`.",
    )


async def cmd_edit(event: CommandInvoked, ctx: Ctx) -> None:
    rid = _id(event, ctx)
    if rid is None:
        return
    library = await load_library(ctx)
    resource = library.get(rid)
    if resource is None or resource.retired:
        ctx.respond(event.interaction, f"There is no resource `#{rid}` in the library.")
        return
    field = str(event.options.get("field", ""))
    raw = str(event.options.get("value", ""))
    if field == "title":
        value = _title(event, ctx, raw)
        if value is None:
            return
        resource.title = value
    elif field == "url":
        url = _url(event, ctx, library, raw, keep=rid)
        if url is None:
            return
        resource.url = url
    elif field == "note":
        note = clean(raw)
        if len(note) > MAX_NOTE:
            ctx.respond(event.interaction, f"A note holds {MAX_NOTE} characters at most (got {len(note)}).")
            return
        resource.note = "" if note == "-" else note
    elif field == "topic":
        topic = _topic(event, ctx, raw)
        if topic is None:
            return
        resource.topic = topic
    else:
        words = [w for w in (clean(k) for k in raw.split(",")) if w and w != "-"]
        if len(words) > MAX_KEYWORDS or any(len(w) > 60 for w in words):
            ctx.respond(
                event.interaction, f"Keywords: up to {MAX_KEYWORDS}, comma-separated, 60 characters each."
            )
            return
        resource.keywords = words
    resource.edited = True
    await ctx.store(library)
    ctx.respond(event.interaction, f"Changed its {field} (topic **{resource.topic}**):\n{line(resource)}")


async def cmd_retire(event: CommandInvoked, ctx: Ctx) -> None:
    rid = _id(event, ctx)
    if rid is None:
        return
    library = await load_library(ctx)
    resource = library.get(rid)
    if resource is None or resource.retired:
        ctx.respond(event.interaction, f"There is no resource `#{rid}` in the library.")
        return
    resource.retired = True
    await ctx.store(library)
    ctx.respond(
        event.interaction, f"Retired from **{resource.topic}**: {link(resource.title, resource.url)}."
    )


async def cmd_suggest(event: CommandInvoked, ctx: Ctx) -> None:
    if not ctx.config.member_suggestions:
        ctx.respond(
            event.interaction, "This community takes no suggestions for the library: ask a moderator."
        )
        return
    topic = _topic(event, ctx, str(event.options.get("topic", "")))
    title = topic and _title(event, ctx, str(event.options.get("title", "")))
    if topic is None or title is None:
        return
    library = await load_library(ctx)
    url = _url(event, ctx, library, str(event.options.get("url", "")))
    if url is None:
        return
    user = event.actor.user
    if (
        sum(s.by == user.id for s in library.pending) >= MAX_PENDING_PER_MEMBER
        or len(library.pending) >= MAX_PENDING
    ):
        ctx.respond(
            event.interaction,
            "Too many suggestions are waiting for the moderators: try again once they have looked.",
        )
        return
    suggestion = Suggestion(id=library.new_id(), topic=topic, title=title, url=url, by=user.id, at=ctx.now)
    library.pending.append(suggestion)
    await ctx.store(library)
    ctx.respond(
        event.interaction,
        f"Thanks! The moderators will look at {link(title, url)} for **{topic}**; "
        "I'll tell you what they decide.",
    )
    mods = ctx.channel("moderators")
    if mods is not None:
        ctx.post(
            mods,
            f"<@{user.id}> suggests for **{topic}**: `#{suggestion.id}` "
            f"{link(suggestion.title, suggestion.url)}\n"
            f"`/cohort resources approve {suggestion.id}` or "
            f"`/cohort resources reject {suggestion.id} [reason]`",
            key=ctx.key("suggested", suggestion.id),
            private=True,
        )


def _pending_lines(library: Library) -> list[str]:
    if not library.pending:
        return []
    lines = ["**Suggested, waiting for a moderator**"]
    lines += [f"- `#{s.id}` **{s.topic}** {link(s.title, s.url)} from <@{s.by}>" for s in library.pending]
    return [*lines, "`/cohort resources approve ID` or `/cohort resources reject ID [reason]`"]


async def _decided(event: CommandInvoked, ctx: Ctx) -> tuple[Library, Suggestion] | None:
    sid = _id(event, ctx)
    if sid is None:
        return None
    library = await load_library(ctx)
    suggestion = library.suggestion(sid)
    if suggestion is None:
        ctx.respond(
            event.interaction,
            f"No suggestion `#{sid}` is waiting: `/cohort resources list` shows those waiting.",
        )
        return None
    library.pending.remove(suggestion)
    return library, suggestion


async def cmd_approve(event: CommandInvoked, ctx: Ctx) -> None:
    found = await _decided(event, ctx)
    if found is None:
        return
    library, s = found
    if s.topic not in ctx.config.topics:
        ctx.respond(
            event.interaction,
            f"Its topic `{s.topic}` is gone from the playbook: reject it, or add the link yourself.",
        )
        return
    resource = Resource(
        id=s.id, topic=s.topic, title=s.title, url=s.url, source="member", suggested_by=s.by, added_at=ctx.now
    )
    library.resources.append(resource)
    await ctx.store(library)
    ctx.respond(event.interaction, f"Approved: it is in **{s.topic}** now.\n{line(resource)}")
    ctx.dm(
        UserRef(ctx.community.platform, s.by),
        f"Your suggestion {link(s.title, s.url)} is in the **{s.topic}** library now. Thank you!",
        key=ctx.key("approved", s.id),
    )


async def cmd_reject(event: CommandInvoked, ctx: Ctx) -> None:
    found = await _decided(event, ctx)
    if found is None:
        return
    library, s = found
    reason = clean(str(event.options.get("reason") or ""))[:MAX_NOTE]
    await ctx.store(library)
    ctx.respond(event.interaction, f"Rejected `#{s.id}` {link(s.title, s.url)}; I've told <@{s.by}>.")
    why = f" Their note: {literal(reason)}" if reason else ""
    ctx.dm(
        UserRef(ctx.community.platform, s.by),
        f"Thanks for suggesting {link(s.title, s.url)} for **{s.topic}**. "
        f"The moderators won't add it this time.{why}",
        key=ctx.key("rejected", s.id),
    )


TOPIC = OptionSpec(name="topic", description="a topic of the library, e.g. python")
URL = OptionSpec(name="url", description="https://... the resource's address")
TITLE = OptionSpec(name="title", description="what to call it", rest=True)
ID = OptionSpec(name="id", description="the number `/cohort resources list` shows")

COMMANDS = (
    command(
        "resources list",
        "The library's resources by topic (moderators: and suggestions waiting)",
        cmd_list,
        OptionSpec(name="topic", description="one topic, e.g. python", required=False),
    ),
    command(
        "resources suggest",
        "Suggest a link for the library (a moderator approves it)",
        cmd_suggest,
        TOPIC,
        URL,
        TITLE,
    ),
    command(
        "resources add", "Add a link to a topic of the library", cmd_add, TOPIC, URL, TITLE, moderator=True
    ),
    command(
        "resources edit",
        "Change a resource's title, url, note, topic or keywords (note -: none)",
        cmd_edit,
        ID,
        OptionSpec(name="field", description="what to change", choices=FIELDS),
        OptionSpec(name="value", description="its new value (keywords: comma-separated)", rest=True),
        moderator=True,
    ),
    command("resources retire", "Take a resource out of the library", cmd_retire, ID, moderator=True),
    command(
        "resources approve",
        "Put a member's suggestion in the library (they are told)",
        cmd_approve,
        ID,
        moderator=True,
    ),
    command(
        "resources reject",
        "Turn a member's suggestion down (they are told, with your reason)",
        cmd_reject,
        ID,
        OptionSpec(name="reason", description="why, in a few words", required=False, rest=True),
        moderator=True,
    ),
)
