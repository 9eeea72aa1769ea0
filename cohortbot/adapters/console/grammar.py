"""The console's input language: one line -> one :data:`Command`. Pure: no I/O, no state.

Console commands (one a line; piped input works too, for scripts):

    /join NAME                 NAME joins the community
    /leave NAME                NAME leaves
    #CHANNEL                   switch to a channel (messages below go there)
    NAME: TEXT                 NAME posts TEXT in the current channel (members only: /join first)
    NAME: /cohort SUB ARGS     NAME runs a /cohort command
    /reply NAME TEXT           NAME answers the channel's latest post (the bot's or a member's), in its thread
    /react NAME EMOJI          NAME reacts to the last message in the current channel
    /click NAME LABEL          NAME presses a button the bot showed them (label prefix is enough)
    /select NAME v1,v2         NAME chooses from the latest menu the bot showed them
    /submit NAME key=value...  NAME submits the form the bot opened for them (every page)
    /role NAME ROLE            give NAME a role (e.g. Moderators)
    /dms NAME off|on           NAME refuses (or accepts) direct messages from the bot
    /advance 2d                move the simulated clock (90s, 15m, 2h, 3d, 1w); timers fire
    /time                      show the simulated time
    /help                      this text
    /quit                      stop (pending deliveries finish first)

The bot's actions print as ``[DM -> alice] ...``, ``[#intros] ...``, ``[to alice, only you] ...``
(see ``render.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from cohortbot.playbook.commands import command_words
from cohortbot.playbook.durations import parse_duration

__all__ = [
    "COMMENT",
    "HELP",
    "QUIT",
    "Advance",
    "Click",
    "Command",
    "Help",
    "Join",
    "Leave",
    "NotUnderstood",
    "Post",
    "React",
    "Reply",
    "Role",
    "RunCommand",
    "Select",
    "SetDms",
    "ShowTime",
    "Submit",
    "SwitchChannel",
    "Unknown",
    "parse",
    "usage",
]

# The grammar above, heading and all, is also the /help text.
_HEADING = "Console commands"
HELP = _HEADING + __doc__.split(_HEADING, 1)[1].split("The bot's", 1)[0] if __doc__ else ""
QUIT = ("/quit", "/exit")  # the whole line; the session ends once pending deliveries are done
COMMENT = "//"  # a line starting with this is skipped (comments in scripts)


@dataclass(frozen=True, slots=True)
class SwitchChannel:
    name: str | None  # None ("#" alone): stay where you are


@dataclass(frozen=True, slots=True)
class Post:
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class RunCommand:
    """``NAME: /cohort SUB ARGS``: ``text`` is what follows ``/cohort``."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Join:
    name: str


@dataclass(frozen=True, slots=True)
class Leave:
    name: str


@dataclass(frozen=True, slots=True)
class Reply:
    name: str
    text: str  # as typed (not shell-split)


@dataclass(frozen=True, slots=True)
class React:
    name: str
    emoji: str


@dataclass(frozen=True, slots=True)
class Click:
    name: str
    label: str


@dataclass(frozen=True, slots=True)
class Select:
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Submit:
    name: str
    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class SetDms:
    name: str
    accepts: bool


@dataclass(frozen=True, slots=True)
class Advance:
    text: str  # as typed, echoed back
    delta: timedelta


@dataclass(frozen=True, slots=True)
class ShowTime:
    pass


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class Unknown:
    """A /command that does not exist or lacks arguments."""

    line: str


@dataclass(frozen=True, slots=True)
class NotUnderstood:
    """Neither a /command, a #channel nor ``NAME: TEXT``."""

    line: str


Command = (
    SwitchChannel
    | Post
    | RunCommand
    | Join
    | Leave
    | Reply
    | React
    | Click
    | Select
    | Submit
    | Role
    | SetDms
    | Advance
    | ShowTime
    | Help
    | Unknown
    | NotUnderstood
)


def parse(line: str) -> Command:
    """One stripped, non-empty input line -> its command.

    Raises ``ValueError`` for an unclosed double quote and for an ``/advance`` duration it cannot
    read (the console prints the error and carries on).
    """
    if line.startswith("#"):
        return SwitchChannel(line[1:].strip() or None)
    if line.startswith("/"):
        return _control(line)
    name, sep, text = line.partition(":")
    name, text = name.strip(), text.strip()
    if not sep or not name or " " in name:
        return NotUnderstood(line)
    if text.startswith("/cohort"):
        return RunCommand(name, text.removeprefix("/cohort").strip())
    return Post(name, text)


def _words(line: str) -> list[str]:
    """The shared /cohort word rules (an apostrophe is a letter), but an unclosed quote is a typo."""
    try:
        return command_words(line, strict=True)
    except ValueError:
        raise ValueError('a " quote is not closed, e.g. /submit alice "change=more examples"') from None


def _control(line: str) -> Command:
    raw = line.split(None, 2)
    if raw[0].lower() == "/reply":  # the text is a member's message, quotes and all
        return Reply(raw[1], raw[2]) if len(raw) == 3 else Unknown(line)
    words = _words(line)
    verb, args = words[0].lower(), words[1:]
    if verb == "/help":
        return Help()
    if verb == "/time":
        return ShowTime()
    if verb == "/join" and len(args) == 1:
        return Join(args[0])
    if verb == "/leave" and len(args) == 1:
        return Leave(args[0])
    if verb == "/react" and len(args) == 2:
        return React(args[0], args[1])
    if verb == "/click" and len(args) >= 2:
        return Click(args[0], " ".join(args[1:]))
    if verb == "/select" and len(args) >= 2:
        values = " ".join(args[1:]).split(",")
        return Select(args[0], tuple(v.strip() for v in values if v.strip()))
    if verb == "/submit" and args:
        return Submit(args[0], dict(p.partition("=")[::2] for p in args[1:]))
    if verb == "/role" and len(args) == 2:
        return Role(args[0], args[1])
    if verb == "/dms" and len(args) == 2 and args[1] in ("on", "off"):
        return SetDms(args[0], accepts=args[1] == "on")
    if verb == "/advance" and len(args) == 1:
        try:
            return Advance(args[0], parse_duration(args[0]))
        except ValueError as exc:
            reason = str(exc)
            raise ValueError(
                "/advance expects" + reason.removeprefix("expected") if reason.startswith("expected")
                else f"/advance: {reason}"
            ) from None
    return Unknown(line)


def usage(line: str) -> str | None:
    """The grammar's line for the command ``line`` starts with (None: no such command)."""
    verb = line.split(None, 1)[0].lower() if line.strip() else ""
    for entry in HELP.splitlines():
        if entry.strip().lower().startswith(verb + " ") or entry.strip().lower() == verb:
            form, _, meaning = entry.strip().partition("  ")
            return f"{form} ({meaning.strip()})" if meaning.strip() else form
    return None
