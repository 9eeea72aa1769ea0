"""RichMessage -> Discord message parts; Form -> a modal. Pure (no I/O).

The neutral markdown subset is already Discord markdown, so only the three inline tokens
are rewritten: ``<@ID>`` stays, ``<#name>`` becomes ``<#id>`` through the channel mapping
(or ``#name`` when the name is unknown), and ``<t:UNIX>`` becomes ``<t:UNIX:F>`` so every
reader sees their own local time.

Member text arrives escaped (``\\<``, ``\\[``, ``\\*``: ``messages.literal``); Discord reads
the same backslash escapes, so it is shown as typed. Outside the bot's own tokens,
``discord.utils.escape_mentions`` puts a zero-width space after the ``@`` of ``@everyone``,
``@here`` and user or role ids, so nothing else even renders as a mention; and every message
carries ``allowed_mentions`` naming only the members the bot itself mentions (no everyone,
no roles, no replied user), whichever send, follow-up or webhook path delivers it. Places
Discord shows as typed (button, option and input labels, placeholders, modal titles, and the
performer's thread, event and poll names: :func:`plain_name`) get the escapes resolved.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import discord

from cohortbot.playbook.messages import (
    INLINE_PATTERN,
    Button,
    ButtonStyle,
    Form,
    RichMessage,
    Select,
    unescape,
)

from .translate import VALUE_SEPARATOR

__all__ = [
    "MAX_FORM_INPUTS",
    "RenderedMessage",
    "custom_id_for",
    "plain_name",
    "render_form",
    "render_message",
    "render_text",
]

MAX_FORM_INPUTS = 5
_CONTENT_LIMIT = 2000
_DESCRIPTION_LIMIT = 4096
_MAX_ROWS = 5
_MAX_BUTTONS_PER_ROW = 5

_STYLES = {
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.SECONDARY: discord.ButtonStyle.secondary,
    ButtonStyle.SUCCESS: discord.ButtonStyle.success,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


@dataclass(slots=True)
class RenderedMessage:
    """Keyword arguments for ``Messageable.send`` / ``InteractionResponse.send_message``."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    allowed_mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"allowed_mentions": self.allowed_mentions}
        if self.content:
            out["content"] = self.content
        if self.embed is not None:
            out["embed"] = self.embed
        if self.view is not None:
            out["view"] = self.view
        if self.files:
            out["files"] = self.files
        return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_text(text: str, *, channels: Mapping[str, str] | None = None) -> str:
    """Rewrite the shared inline tokens; ``channels`` maps channel names to ids."""
    return _render(text, channels or {}, [])


def _render(text: str, known: Mapping[str, str], mentioned: list[str]) -> str:
    """``render_text``, adding the ids of the members the bot's own tokens mention to ``mentioned``."""

    def token(match: re.Match[str]) -> str:
        if match["char"] is not None:  # an escaped character of member text: Discord's own escape
            return match.group(0)
        kind, value = match["kind"], match["value"]
        if kind == "@":
            if value.removeprefix("!").isdigit():
                mentioned.append(value.removeprefix("!"))
            return match.group(0)
        if kind == "#":
            if value.isdigit():
                return f"<#{value}>"
            name = value.removeprefix("#")
            channel_id = known.get(name)
            return f"<#{channel_id}>" if channel_id else f"#{name}"
        # "t:" — a bare unix time gets the full date/time style; a given style is kept.
        return f"<t:{value}:F>" if value.isdigit() else match.group(0)

    parts: list[str] = []
    end = 0
    for match in INLINE_PATTERN.finditer(text):
        parts += [discord.utils.escape_mentions(text[end : match.start()]), token(match)]
        end = match.end()
    parts.append(discord.utils.escape_mentions(text[end:]))
    return "".join(parts)


def plain_name(text: str, limit: int, *, default: str = "") -> str:
    """A name Discord shows as typed (a thread, a scheduled event, a poll): escapes resolved."""
    return _clip(unescape(text).strip(), limit) or default


def custom_id_for(action_id: str, value: str = "") -> str:
    custom_id = f"{action_id}{VALUE_SEPARATOR}{value}" if value else action_id
    if len(custom_id) > 100:
        raise ValueError(f"component id {custom_id[:40]!r}... is longer than Discord's 100 characters")
    return custom_id


def _label(text: str, limit: int) -> str:
    """Text for a place Discord shows as typed (labels, placeholders, modal and thread names)."""
    return _clip(unescape(text), limit)


