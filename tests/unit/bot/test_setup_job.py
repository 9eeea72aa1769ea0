"""The setup job (``/cohort setup``, ``status``'s checks), on the harness with a workspace in memory.

What the job says in each case a moderator can meet: a platform with nothing to set up (the
console), hostile names from the server shown as typed, a platform that refuses halfway (what
was done is still listed), a platform that never answers, and an answer ready after the
interaction expired (posted in the moderators' channel instead).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from cohortbot.adapters.workspace import (
    AdminError,
    ChannelInfo,
    CommunityInfo,
    Finding,
    Needs,
    RoleInfo,
    Visibility,
)
from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.bot.setup_job import SetupJob
from cohortbot.playbook.actions import PostMessage, RespondToInteraction, RunSetup
from cohortbot.playbook.refs import InteractionRef, Platform
from tests.harness import Harness


class Workspace:
    """A server in memory: the example playbook's channels but #mod-team, the moderators' role."""

    has_categories = True
    read_only_channels = True

    def __init__(self, community: CommunityInfo, *, refuse: str = "", hang: bool = False) -> None:
        self.community = community
        self.refuse, self.hang = refuse, hang
        self._channels = [
            ChannelInfo(str(n), name)
            for n, name in enumerate(["welcome", "introductions", "general", "announcements", "help"])
        ]
        self._roles = [RoleInfo("r1", "Moderators")]
        self.pinned: list[str] = []

    async def channels(self) -> list[ChannelInfo]:
        if self.hang:
            await asyncio.Event().wait()
        return list(self._channels)

    async def roles(self) -> list[RoleInfo]:
        return list(self._roles)

    async def create_category(self, name: str) -> ChannelInfo:
        self._channels.append(ChannelInfo(name, name, category=True))
        return self._channels[-1]

    async def create_channel(
        self,
        name: str,
        visibility: Visibility,
        *,
        moderator_roles: Sequence[RoleInfo],
        moderator_users: Sequence[str],
        category: ChannelInfo | None,
    ) -> ChannelInfo:
        if name == self.refuse:
            raise AdminError(f"Missing Permissions to create #{name}: give the bot Manage Channels")
        self._channels.append(ChannelInfo(name, name, private=visibility is Visibility.PRIVATE))
        return self._channels[-1]

    async def create_role(self, name: str) -> RoleInfo:
        self._roles.append(RoleInfo(name, name))
        return self._roles[-1]

    async def join(self, channel: ChannelInfo) -> None:
        raise AssertionError("every channel is joined")

    async def pinned_texts(self, channel: ChannelInfo) -> list[str]:
        return list(self.pinned)

    async def post_and_pin(self, channel: ChannelInfo, text: str) -> None:
        self.pinned.append(text)

    async def findings(self, needs: Needs) -> list[Finding]:
        names = {c.name for c in self._channels}
        return [
            Finding(need.name in names, f"#{need.name} exists", "run `cohortbot setup` to create it")
            for need in needs.channels
        ]


class Session:
    platform = "memory"

    def __init__(self, workspace: Workspace) -> None:
        self.space = workspace
        self.opened = self.closed = 0

    async def open(self) -> None:
        self.opened += 1

    async def communities(self) -> list[CommunityInfo]:
        return [self.space.community]

    async def findings(self) -> list[Finding]:
        return [Finding(False, "the app's *scopes* <@U1>", "reinstall the app")]

    async def workspace(self, community: CommunityInfo) -> Workspace:
        return self.space

    async def close(self) -> None:
        self.closed += 1


async def harness(tmp_path: Path, **space: object) -> tuple[Harness, Session]:
    bot = await Harness.start(tmp_path, default_playbook_path().read_text())
    ref = bot.community
    session = Session(Workspace(CommunityInfo(str(ref.platform), ref.id, ref.name), **space))  # type: ignore[arg-type]
    job = bot.runtime.deliverer.setup
    assert isinstance(job, SetupJob)
    job.sessions = lambda platform: session if platform == Platform.MEMORY else None
    job.timeout = 5.0
    return bot, session


async def ask(bot: Harness, text: str) -> RespondToInteraction:
    """The moderator's ``/cohort text``: the setup job's answer (else the command's), once it ran."""
    await bot.command("facilitator", text)
    await bot.runtime.settle()
    answers = [a for a in bot.adapter.of(RespondToInteraction) if isinstance(a, RespondToInteraction)]
    last = answers[-1].interaction
    mine = [a for a in answers if a.interaction == last]
    return next((a for a in mine if a.key.endswith(":answer")), mine[-1])


async def test_a_platform_without_an_admin_session_has_nothing_to_set_up(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, default_playbook_path().read_text())
    try:
        answer = await ask(bot, "setup")
        assert "Setup works on Discord and Slack: the memory has nothing to set up" in answer.message.text
        status = await ask(bot, "status")
        assert "Outbox:" in status.message.text  # no checks to add
    finally:
        await bot.close()


async def test_the_plan_changes_nothing(tmp_path: Path) -> None:
    bot, session = await harness(tmp_path)
    try:
        plan = await ask(bot, "setup")
        assert "To do (" in plan.message.text
        assert "• create channel #mod-team (private: moderators and the bot)" in plan.message.text
        assert session.space.pinned == [] and session.closed == session.opened == 1
        checks = [
            a
            for a in bot.adapter.of(RespondToInteraction)
            if isinstance(a, RespondToInteraction) and a.key.startswith("core:") and "check" in a.key
        ]
        assert checks == []
    finally:
        await bot.close()


async def test_checks_escape_what_the_platform_says(tmp_path: Path) -> None:
    bot, _ = await harness(tmp_path)
    try:
        checks = await ask(bot, "status")
        assert "• the app's \\*scopes\\* \\<@U1\\> — fix: reinstall the app" in checks.message.text
        assert "<@U1>" not in checks.message.text.replace("\\<@U1\\>", "")
        assert "#mod-team exists — fix: run \\`cohortbot setup\\` to create it" in checks.message.text
        assert checks.message.text.endswith("`/cohort setup apply` creates what is missing.")
    finally:
        await bot.close()


async def test_a_refusal_halfway_lists_what_was_done_before_it(tmp_path: Path) -> None:
    bot, session = await harness(tmp_path, refuse="mod-team")
    try:
        stopped = await ask(bot, "setup apply")
        text = stopped.message.text
        assert "The platform refused: Missing Permissions to create \\#mod-team" not in text
        assert "The platform refused: Missing Permissions to create #mod-team" in text
        assert "Done before it stopped:" in text
        assert "Fix it and run `/cohort setup` again (it finds what exists)." in text
        assert session.closed == 1

        session.space.refuse = ""
        again = await ask(bot, "setup apply")
        assert "• created channel #mod-team" in again.message.text
        assert "Done: " in again.message.text
    finally:
        await bot.close()


async def test_a_platform_that_never_answers_is_given_up_on(tmp_path: Path) -> None:
    bot, session = await harness(tmp_path, hang=True)
    job = bot.runtime.deliverer.setup
    assert isinstance(job, SetupJob)
    job.timeout = 0.01
    try:
        answer = await ask(bot, "setup")
        assert "The platform did not answer within 0 seconds." in answer.message.text
        assert session.closed == 1
    finally:
        await bot.close()


async def test_an_answer_ready_after_the_interaction_expired_goes_to_the_moderators_channel(
    tmp_path: Path,
) -> None:
    bot, _ = await harness(tmp_path)
    try:
        job = bot.runtime.deliverer.setup
        assert isinstance(job, SetupJob)
        asked = bot.clock.now() - timedelta(minutes=20)
        action = RunSetup(
            key="core:late",
            community=bot.community,
            task="plan",
            interaction=InteractionRef(Platform.MEMORY, "i-late", token="tok"),
            requested_at=asked,
            channel=bot.channel("mod-team"),
        )
        await job.perform(action, bot.adapter, resumed=False)
        [posted] = [a for a in bot.adapter.of(PostMessage) if a.key == "core:late:answer"]
        assert isinstance(posted, PostMessage) and posted.channel == bot.channel("mod-team")
        assert "asked for with /cohort setup at" in posted.message.footer
    finally:
        await bot.close()
