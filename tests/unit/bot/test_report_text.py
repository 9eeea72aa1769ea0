"""``cohortbot report``'s text: chat tokens and escapes as a reader of a file reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from cohortbot.bot.report import plain
from cohortbot.playbook.messages import literal, mention, timestamp
from cohortbot.playbook.refs import Platform, UserRef

BERLIN = ZoneInfo("Europe/Berlin")


def test_tokens_become_names_channels_and_local_times() -> None:
    due = datetime(2026, 3, 11, 17, 0, tzinfo=UTC)
    text = f"**Due** {timestamp(due)}: {mention(UserRef(Platform.MEMORY, 'u1'))} in <#general>"
    assert plain(text, names={"u1": "Ada"}, zone=BERLIN) == "Due 2026-03-11 18:00: @Ada in #general"


def test_escaped_text_reads_as_typed_and_is_never_a_token() -> None:
    title = literal("Spring <@everyone> *project* [x](y)")
    text = f"**Cohort {title}: week 2 of 4**\n- due: **{literal('Essay **1**')}**: 1 on time"
    assert plain(text, names={"everyone": "Nobody"}, zone=BERLIN) == (
        "Cohort Spring <@everyone> *project* [x](y): week 2 of 4\n- due: Essay **1**: 1 on time"
    )
