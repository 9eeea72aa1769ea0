"""The console as people use it: who may act, where answers appear, what /advance and files show.

The adapter is driven line by line (``handle_line``) against a stand-in for the runtime, and
performs the bot's actions as the deliverer would hand them over (``perform``).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cohortbot.adapters.console.adapter import ConsoleAdapter
from cohortbot.bot.clock import ManualClock
from cohortbot.playbook.actions import (
    AddReaction,
    OpenForm,
    PinMessage,
    PostMessage,
    RespondToInteraction,
    SendDirectMessage,
)
from cohortbot.playbook.events import ButtonPressed, Event, FormSubmitted, MemberJoined, MessagePosted
from cohortbot.playbook.messages import Attachment, Button, Form, FormInput, RichMessage, literal
from cohortbot.playbook.refs import ChannelRef, CommunityRef, MessageRef, Platform, UserRef

START = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
COMMUNITY = CommunityRef(Platform.CONSOLE, "local", "Data Science Cohort")
ALICE = UserRef(Platform.CONSOLE, "alice", "alice")


class Control:
    """The runtime as the console sees it: a movable clock, and hooks for settle and advance."""

    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.on_settle: Callable[[], Awaitable[None]] | None = None
        self.on_advance: Callable[[timedelta], Awaitable[None]] | None = None

    async def settle(self) -> None:
        if self.on_settle is not None:
            hook, self.on_settle = self.on_settle, None
            await hook()

    async def advance(self, delta: timedelta) -> int:
        target = self.clock.now() + delta
        if self.on_advance is not None:
            await self.on_advance(delta)
        self.clock.set(target)
        return 0

    def request_stop(self, fatal: str | None = None) -> None:
        pass


class Console:
    def __init__(self, tmp_path: Path, *, staff: tuple[str, ...] = ("facilitator",)) -> None:
        self.control, self.out, self.events = Control(), io.StringIO(), list[Event]()
        self.adapter = ConsoleAdapter(
            self.control,
            stdin=io.StringIO(""),
            stdout=self.out,
            community=COMMUNITY,
            timezone="Europe/Berlin",
            interactive=False,
            files=tmp_path / "files",
            staff=staff,
        )

    async def start(self) -> None:
        async def sink(event: Event) -> None:
            self.events.append(event)

        await self.adapter.start(sink, [])

    async def type(self, *lines: str) -> str:
        """Each line as typed; what the console printed for them."""
        before = len(self.out.getvalue())
        for line in lines:
            await self.adapter.handle_line(line)
        return self.out.getvalue()[before:]

    async def bot(self, *actions: object) -> str:
        before = len(self.out.getvalue())
        for action in actions:
            await self.adapter.perform(action)  # type: ignore[arg-type]
        return self.out.getvalue()[before:]


@pytest.fixture
async def console(tmp_path: Path) -> Console:
    console = Console(tmp_path)
    await console.start()
    return console


def dm(text: str, *buttons: Button, attachments: tuple[Attachment, ...] = ()) -> SendDirectMessage:
    message = RichMessage(text=text, buttons=buttons, attachments=attachments)
    return SendDirectMessage(key=text, community=COMMUNITY, to=ALICE, message=message)


def post(channel: str, text: str, *buttons: Button, attachments: tuple[Attachment, ...] = ()) -> PostMessage:
    message = RichMessage(text=text, buttons=buttons, attachments=attachments)
    where = ChannelRef(Platform.CONSOLE, id=channel, name=channel)
    return PostMessage(key=text, community=COMMUNITY, channel=where, message=message)


# ---------------------------------------------------------------------- who may act


async def test_joining_twice_and_leaving_unjoined_are_answered_not_recorded(console: Console) -> None:
    out = await console.type("/join alice", "/join alice", "/leave zed", "/leave alice", "/leave alice")
    assert out.splitlines() == [
        "* alice joined the community",
        "* alice is already a member",
        "* zed is not a member, so cannot leave",
        "* alice left the community",
        "* alice is not a member, so cannot leave",
    ]
    assert [type(e).__name__ for e in console.events] == ["MemberJoined", "MemberLeft"]


async def test_a_stranger_is_told_to_join_before_posting_reacting_or_clicking(console: Console) -> None:
    await console.type("/join alice", "alice: Hello all!")
    before = len(console.events)
    out = await console.type(
        "zed: hi", "/reply zed welcome", "/react zed 👍", "/click zed accept", "zed: /cohort help",
        "/submit zed a=1",
    )
    assert out.splitlines() == ["* zed is not a member of the community: /join zed first"] * 6
    assert len(console.events) == before
    await console.type("/join zed", "zed: hi")
    assert isinstance(console.events[-1], MessagePosted) and console.events[-1].text == "hi"


async def test_the_playbooks_moderators_and_anyone_given_a_role_act_without_joining(console: Console) -> None:
    out = await console.type("facilitator: Welcome, all!", "/role mia Moderators", "mia: I'm here to help")
    assert out == "* mia now has the role Moderators\n"
    assert [getattr(e, "text", "") for e in console.events] == ["Welcome, all!", "I'm here to help"]


async def test_a_resumed_community_knows_its_members_and_says_where_it_resumes(tmp_path: Path) -> None:
    console = Console(tmp_path)
    console.adapter.resume(["alice", "bob"], at=START + timedelta(days=3), source="cohortbot.db")
    await console.start()
    assert console.out.getvalue() == (
        "* resuming Data Science Cohort from cohortbot.db: 2 members (alice, bob), "
        "simulated time Sat 07 Mar 2026 10:00 CET. Run with --fresh to start over.\n"
    )
    out = await console.type("/join alice", "bob: still here", "/leave bob")
    assert out.splitlines() == ["* alice is already a member", "* bob left the community"]
    assert [type(e).__name__ for e in console.events] == ["MessagePosted", "MemberLeft"]


# ---------------------------------------------------------------------- what the console says


async def test_help_prints_its_heading_and_a_command_missing_words_prints_its_line(console: Console) -> None:
    help_text = await console.type("/help")
    assert help_text.startswith("Console commands (one a line; piped input works too, for scripts):\n")
    assert "/advance 2d" in help_text and "/quit" in help_text
    out = await console.type("/join", "/advance", "/advance banana", "/frobnicate x")
    assert out.splitlines() == [
        "* usage: /join NAME (NAME joins the community)",
        "* usage: /advance 2d (move the simulated clock (90s, 15m, 2h, 3d, 1w); timers fire)",
        "* /advance expects a duration like 15m, 2h, 3d or 1w, not 'banana'",
        "* unknown command: /frobnicate (see /help)",
    ]


async def test_reactions_and_pins_name_the_message_never_its_number(console: Console) -> None:
    intro = "alice: Hi, I'm Alice from Lyon, learning Python for my thesis."
    await console.type("/join alice", "#introductions", intro)
    posted = console.events[-1]
    assert isinstance(posted, MessagePosted)
    guidelines = await console.bot(post("welcome", f"Our guidelines, {literal('*alice*')}: be kind."))
    assert guidelines == "[#welcome] Our guidelines, *alice*: be kind.\n"
    welcome = ChannelRef(Platform.CONSOLE, id="welcome", name="welcome")
    pinned = MessageRef(welcome, str(int(posted.message.id) + 1))   # the bot's next message
    out = await console.bot(
        AddReaction(key="r", community=COMMUNITY, message=posted.message, emoji="👋"),
        PinMessage(key="p", community=COMMUNITY, message=pinned),
    )
    assert out == (
        "[reaction] 👋 on alice's message “Hi, I'm Alice from Lyon, learning Pytho…” in #introductions\n"
        "[#welcome] pinned the bot's message “Our guidelines, *alice*: be kind.”\n"
    )


async def test_the_answer_to_a_button_appears_in_the_cards_channel(console: Console) -> None:
    await console.type("/join alice", "#general")
    rsvp = Button(label="I'll be there", action_id="rsvp")
    await console.bot(post("announcements", "Office hours Tuesday", rsvp))
    await console.bot(dm("Welcome!", Button(label="I accept the guidelines", action_id="accept")))
    await console.type("/click alice there")
    in_announcements = console.events[-1]
    await console.type("/click alice accept")
    in_dm = console.events[-1]
    assert isinstance(in_announcements, ButtonPressed) and isinstance(in_dm, ButtonPressed)
    out = await console.bot(
        RespondToInteraction(key="a", community=COMMUNITY, interaction=in_announcements.interaction,
                             message=RichMessage(text="1 going"), ephemeral=False),
        RespondToInteraction(key="b", community=COMMUNITY, interaction=in_dm.interaction,
                             message=RichMessage(text="Thanks alice!"), ephemeral=False),
        RespondToInteraction(key="c", community=COMMUNITY, interaction=in_dm.interaction,
                             message=RichMessage(text="Only for you")),
    )
    assert out == "[#announcements] 1 going\n[DM -> alice] Thanks alice!\n[to alice, only you] Only for you\n"


async def test_what_fires_during_advance_follows_the_simulated_time_it_fires_at(console: Console) -> None:
    async def fire(delta: timedelta) -> None:
        for hours, text in ((24, "a reminder"), (24, "a nudge"), (48, "a prompt")):
            console.control.clock.set(START + timedelta(hours=hours))
            await console.adapter.perform(post("general", text))

    console.control.on_advance = fire
    out = await console.type("/advance 3d")
    assert out.splitlines() == [
        "* advancing the clock by 3d",
        "* at Thu 05 Mar 2026 10:00 CET",
        "[#general] a reminder",
        "[#general] a nudge",
        "* at Fri 06 Mar 2026 10:00 CET",
        "[#general] a prompt",
        "* time is Sat 07 Mar 2026 10:00 CET",
    ]
    assert await console.bot(post("general", "after the advance")) == "[#general] after the advance\n"


# ---------------------------------------------------------------------- files and forms


async def test_attachments_are_saved_to_the_files_folder_and_their_paths_printed(
    console: Console, tmp_path: Path
) -> None:
    chart = Attachment(filename="channels.png", content_type="image/png", data=b"\x89PNG chart")
    hostile = Attachment(filename="../../.bashrc", content_type="text/plain", data=b"echo owned")
    out = await console.bot(
        post("mod-team", "Weekly digest", attachments=(chart,)),
        post("mod-team", "Next week's digest", attachments=(chart, hostile)),
    )
    folder = tmp_path / "files"
    assert (folder / "channels.png").read_bytes() == b"\x89PNG chart"
    assert (folder / "channels-2.png").read_bytes() == b"\x89PNG chart"   # the first is kept
    assert (folder / "bashrc").read_bytes() == b"echo owned"             # inside the folder, not hidden
    written = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["bashrc", "channels-2.png", "channels.png"]
    assert f"(attachment channels.png saved to {folder / 'channels.png'})" in out
    assert f"(attachment channels.png saved to {folder / 'channels-2.png'})" in out
    assert f"(attachment ../../.bashrc saved to {folder / 'bashrc'})" in out


async def test_an_attachment_that_cannot_be_written_is_said_and_the_message_shown(tmp_path: Path) -> None:
    (tmp_path / "files").write_text("a file where the folder should be")
    console = Console(tmp_path)
    await console.start()
    chart = Attachment(filename="channels.png", content_type="image/png", data=b"png")
    out = await console.bot(post("mod-team", "Weekly digest", attachments=(chart,)))
    assert out.startswith(f"* could not save channels.png in {tmp_path / 'files'}: ")
    assert out.endswith("[#mod-team] Weekly digest\n    (attachment: channels.png)\n")


async def test_submit_on_the_next_page_of_a_form_presses_continue_first(console: Console) -> None:
    await console.type("/join alice")
    page = Form(
        form_id="survey:page:2", title="Check-in (2/2)", inputs=(FormInput(input_id="else", label="Else?"),)
    )
    await console.bot(dm("Saved. Page 2 of 2 is next.", Button(label="Continue", action_id="surveys:start")))

    async def open_page() -> None:   # the bot answers the Continue press with the next page
        pressed = console.events[-1]
        assert isinstance(pressed, ButtonPressed) and pressed.action_id == "surveys:start"
        await console.adapter.perform(
            OpenForm(key="f", community=COMMUNITY, interaction=pressed.interaction, form=page)
        )

    console.control.on_settle = open_page
    out = await console.type("/submit alice else=Thanks")
    assert out.startswith("* alice presses Continue\n[form for alice] Check-in (2/2)\n")
    submitted = console.events[-1]
    assert isinstance(submitted, FormSubmitted)
    assert (submitted.form_id, submitted.values) == ("survey:page:2", {"else": "Thanks"})
    # That Continue was used: a second /submit does not press it again.
    assert await console.type("/submit alice else=again") == "* no form is open for alice\n"


async def test_submit_with_no_form_and_no_continue_button_says_so(console: Console) -> None:
    await console.type("/join alice")
    assert await console.type("/submit alice a=1") == "* no form is open for alice\n"
    assert [type(e) for e in console.events] == [MemberJoined]


async def test_the_resume_notice_is_printed_once_at_start(tmp_path: Path) -> None:
    console = Console(tmp_path)
    console.adapter.resume([], at=START, source="postgresql+asyncpg://bot:***@db/cohort")
    await console.start()
    await asyncio.sleep(0)
    assert console.out.getvalue() == (
        "* resuming Data Science Cohort from postgresql+asyncpg://bot:***@db/cohort: 0 members, "
        "simulated time Wed 04 Mar 2026 10:00 CET. Run with --fresh to start over.\n"
    )