def _button(button: Button, row: int) -> discord.ui.Button[discord.ui.View]:
    label = _label(button.label, 80)
    if button.url:
        return discord.ui.Button(style=discord.ButtonStyle.link, label=label, url=button.url, row=row)
    return discord.ui.Button(
        style=_STYLES.get(button.style, discord.ButtonStyle.secondary),
        label=label,
        custom_id=custom_id_for(button.action_id, button.value),
        row=row,
    )


def _select(select: Select, row: int) -> discord.ui.Select[discord.ui.View]:
    options = [
        discord.SelectOption(label=_label(o.label, 100), value=o.value[:100]) for o in select.options[:25]
    ]
    return discord.ui.Select(
        custom_id=custom_id_for(select.action_id),
        placeholder=_label(select.placeholder, 150) or None,
        options=options,
        min_values=1,
        max_values=max(1, min(select.max_values, len(options))),
        row=row,
    )


def _view(message: RichMessage) -> discord.ui.View | None:
    if not message.buttons and not message.selects:
        return None
    # No timeout and stopped after sending: presses are routed by custom_id, not by this view.
    view = discord.ui.View(timeout=None)
    row = 0
    for select in message.selects[:_MAX_ROWS]:
        view.add_item(_select(select, row))
        row += 1
    buttons = list(message.buttons)
    while buttons and row < _MAX_ROWS:
        for button in buttons[:_MAX_BUTTONS_PER_ROW]:
            view.add_item(_button(button, row))
        buttons = buttons[_MAX_BUTTONS_PER_ROW:]
        row += 1
    return view


def _needs_embed(message: RichMessage, text: str) -> bool:
    return bool(message.title or message.fields or message.footer or len(text) > _CONTENT_LIMIT)


def render_message(message: RichMessage, *, channels: Mapping[str, str] | None = None) -> RenderedMessage:
    """A card with a title, fields or a footer becomes an embed; plain text stays plain.

    Mentions inside an embed do not notify anyone, so they are repeated in the content.
    """
    known = channels or {}
    mentioned: list[str] = []
    text = _render(message.text, known, mentioned)
    out = RenderedMessage(view=_view(message))
    out.files = [discord.File(io.BytesIO(a.data), filename=a.filename) for a in message.attachments[:10]]
    users = [discord.Object(int(user_id)) for user_id in dict.fromkeys(mentioned)]
    out.allowed_mentions = discord.AllowedMentions(
        everyone=False, roles=False, users=users, replied_user=False
    )
    if not _needs_embed(message, text):
        out.content = text
        return out
    embed = discord.Embed(
        title=_clip(_render(message.title, known, []), 256) or None,
        description=_clip(text, _DESCRIPTION_LIMIT) or None,
    )
    for f in message.fields[:25]:
        embed.add_field(
            name=_clip(_render(f.name, known, []), 256) or "\u200b",
            value=_clip(_render(f.value, known, []), 1024) or "\u200b",
            inline=f.inline,
        )
    if message.footer:
        embed.set_footer(text=_clip(unescape(message.footer), 2048))  # a footer shows no markdown
    image = next((a for a in message.attachments if a.content_type.startswith("image/")), None)
    if image is not None:
        embed.set_image(url=f"attachment://{image.filename}")
    out.embed = embed
    if mentioned:  # mentions inside an embed notify nobody: the bot's own ones go in the content
        out.content = " ".join(f"<@{user_id}>" for user_id in dict.fromkeys(mentioned))
    return out


def render_form(form: Form, *, timeout: float = 900.0) -> discord.ui.Modal:
    """A modal whose custom_id is the form id and whose inputs keep their input ids."""
    if len(form.inputs) > MAX_FORM_INPUTS:
        raise ValueError(
            f"form {form.form_id!r} has {len(form.inputs)} inputs; a Discord modal holds at most"
            f" {MAX_FORM_INPUTS}"
        )
    modal: discord.ui.Modal = discord.ui.Modal(
        title=_label(form.title, 45), custom_id=form.form_id, timeout=timeout
    )
    for spec in form.inputs:
        component: discord.ui.Item[Any]
        if spec.options:
            component = discord.ui.Select(
                custom_id=spec.input_id,
                placeholder=_label(spec.placeholder, 150) or None,
                options=[
                    discord.SelectOption(label=_label(o.label, 100), value=o.value[:100])
                    for o in spec.options[:25]
                ],
                required=spec.required,
            )
        else:
            component = discord.ui.TextInput(
                custom_id=spec.input_id,
                style=discord.TextStyle.paragraph if spec.multiline else discord.TextStyle.short,
                placeholder=_label(spec.placeholder, 100) or None,
                required=spec.required,
                max_length=max(1, min(spec.max_length, 4000)),
            )
        modal.add_item(discord.ui.Label(text=_label(spec.label, 45), component=component))
    return modal
