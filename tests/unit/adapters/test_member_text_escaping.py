"""Member text never becomes a mention, a channel, a link or markup, on any platform.

Table-driven over the template whitelist: every placeholder that carries text is filled with
hostile text next to the bot's own ``{mention}`` of the member, and the result goes through
the Slack, Discord and console renderers. A new text placeholder is covered automatically; a
new markup placeholder makes ``test_markup_placeholders_are_the_reviewed_ones`` fail until
someone decides that the bot builds its value.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cohortbot.adapters.console import render as console
from cohortbot.adapters.discord.render import render_message as render_discord
from cohortbot.adapters.slack.render import render_message as render_slack
from cohortbot.playbook.messages import Field, RichMessage, literal, mention
from cohortbot.playbook.refs import Platform, UserRef
from cohortbot.playbook.templates import PLACEHOLDERS, render

HOSTILE = (
    "[hi](!here) [grp](!subteam^S0MODS) [c](!channel) [e](!everyone) "
    "<@U0SPAM> <@1100000000000000099> <@!1100000000000000098> <@&1100000000000000077> "
    "<!channel> <!here> <!subteam^S0MODS|mods> @everyone @here @channel "
    "<#C1|x> <#1100000000000000055> <#general> [x](https://evil.example) <https://evil.example|click> "
    "*bold* **strong** _it_ ~s~ ||spoiler|| `code` <t:99999999999999> \\<@U0SPAM> back\\slash"
)
SHOWN = HOSTILE  # what a reader should see: exactly what the member typed

# Markup placeholders: the bot builds their values from ids and its own playbook.
REVIEWED_MARKUP = {
    "mention": "<@id> of the member the message is about",
    "intro_channel": "<#id> of a configured channel",
    "welcome_channel": "<#id> of a configured channel",
    "guidelines": "the playbook's own link or sentence",
    "members": "a list of <@id> mentions built by the step",
    "when": "a <t:unix> token built from a datetime",
}
TEXT_PLACEHOLDERS = sorted(name for name, p in PLACEHOLDERS.items() if not p.markup)

SLACK_MEMBER = UserRef(Platform.SLACK, "U0MEMBER", "member")
DISCORD_MEMBER = UserRef(Platform.DISCORD, "1100000000000000042", "member")
CONSOLE_MEMBER = UserRef(Platform.CONSOLE, "alice", "alice")


def card(template: str, member: UserRef, name: str) -> RichMessage:
    """The filled template as text, title, field and footer: every place a template lands."""
    filled = render(template, {"mention": mention(member), name: HOSTILE})
    return RichMessage(title=filled, text=filled, fields=(Field(name="Said", value=filled),), footer=filled)


def template_for(name: str) -> str:
    return f"Hello {{mention}}! {{{name}}}"


def test_markup_placeholders_are_the_reviewed_ones() -> None:
    markup = {name for name, p in PLACEHOLDERS.items() if p.markup}
    assert markup == set(REVIEWED_MARKUP)
    assert TEXT_PLACEHOLDERS  # member, title, question, interests, ...
    assert {"member", "title", "question", "interests", "reason", "link"} <= set(TEXT_PLACEHOLDERS)


@pytest.mark.parametrize("name", TEXT_PLACEHOLDERS)
def test_slack_shows_member_text_as_typed(name: str) -> None:
    payload = render_slack(card(template_for(name), SLACK_MEMBER, name), {"general": "C0GENERAL"})
    wire = "\n".join([payload["text"], *mrkdwn_in(payload["blocks"])])  # where Slack parses syntax
    assert not re.search(r"<!(?!date\^)", wire)  # no <!here>, <!channel>, <!everyone>, <!subteam^…>
    assert re.findall(r"<@([^>|]*)", wire) == ["U0MEMBER"] * wire.count("<@U0MEMBER>")
    assert "U0MEMBER" in payload["text"]  # the bot's own mention survives
    assert "<#" not in wire and "<http" not in wire and "<https" not in wire  # no channel, no link
    assert not re.search(r"(?<!\w)@(here|channel|everyone)", wire)  # not even written out
    # Shown as typed: the member's text, with Slack's three escapes, once per place it was put.
    escaped = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    defused = re.sub(r"(?<!\w)@(?=here|channel|everyone)", "@\u200b", escaped)
    mrkdwn = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section" and "text" in b]
    assert defused in mrkdwn[0]
    header = payload["blocks"][0]  # plain_text: shown as typed, clipped to Slack's 150
    assert header["type"] == "header"
    assert header["text"]["text"].startswith("Hello <@U0MEMBER>! [hi](!here) [grp](!subteam^S0MODS)")


@pytest.mark.parametrize("name", TEXT_PLACEHOLDERS)
def test_discord_shows_member_text_as_typed(name: str) -> None:
    rendered = render_discord(card(template_for(name), DISCORD_MEMBER, name), channels={"general": "1"})
    kwargs = rendered.kwargs()
    assert kwargs["allowed_mentions"].to_dict() == {"parse": [], "users": [int(DISCORD_MEMBER.id)]}
    assert rendered.content == f"<@{DISCORD_MEMBER.id}>"  # the embed's mention, repeated to notify
    assert rendered.embed is not None
    embed: dict[str, Any] = rendered.embed.to_dict()
    # A footer is plain text on Discord (no mentions, no markdown): shown exactly as typed.
    assert embed.pop("footer") == {"text": f"Hello <@{DISCORD_MEMBER.id}>! {SHOWN}"}
    fields = [text for f in embed["fields"] for text in (f["name"], f["value"])]
    wire = "\n".join([rendered.content, embed["title"], embed["description"], *fields])
    assert set(re.findall(r"(?<!\\)<@[!&]?(\d+)>", wire)) == {DISCORD_MEMBER.id}
    assert not re.findall(r"(?<!\\)<#\d+>", wire)  # no channel mention
    assert not re.search(r"@(everyone|here)", wire)  # a zero-width space after every such @
    assert not re.search(r"(?<!\\)\[[^\]]*\]\(", wire)  # no masked link
    assert not re.search(r"(?<!\\)(\*|~~|\|\||`)", embed["description"])  # no markdown of theirs
    # Discord reads the backslash escapes back into exactly what the member typed.
    description = embed["description"].removeprefix(f"Hello <@{DISCORD_MEMBER.id}>! ")
    assert discord_reads(description) == SHOWN


def mrkdwn_in(node: Any) -> list[str]:
    """Every mrkdwn text object's text (plain_text objects show ``<`` as typed)."""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_in(item)]
    if not isinstance(node, dict):
        return []
    own = [node["text"]] if node.get("type") == "mrkdwn" else []
    return own + [t for value in node.values() for t in mrkdwn_in(value)]


def discord_reads(text: str) -> str:
    """What a Discord reader sees: backslash escapes resolved, zero-width spaces invisible."""
    return re.sub(r"\\([^\w\s])", r"\1", text).replace("\u200b", "")


@pytest.mark.parametrize("name", TEXT_PLACEHOLDERS)
def test_console_prints_member_text_as_typed(name: str) -> None:
    block = console.message("#general", card(template_for(name), CONSOLE_MEMBER, name), ZoneInfo("UTC"))
    assert block.head == f"Hello @alice! {SHOWN}"  # the bot's mention is written out, theirs is not
    assert block.body[0] == f"Hello @alice! {SHOWN}"
    assert block.body[1] == f"Said: Hello @alice! {SHOWN}"


def test_markup_placeholders_pass_through() -> None:
    values = {"mention": "<@U1>", "intro_channel": "<#intros>", "when": "<t:1767200400>", "members": "<@U2>"}
    filled = render("{mention} {intro_channel} {when} {members}", values)
    assert filled == "<@U1> <#intros> <t:1767200400> <@U2>"


def test_literal_round_trips_every_character() -> None:
    assert literal(HOSTILE) != HOSTILE
    assert console.text(literal(HOSTILE), ZoneInfo("UTC")) == HOSTILE
