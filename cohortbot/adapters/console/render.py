"""Neutral actions -> the console's printed lines. Pure: the adapter decides *where* and *who*.

Every action prints as a :class:`Block`: ``[where] head`` then its body lines indented by
four spaces (``[DM -> alice] Welcome!``, ``[#welcome] ...``, ``[to alice, only you] ...``,
``[role] Member -> alice``).

Member text arrives escaped (``messages.literal``): a terminal has no markup, so an escaped
character is printed as typed, and ``<@U1>`` in a display name stays ``<@U1>`` instead of
turning into the ``@U1`` of a mention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cohortbot.playbook.actions import (
    AddReaction,
    GrantRole,
    OpenForm,
    PinMessage,
    PostMessage,
    RevokeRole,
    SendDirectMessage,
    SendGroupMessage,
    StartThread,
)
from cohortbot.playbook.messages import INLINE_PATTERN, RichMessage, unescape

__all__ = [
    "Block",
    "channel_name",
    "direct_message_where",
    "form",
    "group_message_where",
    "local_time",
    "message",
    "pin",
    "post_where",
    "reaction",
    "response_where",
    "role",
    "text",
    "thread",
]


@dataclass(frozen=True, slots=True)
class Block:
    where: str
    head: str
    body: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [f"[{self.where}] {self.head}\n"]
        lines += [f"    {line}\n" if line else "\n" for line in self.body]
        return "".join(lines)


def local_time(when: datetime, zone: ZoneInfo) -> str:
    """``Wed 04 Mar 2026 10:00 CET``: how the console shows a moment."""
    return when.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def text(value: str, zone: ZoneInfo) -> str:
    """Message text with mention, channel and time tokens written out for the terminal."""

    def token(match: re.Match[str]) -> str:
        if match["char"] is not None:
            return str(match["char"])
        kind, found = match.group("kind"), match.group("value")
        if kind == "@":
            return f"@{found}"
        if kind == "#":
            return f"#{found}"
        try:
            return local_time(datetime.fromtimestamp(int(found), tz=zone), zone)
        except (ValueError, OverflowError, OSError):  # no calendar has it: show it as typed
            return match.group(0)

    return INLINE_PATTERN.sub(token, value)


def message(where: str, shown: RichMessage, zone: ZoneInfo, files: Sequence[str] = ()) -> Block:
    """A rich message: the title (or first line) as head; text, fields, buttons, menus below;
    then each attachment, with the path it was saved to (``files``, in order) when it was."""
    body = [text(line, zone) for line in shown.text.splitlines()]
    body += [f"{f.name}: {text(f.value, zone)}" for f in shown.fields]
    if shown.buttons:
        body.append(
            "  ".join(f"[ {unescape(b.label)} ]" + (f" ({b.url})" if b.url else "") for b in shown.buttons)
        )
    for select in shown.selects:
        options = ", ".join(o.value for o in select.options)
        body.append(f"[ {unescape(select.placeholder)}: {options} ] (choose with /select NAME value,value)")
    saved = [*files, *([""] * len(shown.attachments))]
    body += [
        f"(attachment {a.filename} saved to {path})" if path else f"(attachment: {a.filename})"
        for a, path in zip(shown.attachments, saved, strict=False)
    ]
    if shown.footer:
        body.append(f"({text(shown.footer, zone)})")
    head = text(shown.title, zone) if shown.title else (body.pop(0) if body else "")
    return Block(where, head, tuple(body))


def direct_message_where(action: SendDirectMessage) -> str:
    return f"DM -> {action.to.id}"


def group_message_where(action: SendGroupMessage) -> str:
    return f"group DM -> {', '.join(u.id for u in action.to)}"


def post_where(action: PostMessage) -> str:
    name = action.channel.label
    return f"#{name} > thread" if action.thread else f"#{name}"


def response_where(who: str, *, ephemeral: bool, channel: str) -> str:
    """An interaction's answer: private to ``who``, or public in ``channel`` (where they ran the
    command, or the channel of the card whose button they pressed)."""
    return f"to {who}, only you" if ephemeral else channel_name(channel)


def form(action: OpenForm, who: str) -> Block:
    """A form is printed with its inputs and the ``/submit`` line that answers it."""
    inputs = action.form.inputs
    fields = " ".join(f"{i.input_id}=..." for i in inputs)
    lines = [
        f"{i.input_id}: {unescape(i.label)}"
        + ("" if i.required else " (optional)")
        + (f" [{', '.join(o.value for o in i.options)}]" if i.options else "")
        for i in inputs
    ]
    return Block(
        f"form for {who}", unescape(action.form.title), (*lines, f"answer with: /submit {who} {fields}")
    )


def reaction(action: AddReaction, on: str) -> Block:
    """``on``: how the console names the message (``alice's message “Hi…”``), never its id."""
    return Block("reaction", f"{action.emoji} on {on} in {channel_name(action.message.channel.label)}")


def thread(action: StartThread) -> Block:
    return Block(channel_name(action.message.channel.label), f"thread started: {unescape(action.name)}")


def pin(action: PinMessage, on: str) -> Block:
    return Block(channel_name(action.message.channel.label), f"pinned {on}")


def channel_name(label: str) -> str:
    """``#general``; a direct conversation's label (``@alice``) is shown as ``DM -> alice``."""
    if not label.startswith("@"):
        return f"#{label}"
    return f"{'group DM' if ',' in label else 'DM'} -> {label[1:]}"


def role(action: GrantRole | RevokeRole) -> Block:
    change = "->" if isinstance(action, GrantRole) else "removed from"
    return Block("role", f"{action.role} {change} {action.member.id}")
