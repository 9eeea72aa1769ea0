"""The roster step's playbook section: the daily not-yet-joined list, join codes, texts.

::

    roster:
      daily: "0 9 * * *"       # the list of who hasn't joined yet, to the moderators; null: none
      channel: moderators
      read_dms: true           # a DM to the bot that is exactly a join code uses it
"""

from __future__ import annotations

from typing import Annotated

from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.templates import Placeholders

__all__ = ["RosterConfig"]

MEMBER_TEXT = Annotated[str, Placeholders("member", "mention", "community")]
COHORT_TEXT = Annotated[str, Placeholders("member", "mention", "community", "cohort")]
COUNT_TEXT = Annotated[str, Placeholders("count", "community")]


class RosterConfig(StepConfig):
    daily: str | None = "0 9 * * *"  # cron, community time; null: no daily list
    channel: str = "moderators"  # the daily list: a channel role of the playbook or a name
    read_dms: bool = True  # a DM that is exactly a join code is taken as /cohort course join CODE
    daily_header: COUNT_TEXT = "**Roster: {count} not joined yet**"
    accepted: MEMBER_TEXT = "Thank you, {member}: you're on the roster of {community}. Welcome!"
    accepted_cohort: COHORT_TEXT = (
        "Thank you, {member}: you're on the roster of {community}, in **{cohort}**. Welcome!"
    )
    unknown_code: MEMBER_TEXT = (
        "That join code isn't on the roster of {community}. Check it in the message your "
        "facilitator sent (8 letters and digits, like K7QX-M3PD), or ask them for help."
    )
