"""The ``profiles`` step's playbook section (re-exported by ``playbook.steps.profiles``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.templates import Placeholders

__all__ = ["FIELDS", "Persona", "ProfilesConfig", "Routing", "Share"]

Share = Literal["members", "moderators", "nobody"]
# What a profile holds, in the order it is shown and asked (the form takes the first five).
FIELDS = ("interests", "skills", "goals", "timezone", "pronouns", "persona")

PERSONA_TEXT = Annotated[
    str, Placeholders("member", "mention", "community", "intro_channel", "welcome_channel", "guidelines")
]
ROUTE_TEXT = Annotated[str, Placeholders("member", "mention", "community", "members", "interests")]
ASK_TEXT = Annotated[str, Placeholders("member", "mention", "community")]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Persona(_Section):
    name: str = Field(min_length=1, max_length=32)  # what members type: /cohort profile set persona NAME
    label: str = Field(min_length=1, max_length=80)  # what they see on the button
    welcome: PERSONA_TEXT | None = None  # sent when a member takes this persona

    @field_validator("name")
    @classmethod
    def _one_word(cls, value: str) -> str:
        value = value.strip().lower()
        if not value or any(c.isspace() or c == "," for c in value):
            raise ValueError(f"a persona's name is one word without commas: {value!r}")
        return value


class Routing(_Section):
    channels: list[str] = Field(min_length=1)  # the help channels (role or channel names)
    invite: int = Field(2, ge=1, le=5)  # members invited per question
    weekly_budget: int = Field(2, ge=1, le=20)  # invitations per member in any 7 days
    message: ROUTE_TEXT = (
        "Hi {member}! {members} asked a question that matches your skills ({interests}). "
        "Could you have a look and help if you can?"
    )


class ProfilesConfig(StepConfig):
    # Skills members may list -> keywords that show a question needs them; empty: any skill,
    # matched by its own words.
    skills: dict[str, list[str]] = Field(default_factory=dict)
    personas: list[Persona] = Field(default_factory=list, max_length=10)
    ask_persona_at_join: bool = False  # DM a new member the personas as buttons
    ask_persona: ASK_TEXT = "Hi {member}! Which of these describes you best? It helps us help you."
    share: Share = "members"  # what a member shares until they choose
    routing: Routing | None = None

    @field_validator("skills")
    @classmethod
    def _plain_names(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name in value:
            if not name.strip() or "," in name or len(name) > 40:
                raise ValueError(f"skill names are 1-40 characters without commas: {name!r}")
        return {n.strip().lower(): [k.strip().lower() for k in kws if k.strip()] for n, kws in value.items()}

    @model_validator(mode="after")
    def _personas_unique(self) -> ProfilesConfig:
        names = [p.name for p in self.personas]
        if len(set(names)) != len(names):
            raise ValueError("persona names must be unique")
        if self.ask_persona_at_join and not self.personas:
            raise ValueError("ask_persona_at_join needs personas")
        return self

    def persona(self, name: str | None) -> Persona | None:
        return next((p for p in self.personas if p.name == name), None)
