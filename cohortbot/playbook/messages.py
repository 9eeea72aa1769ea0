"""RichMessage: one neutral card that adapters render as Discord embeds/components or Block Kit.

Text is a small markdown subset: ``**bold**``, ``*italic*``, ``[label](https://url)``, line
breaks and ``- `` bullets. Three inline tokens are shared by every platform and rewritten by
each adapter's renderer:

- ``<@USER_ID>`` a mention of a member,
- ``<#CHANNEL>`` a link to a channel, by id or by name,
- ``<t:UNIX>`` a point in time, shown in each reader's local time where the platform can.

Member text (a display name, an intro, an answer, a title a moderator typed) is written into
a message through :func:`literal`, which puts a backslash before every character that could
start markup: ``\\ < > [ ] * ~ ` |`` anywhere, ``#`` and ``-`` first on a line. A renderer
reads ``\\X`` as the character X shown as typed (:data:`INLINE_PATTERN` finds escapes before
tokens), so member text never becomes a mention, a channel, a link or formatting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from pydantic import ConfigDict

from cohortbot.playbook.refs import ChannelRef, UserRef

__all__ = [
    "ESCAPE_PATTERN",
    "INLINE_PATTERN",
    "TOKEN_PATTERN",
    "Attachment",
    "Button",
    "ButtonStyle",
    "Field",
    "Form",
    "FormInput",
    "RichMessage",
    "Select",
    "SelectOption",
    "channel_link",
    "literal",
    "mention",
    "timestamp",
    "unescape",
]

# One pattern for the three inline tokens; group "kind" is "@", "#" or "t:".
TOKEN_PATTERN = re.compile(r"<(?P<kind>@|#|t:)(?P<value>[^<>\s]+)>")
# A backslash before one of these is that character, literally (see :func:`literal`).
ESCAPE_PATTERN = re.compile(r"\\(?P<char>[\\<>\[\]*~`|#-])")
# Escapes and tokens in one scan, escapes first: an escaped "<" never starts a token.
INLINE_PATTERN = re.compile(f"{ESCAPE_PATTERN.pattern}|{TOKEN_PATTERN.pattern}")
_MARKUP_ANYWHERE = re.compile(r"[\\<>\[\]*~`|]")
_MARKUP_LINE_START = re.compile(r"^([ \t]*)([#-])", re.MULTILINE)


def literal(text: str) -> str:
    """``text`` as a literal in a message: every renderer shows it as typed, never as markup.

    ``<@U1>`` stays those five characters (no mention), ``[x](https://a)`` is no link,
    ``*x*`` is no emphasis. NUL, which renderers use internally, is dropped.
    """
    escaped = _MARKUP_ANYWHERE.sub(lambda m: "\\" + m.group(0), text.replace("\x00", ""))
    return _MARKUP_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped)


def unescape(text: str) -> str:
    """Escapes resolved to their characters: for places that show text with no markup at all."""
    return ESCAPE_PATTERN.sub(lambda m: m["char"], text)


def mention(user: UserRef) -> str:
    return f"<@{user.id}>"


def channel_link(channel: ChannelRef) -> str:
    return f"<#{channel.id or channel.name}>"


def timestamp(when: datetime) -> str:
    return f"<t:{int(when.timestamp())}>"


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    SUCCESS = "success"
    DANGER = "danger"


@dataclass(frozen=True, kw_only=True, slots=True)
class Button:
    label: str
    action_id: str  # routed back as ButtonPressed.action_id
    value: str = ""
    style: ButtonStyle = ButtonStyle.SECONDARY
    url: str = ""  # a link button: opens the URL, sends no event


@dataclass(frozen=True, kw_only=True, slots=True)
class SelectOption:
    label: str
    value: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Select:
    action_id: str
    placeholder: str
    options: tuple[SelectOption, ...]
    max_values: int = 1


@dataclass(frozen=True, kw_only=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Attachment:
    """A file sent with a message (e.g. a PNG chart). Stored base64 in the outbox."""

    __pydantic_config__ = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, kw_only=True, slots=True)
class RichMessage:
    text: str
    title: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    selects: tuple[Select, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    footer: str = ""

    def prefixed(self, prefix: str) -> RichMessage:
        """The same card with ``prefix`` before its text (used for DM fallbacks)."""
        return replace(self, text=f"{prefix}{self.text}")

    def plain_text(self) -> str:
        """Everything a reader sees, flattened (for notifications and fallbacks)."""
        parts = [self.title, self.text, *(f"{f.name}: {f.value}" for f in self.fields), self.footer]
        return "\n".join(p for p in parts if p)


@dataclass(frozen=True, kw_only=True, slots=True)
class FormInput:
    input_id: str
    label: str
    placeholder: str = ""
    required: bool = True
    multiline: bool = False
    max_length: int = 1000
    options: tuple[SelectOption, ...] = ()  # a choice input where the platform has one


@dataclass(frozen=True, kw_only=True, slots=True)
class Form:
    """A modal. Discord holds at most five inputs: steps page longer forms themselves."""

    form_id: str  # routed back as FormSubmitted.form_id
    title: str
    inputs: tuple[FormInput, ...]
    submit_label: str = "Submit"
