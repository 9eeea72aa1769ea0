"""render.py (RichMessage -> embed/components, Form -> modal), the /cohort tree and the DM breaker."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from cohortbot.adapters.discord.breaker import CircuitBreaker
from cohortbot.adapters.discord.commands import build_command_group
from cohortbot.adapters.discord.render import render_form, render_message, render_text
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.messages import (
    Attachment,
    Button,
    ButtonStyle,
    Field,
    Form,
    FormInput,
    RichMessage,
    Select,
    SelectOption,
    literal,
)

CHANNELS = {"introductions": "1209875632118521860"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi <@1100000000000000042>!", "Hi <@1100000000000000042>!"),
        ("Say hi in <#introductions>", "Say hi in <#1209875632118521860>"),
        ("Say hi in <##introductions>", "Say hi in <#1209875632118521860>"),
        ("See <#1209875632118521859>", "See <#1209875632118521859>"),
        ("Go to <#nowhere>", "Go to #nowhere"),
        ("Live at <t:1767200400>", "Live at <t:1767200400:F>"),
        ("Ends <t:1767200400:R>", "Ends <t:1767200400:R>"),
        (
            "**bold**, *italic*, [link](https://x.org)\n- item",
            "**bold**, *italic*, [link](https://x.org)\n- item",
        ),
    ],
)
def test_inline_tokens(text: str, expected: str) -> None:
    assert render_text(text, channels=CHANNELS) == expected


def test_plain_text_stays_plain_content() -> None:
    out = render_message(RichMessage(text="Welcome <@42>, say hi in <#introductions>"), channels=CHANNELS)
    kwargs = out.kwargs()
    assert kwargs.pop("content") == "Welcome <@42>, say hi in <#1209875632118521860>"
    assert kwargs.pop("allowed_mentions").to_dict() == {"parse": [], "users": [42]}
    assert kwargs == {}


def test_only_the_members_the_bot_mentions_may_be_notified() -> None:
    """Every send carries allowed_mentions: no everyone/here, no roles, no replied user, and
    only the users of the bot's own tokens, whatever else the text holds."""
    name = literal("<@1100000000000000099> <@&1100000000000000077>")
    out = render_message(RichMessage(text=f"Hi <@!42> @everyone @here {name}"))
    assert out.kwargs()["allowed_mentions"].to_dict() == {"parse": [], "users": [42]}
    assert out.content == (
        "Hi <@!42> @\u200beveryone @\u200bhere"
        " \\<@\u200b1100000000000000099\\> \\<@\u200b&1100000000000000077\\>"
    )
    assert render_message(RichMessage(text="No one")).kwargs()["allowed_mentions"].to_dict() == {
        "parse": [],
        "users": [],
    }


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("[x](https://evil.example)", "\\[x\\](https://evil.example)"),
        ("*bold* ~s~ `c` ||spoiler||", "\\*bold\\* \\~s\\~ \\`c\\` \\|\\|spoiler\\|\\|"),
        ("# Huge\n> quote\n- item", "\\# Huge\n\\> quote\n\\- item"),
        ("<#1209875632118521860> <t:1767200400>", "\\<#1209875632118521860\\> \\<t:1767200400\\>"),
        ("back\\slash \\<", "back\\\\slash \\\\\\<"),
    ],
)
def test_member_text_is_shown_as_typed_with_discords_own_escapes(typed: str, shown: str) -> None:
    assert render_text(literal(typed), channels=CHANNELS) == shown


def test_a_member_mention_in_an_embed_is_not_copied_into_the_content() -> None:
    card = RichMessage(title="Card", text=f"Hi <@42>, {literal('<@43>')}", footer=literal("*x*"))
    out = render_message(card)
    assert out.content == "<@42>"
    assert out.embed is not None and out.embed.to_dict()["footer"] == {"text": "*x*"}


def test_card_becomes_an_embed_and_mentions_still_notify() -> None:
    out = render_message(
        RichMessage(
            title="Week 2",
            text="Hi <@42> and <@43>, see <#introductions>",
            footer="cohortbot",
            fields=(Field(name="Goal", value="Ship", inline=True), Field(name="", value="")),
        ),
        channels=CHANNELS,
    )
    assert out.embed is not None
    embed = out.embed.to_dict()
    assert embed["title"] == "Week 2"
    assert embed["description"] == "Hi <@42> and <@43>, see <#1209875632118521860>"
    assert embed["fields"][0] == {"name": "Goal", "value": "Ship", "inline": True}
    assert embed["fields"][1]["name"] == "\u200b"  # Discord refuses empty field names
    assert embed["footer"] == {"text": "cohortbot"}
    assert out.content == "<@42> <@43>"


def test_long_text_moves_into_an_embed() -> None:
    out = render_message(RichMessage(text="x" * 2500))
    assert out.content is None and out.embed is not None and len(out.embed.description or "") == 2500


def components(out: Any) -> list[dict[str, Any]]:
    assert out.view is not None
    rows: list[dict[str, Any]] = out.view.to_components()
    return rows


