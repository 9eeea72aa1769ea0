"""The champions step's playbook section: weights, caps, the weekly round, the texts."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.templates import Placeholders

__all__ = ["DEFAULT_DM", "Celebrate", "ChampionsConfig", "Weights"]

TEXT = Annotated[
    str,
    Placeholders(
        "member",
        "mention",
        "community",
        "role",
        "intro_channel",
        "welcome_channel",
        "guidelines",
        "facilitators",
    ),
]
ChannelRole = Literal["welcome", "intros", "moderators", "announcements", "general"]

DEFAULT_DM = (
    "Hi {member}! The moderators of **{community}** have made you a **community champion**: "
    "thank you for helping others so generously.\n\n"
    "What it means:\n"
    "- You carry the {role} role, so newcomers know whom to ask\n"
    "- Keep doing what you already do: answer questions, welcome newcomers, point people to the right place\n"
    "- Nothing is mandatory: if you need a break, just tell a moderator"
)


class Weights(BaseModel):
    """Points per credit (0 turns a kind off)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: float = Field(3.0, ge=0)  # a reply to someone else's question
    newcomer_reply: float = Field(3.0, ge=0)  # the first reply to a newcomer's post
    thanks: float = Field(2.0, ge=0)  # "thanks @x", or a thankful reply to x
    reaction: float = Field(1.0, ge=0)  # a reaction on one of their replies
    intro_welcome: float = Field(2.0, ge=0)  # a reply (or mention) welcoming an introduction


class Celebrate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: ChannelRole = "announcements"
    message: TEXT = (
        "Please welcome {mention}, our newest **community champion**! "
        "Thank you for all your help in {community}."
    )


class ChampionsConfig(StepConfig):
    role: str | None = "Champion"  # granted on approval (Discord role; Slack user group)
    weights: Weights = Weights()
    newcomer_window: Duration = timedelta(days=14)  # members who joined this recently are newcomers
    half_life: Duration = Field(timedelta(days=14), gt=timedelta(0))  # a credit's points halve this often
    cooldown: Duration = timedelta(days=1)  # the same giver -> receiver credit counts once per window
    daily_cap: float = Field(10.0, gt=0)  # points a member can earn per day
    thanks_words: list[str] = Field(
        default_factory=lambda: ["thanks", "thank you", "thank u", "thx", "ty", "merci", "danke", "gracias"]
    )
    remember_posts: Duration = timedelta(days=7)  # how long a question stays creditable
    cron: str = "0 10 * * fri"  # when candidates are nominated (community time zone)
    grace: Duration = timedelta(hours=12)  # after downtime, nominate late within this window
    count: int = Field(3, ge=0)  # candidates per nomination round
    min_score: float = Field(10.0, ge=0)
    exclude_moderators: bool = True
    decline_pause: Duration = timedelta(days=60)  # declined members aren't nominated again for this long
    quiet_after: Duration | None = timedelta(days=30)  # flag champions silent this long (None: never)
    dm: TEXT = DEFAULT_DM
    celebrate: Celebrate | None = None
