"""``/cohort setup`` and ``/cohort status``'s checks in chat, on Discord (real discord.py vs the fake).

What ``cohortbot run`` builds with DISCORD_TOKEN, running its real loops. A moderator types
``/cohort setup``: the plan arrives as a follow-up and nothing changes on the server; ``/cohort
setup mode:apply`` creates what is missing and says what it created; a second run finds it all.
``/cohort status`` adds nothing when the server is set up right, and the doctor's failures with
their fixes when it is not. (That a plain member is refused both: ``test_discord_permissions``.)
The tests run in order on one server, as a moderator would go: plan, apply, apply again, status.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from cohortbot.bot.bootstrap import App
from tests.contract.conftest import all_delivered, discord_app, eventually
from tests.contract.fakes.discord_fake import FakeDiscord
from tests.contract.test_setup_doctor_discord import BOT_PERMISSIONS, SEND, created_channels, playbook

pytestmark = pytest.mark.asyncio(loop_scope="module")

DEFERRED = 5
CHANGING = ("POST /guilds/", "PUT /channels/", "PATCH /", "DELETE /")


class Server:
    def __init__(self, fake: FakeDiscord, app: App, moderator: str) -> None:
        self.fake, self.app, self.moderator = fake, app, moderator

    async def command(self, *path: str, **options: Any) -> list[str]:
        """The moderator's ``/cohort path options``: every answer's text, in order."""
        raw = await self.fake.invoke_command(self.moderator, path, options)
        await eventually(lambda: answered(raw), within=10)  # decided: its follow-ups are in the outbox
        await all_delivered(self.app.runtime, self.app.database.unit_of_work, within=30)
        return [text_of(body) for body in answered(raw)]

    def changes(self) -> list[str]:
        return [c.route for c in self.fake.calls if c.route.startswith(CHANGING)]


def answered(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The bodies a member sees: the first answer (not the "thinking" deferral), the follow-ups."""
    given: list[dict[str, Any]] = [r.get("data") or {} for r in raw["responses"] if r["type"] != DEFERRED]
    return given + list(raw["followups"])


def text_of(body: dict[str, Any]) -> str:
    embeds = [f"{e.get('title')}\n{e.get('description')}" for e in body.get("embeds") or []]
    return " ".join([body.get("content") or "", *embeds])


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    fake = await FakeDiscord().start()
    folder: Path = tmp_path_factory.mktemp("discord")
    app = await discord_app(fake, folder, playbook(fake, folder))
    task = asyncio.create_task(app.runtime.run())
    try:
        await eventually(lambda: fake.commands, within=10)  # ready: /cohort registered
        moderator = await fake.add_member("mo", roles=("Moderators",))
        yield Server(fake, app, moderator["user"]["id"])
    finally:
        app.runtime.request_stop()
        await asyncio.wait_for(task, timeout=15)
        await app.database.dispose()
        await fake.close()


async def test_setup_shows_the_plan_and_changes_nothing(server: Server) -> None:
    [plan] = await server.command("setup")
    assert "cohortbot setup: Data Cohort" in plan
    assert "Already there: role 'Moderators', role 'Champion', #welcome, #introductions, #general" in plan
    assert "To do (5):" in plan
    for change in (
        "• create role 'Member'",
        "• create category 'Data Cohort'",
        "• create channel #mod-team (private: moderators and the bot)",
        "• create channel #announcements (read-only for members)",
        "• post and pin the guidelines in #welcome",
    ):
        assert change in plan
    assert "`/cohort setup apply` makes these changes" in plan
    assert server.changes() == []


async def test_setup_apply_creates_what_is_missing_and_says_so(server: Server) -> None:
    [done] = await server.command("setup", mode="apply")
    assert "Done: 5 change(s)." in done
    assert "• created channel #mod-team (private: moderators and the bot)" in done
    assert "• posted and pinned the guidelines in #welcome" in done
    assert created_channels(server.fake) == ["Data Cohort", "mod-team", "announcements"]
    assert server.fake.role_named("Member")
    mods = server.fake.channel_named("mod-team")
    assert mods["parent_id"] == server.fake.channel_named("Data Cohort")["id"]


async def test_a_second_setup_apply_finds_everything_and_changes_nothing(server: Server) -> None:
    before = server.changes()
    [again] = await server.command("setup", mode="apply")
    assert "Nothing to do: everything the playbook names exists." in again
    assert "the guidelines pinned in #welcome" in again
    assert server.changes() == before


async def test_status_adds_nothing_when_the_server_is_set_up_right(server: Server) -> None:
    [status] = await server.command("status")  # every check passed: the status answer is all
    assert "Outbox:" in status and "If the checks of `cohortbot doctor` find a problem" in status


async def test_status_lists_what_the_doctor_finds_wrong_with_the_fix(server: Server) -> None:
    server.fake.bot_role["permissions"] = str(BOT_PERMISSIONS)  # no Administrator: overwrites apply
    server.fake.deny_bot("introductions", SEND)
    _, checks = await server.command("status")
    assert "Setup checks: Data Cohort" in checks
    assert "1 problem(s), as `cohortbot doctor` finds them:" in checks
    assert "• the bot's permissions in #introductions on Learning Cohort — fix:" in checks
    assert "Send Messages" in checks
    assert "/cohort setup apply" not in checks  # nothing setup could create


async def test_status_says_setup_creates_what_is_missing(server: Server) -> None:
    server.fake.channels.pop(server.fake.channel_named("announcements")["id"])
    _, checks = await server.command("status")
    assert "2 problem(s)" in checks
    assert "#announcements" in checks
    assert checks.rstrip().endswith("`/cohort setup apply` creates what is missing.")