def test_buttons_selects_and_link_buttons() -> None:
    out = render_message(
        RichMessage(
            text="Coming?",
            buttons=(
                Button(label="Yes", action_id="rsvp:s1", value="yes", style=ButtonStyle.SUCCESS),
                Button(label="No", action_id="rsvp:s1", value="no", style=ButtonStyle.DANGER),
                Button(label="Agenda", action_id="agenda", url="https://example.org/agenda"),
                *(Button(label=f"b{i}", action_id=f"b{i}") for i in range(4)),
            ),
            selects=(
                Select(
                    action_id="tracks",
                    placeholder="Pick tracks",
                    max_values=5,
                    options=(SelectOption(label="ML", value="ml"), SelectOption(label="Web", value="web")),
                ),
            ),
        )
    )
    select_row, first_buttons, more_buttons = components(out)
    (select,) = select_row["components"]
    assert select["custom_id"] == "tracks" and select["max_values"] == 2  # clamped to the options
    assert [o["value"] for o in select["options"]] == ["ml", "web"]
    yes, no, link, *_ = first_buttons["components"]
    assert (yes["custom_id"], yes["style"]) == ("rsvp:s1|yes", discord.ButtonStyle.success.value)
    assert (no["custom_id"], no["style"]) == ("rsvp:s1|no", discord.ButtonStyle.danger.value)
    assert link["url"] == "https://example.org/agenda" and "custom_id" not in link
    assert len(first_buttons["components"]) == 5 and len(more_buttons["components"]) == 2


def test_component_ids_longer_than_discord_allows_are_refused() -> None:
    with pytest.raises(ValueError, match="100 characters"):
        render_message(RichMessage(text="x", buttons=(Button(label="x", action_id="a" * 101),)))


def test_attachments_become_files_and_images_show_in_the_embed() -> None:
    chart = Attachment(filename="chart.png", content_type="image/png", data=b"\x89PNG...")
    out = render_message(RichMessage(title="Health", text="Weekly report", attachments=(chart,)))
    (file,) = out.files
    assert file.filename == "chart.png" and file.fp.read() == b"\x89PNG..."
    assert out.embed is not None and out.embed.image.url == "attachment://chart.png"


def test_form_becomes_a_modal() -> None:
    form = Form(
        form_id="goal-form",
        title="Your goal for this cohort, in a few words please",
        inputs=(
            FormInput(
                input_id="goal", label="Goal", placeholder="Ship a CLI", multiline=True, max_length=500
            ),
            FormInput(
                input_id="track",
                label="Track",
                required=False,
                options=(SelectOption(label="Web", value="web"), SelectOption(label="ML", value="ml")),
            ),
        ),
    )
    modal = render_form(form).to_dict()
    assert modal["custom_id"] == "goal-form" and len(modal["title"]) <= 45
    goal, track = modal["components"]
    assert goal["type"] == 18 and goal["label"] == "Goal"
    assert goal["component"] == {
        **goal["component"],
        "type": 4,
        "custom_id": "goal",
        "style": 2,
        "placeholder": "Ship a CLI",
        "required": True,
        "max_length": 500,
    }
    assert track["component"]["type"] == 3 and track["component"]["custom_id"] == "track"
    assert track["component"]["required"] is False
    assert [o["value"] for o in track["component"]["options"]] == ["web", "ml"]


def test_forms_over_five_inputs_are_refused() -> None:
    form = Form(
        form_id="f", title="t", inputs=tuple(FormInput(input_id=f"i{n}", label="x") for n in range(6))
    )
    with pytest.raises(ValueError, match="at most 5"):
        render_form(form)


def test_command_paths_discord_cannot_express() -> None:
    with pytest.raises(ValueError, match="both a command and a group"):
        build_command_group(
            [
                CommandSpec(path=("prompt",), description="d"),
                CommandSpec(path=("prompt", "add"), description="d"),
            ]
        )
    with pytest.raises(ValueError, match="at most two words"):
        build_command_group([CommandSpec(path=("a", "b", "c"), description="d")])


def test_dm_breaker_opens_on_a_spike_and_closes_after_the_cooldown() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=3, window=10.0, cooldown=60.0, clock=lambda: now[0])
    for t in (0.0, 5.0, 11.0):  # the first refusal has left the window by the third
        now[0] = t
        breaker.record_failure()
    assert not breaker.is_open
    now[0] = 12.0
    breaker.record_failure()
    assert breaker.is_open
    now[0] = 71.9
    assert breaker.is_open
    now[0] = 72.0
    assert not breaker.is_open


TYPED = "[hi](!here) <@U0SPAM> *x* a\\b"  # a member's or moderator's words, as typed


def test_labels_placeholders_and_modal_titles_show_member_text_as_typed_without_backslashes() -> None:
    out = render_message(
        RichMessage(
            text="Pick",
            buttons=(Button(label=literal(TYPED), action_id="b"),),
            selects=(
                Select(
                    action_id="s",
                    placeholder=literal(TYPED),
                    options=(SelectOption(label=literal(TYPED), value="v"),),
                ),
            ),
        )
    )
    select_row, buttons = components(out)
    assert buttons["components"][0]["label"] == TYPED
    assert select_row["components"][0]["placeholder"] == TYPED
    assert select_row["components"][0]["options"][0]["label"] == TYPED
    modal = render_form(
        Form(
            form_id="f",
            title=literal("<b>"),
            inputs=(FormInput(input_id="i", label=literal("*Why*?"), placeholder=literal("[x]")),),
        )
    ).to_dict()
    assert modal["title"] == "<b>"
    (item,) = modal["components"]
    assert item["label"] == "*Why*?" and item["component"]["placeholder"] == "[x]"


def test_thread_event_and_poll_names_show_member_text_as_typed() -> None:
    from cohortbot.adapters.discord.render import plain_name

    assert plain_name(literal(TYPED), 100) == TYPED
    assert plain_name(literal("<" * 80), 45) == "<" * 44 + "…"
    assert plain_name("  ", 100, default="Thread") == "Thread"
