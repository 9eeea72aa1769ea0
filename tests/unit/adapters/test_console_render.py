"""Console rendering: actions -> the exact lines the console prints."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cohortbot.adapters.console import render
from cohortbot.adapters.console.render import Block
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
from cohortbot.playbook.messages import (
    Attachment,
    Button,
    Field,
    Form,
    FormInput,
    RichMessage,
    Select,
    SelectOption,
    channel_link,
    literal,
    mention,
    timestamp,
)
from cohortbot.playbook.refs import ChannelRef, CommunityRef, InteractionRef, MessageRef, Platform, UserRef

BERLIN = ZoneInfo("Europe/Berlin")
COMMUNITY = CommunityRef(Platform.CONSOLE, "local", "console community")
ALICE = UserRef(Platform.CONSOLE, "alice", "alice")
BOB = UserRef(Platform.CONSOLE, "bob", "bob")
GENERAL = ChannelRef(Platform.CONSOLE, id="general", name="general")
POSTED = MessageRef(GENERAL, "7")


def test_a_block_prints_its_head_then_its_body_indented_and_blank_lines_bare() -> None:
    block = Block("DM -> alice", "Welcome!", ("Hi alice.", "", "Bye."))
    assert str(block) == "[DM -> alice] Welcome!\n    Hi alice.\n\n    Bye.\n"
    assert str(Block("role", "Member -> alice")) == "[role] Member -> alice\n"


def test_a_full_message_prints_title_text_fields_buttons_menus_attachments_footer_in_order() -> None:
    message = RichMessage(
        title="Welcome, **alice**",
        text="First line\n\nThird line",
        fields=(Field(name="Where", value="in <#introductions>"),),
        buttons=(
            Button(label="I accept", action_id="accept"),
            Button(label="Rules", action_id="rules", url="https://example.org/rules"),
        ),
        selects=(
            Select(
                action_id="interests",
                placeholder="Your interests",
                options=(SelectOption(label="Python", value="python"), SelectOption(label="ML", value="ml")),
            ),
        ),
        attachments=(Attachment(filename="chart.png", content_type="image/png", data=b""),),
        footer="sent by <@bot>",
    )
    assert str(render.message("DM -> alice", message, BERLIN)) == (
        "[DM -> alice] Welcome, **alice**\n"
        "    First line\n"
        "\n"
        "    Third line\n"
        "    Where: in #introductions\n"
        "    [ I accept ]  [ Rules ] (https://example.org/rules)\n"
        "    [ Your interests: python, ml ] (choose with /select NAME value,value)\n"
        "    (attachment: chart.png)\n"
        "    (sent by @bot)\n"
    )


def test_an_attachment_saved_to_a_file_shows_its_path() -> None:
    files = (
        Attachment(filename="chart.png", content_type="image/png", data=b"png"),
        Attachment(filename="survey.csv", content_type="text/csv", data=b"a,b"),
    )
    shown = render.message("#mod-team", RichMessage(text="Results", attachments=files), BERLIN,
                           ["cohortbot-files/chart.png", ""])
    assert shown.body == (
        "(attachment chart.png saved to cohortbot-files/chart.png)",
        "(attachment: survey.csv)",   # not written (the console said why on a line of its own)
    )


def test_without_a_title_the_first_line_is_the_head() -> None:
    assert render.message("#general", RichMessage(text="Hello\nthere"), BERLIN) == Block(
        "#general", "Hello", ("there",)
    )
    assert render.message("#general", RichMessage(text=""), BERLIN) == Block("#general", "", ())


def test_mentions_channels_and_times_are_written_out_in_the_community_zone() -> None:
    when = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    line = f"{mention(ALICE)} see {channel_link(GENERAL)} at {timestamp(when)}"
    assert render.text(line, BERLIN) == "@alice see #general at Wed 04 Mar 2026 10:00 CET"
    assert render.local_time(datetime(2026, 7, 1, 8, 30, tzinfo=UTC), BERLIN) == "Wed 01 Jul 2026 10:30 CEST"


def test_where_each_message_goes() -> None:
    text = RichMessage(text="hi")
    dm = SendDirectMessage(key="k", community=COMMUNITY, to=ALICE, message=text)
    group = SendGroupMessage(key="k", community=COMMUNITY, to=(ALICE, BOB), message=text)
    post = PostMessage(key="k", community=COMMUNITY, channel=GENERAL, message=text)
    in_thread = PostMessage(key="k", community=COMMUNITY, channel=GENERAL, message=text, thread=POSTED)
    by_name = PostMessage(
        key="k", community=COMMUNITY, channel=ChannelRef(Platform.CONSOLE, name="mods"), message=text
    )
    assert render.direct_message_where(dm) == "DM -> alice"
    assert render.group_message_where(group) == "group DM -> alice, bob"
    assert render.post_where(post) == "#general"
    assert render.post_where(in_thread) == "#general > thread"
    assert render.post_where(by_name) == "#mods"
    assert render.response_where("alice", ephemeral=True, channel="general") == "to alice, only you"
    assert render.response_where("alice", ephemeral=False, channel="general") == "#general"
    # A public answer to a button on a DM card appears in that DM.
    assert render.response_where("alice", ephemeral=False, channel="@alice") == "DM -> alice"
    assert render.response_where("alice", ephemeral=False, channel="@alice, bob") == "group DM -> alice, bob"


def test_a_form_lists_its_inputs_and_how_to_answer() -> None:
    form = OpenForm(
        key="k",
        community=COMMUNITY,
        interaction=InteractionRef(Platform.CONSOLE, "3"),
        form=Form(
            form_id="survey:week3",
            title="Week 3 check-in",
            inputs=(
                FormInput(input_id="q1", label="How was it?"),
                FormInput(
                    input_id="q2",
                    label="Pace",
                    options=(
                        SelectOption(label="Slow", value="slow"),
                        SelectOption(label="Fast", value="fast"),
                    ),
                ),
                FormInput(input_id="q3", label="Anything else?", required=False),
            ),
        ),
    )
    assert str(render.form(form, "alice")) == (
        "[form for alice] Week 3 check-in\n"
        "    q1: How was it?\n"
        "    q2: Pace [slow, fast]\n"
        "    q3: Anything else? (optional)\n"
        "    answer with: /submit alice q1=... q2=... q3=...\n"
    )


def test_reactions_threads_pins_and_roles_are_one_line_each() -> None:
    intros = ChannelRef(Platform.CONSOLE, id="introductions", name="introductions")
    message = MessageRef(intros, "4")
    react = AddReaction(key="k", community=COMMUNITY, message=message, emoji="👋")
    thread = StartThread(key="k", community=COMMUNITY, message=message, name="Say hello")
    pin = PinMessage(key="k", community=COMMUNITY, message=message)
    grant = GrantRole(key="k", community=COMMUNITY, member=ALICE, role="Member")
    revoke = RevokeRole(key="k", community=COMMUNITY, member=ALICE, role="Champion")
    said = "alice's message “Hi, I'm Alice”"
    assert str(render.reaction(react, said)) == f"[reaction] 👋 on {said} in #introductions\n"
    assert str(render.thread(thread)) == "[#introductions] thread started: Say hello\n"
    assert str(render.pin(pin, "the bot's message “Guidelines”")) == (
        "[#introductions] pinned the bot's message “Guidelines”\n"
    )
    assert str(render.role(grant)) == "[role] Member -> alice\n"
    assert str(render.role(revoke)) == "[role] Champion removed from alice\n"


def test_a_time_token_no_calendar_has_prints_as_typed() -> None:
    zone = ZoneInfo("Europe/Berlin")
    assert render.text("joined <t:99999999999999>", zone) == "joined <t:99999999999999>"
    assert render.text("at <t:1772442000>", zone) != "at <t:1772442000>"  # a real moment is written out


def test_member_text_prints_as_typed() -> None:
    """A display name holding token syntax is not rewritten into a mention, channel or time."""
    typed = "<@U0SPAM> <#C1|x> <t:1767200400> [x](https://evil.example) *bold* \\o/"
    assert render.text(f"Hi {mention(ALICE)}, {literal(typed)}", BERLIN) == f"Hi @alice, {typed}"


def test_a_thread_name_prints_as_typed() -> None:
    action = StartThread(
        key="t",
        community=COMMUNITY,
        message=MessageRef(GENERAL, "m1"),
        name=literal("*what* <@U1>?"),
    )
    assert render.thread(action) == Block("#general", "thread started: *what* <@U1>?")


def test_labels_menus_and_forms_print_member_text_as_typed() -> None:
    typed = "[hi](!here) <@U0SPAM> *x*"
    shown = RichMessage(
        text="Pick",
        buttons=(Button(label=literal(typed), action_id="b"),),
        selects=(
            Select(action_id="s", placeholder=literal(typed), options=(SelectOption(label="a", value="a"),)),
        ),
    )
    block = render.message("#general", shown, BERLIN)
    assert block.body == (f"[ {typed} ]", f"[ {typed}: a ] (choose with /select NAME value,value)")
    action = OpenForm(
        key="f",
        community=COMMUNITY,
        interaction=InteractionRef(Platform.CONSOLE, "i1"),
        form=Form(
            form_id="f", title=literal("<Q1>"), inputs=(FormInput(input_id="why", label=literal("*Why*?")),)
        ),
    )
    printed = render.form(action, "alice")
    assert printed.head == "<Q1>" and printed.body[0] == "why: *Why*?"
