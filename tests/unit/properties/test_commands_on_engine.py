"""Every /cohort command, any arguments, through the real engine: a reply, never a failing step."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.playbook.commands import CommandSyntaxError
from cohortbot.playbook.engine import Decision
from cohortbot.playbook.events import Event
from cohortbot.playbook.steps import STEPS
from tests.harness import Harness

CATALOG = [command.spec for step in STEPS for command in step.commands]
# Values the steps bound or parse: durations, dates, times, numbers, mentions, names.
VALUES = [
    "9999999999w", "1w", "0d", "-1d", "2h", "soon", "9999-12-31", "0001-01-01", "2026-03-10",
    "23:59", "25:61", "<@alice>", "@bob", "alice", "1", "-5", "9" * 30, "weekly", "on", "off",
    "round=1", '"a b"', "'", '"', "<t:99999999999999>", "@everyone", "nan", "inf",
]  # fmt: skip
word = st.one_of(st.sampled_from(VALUES), st.text(max_size=12))


def test_any_arguments_to_any_command_get_a_reply_and_fail_no_step(tmp_path: Path) -> None:
    with asyncio.Runner() as runner:
        bot = runner.run(Harness.start(tmp_path, default_playbook_path().read_text()))
        runner.run(bot.join("alice"))
        failures: list[tuple[Event, Decision]] = []
        handle = bot.runtime.engine.handle

        async def recording(event: Event, uow: Any, **options: Any) -> Decision:
            decision = await handle(event, uow, **options)
            if decision.failures:
                failures.append((event, decision))
            return decision

        bot.runtime.engine.handle = recording  # type: ignore[method-assign]

        @settings(max_examples=400)
        @given(spec=st.sampled_from(CATALOG), data=st.data(), who=st.sampled_from(["facilitator", "alice"]))
        def runs(spec: Any, data: st.DataObject, who: str) -> None:
            n = len(spec.options)
            args = data.draw(
                st.one_of(st.text(max_size=40), st.lists(word, min_size=n, max_size=n + 2).map(" ".join))
            )
            try:
                answer = runner.run(bot.command(who, f"{spec.name} {args}"))
            except CommandSyntaxError:
                return  # the platform shows the usage to the member
            assert answer is not None, (spec.name, args)
            assert not failures, failures

        runs()
        runner.run(bot.close())
