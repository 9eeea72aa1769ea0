"""The resources step's playbook section: topics with their keywords and seeded links, suggesting."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cohortbot.playbook.durations import Duration
from cohortbot.playbook.model import StepConfig
from cohortbot.playbook.steps.resources.links import (
    MAX_NOTE,
    MAX_TITLE,
    MAX_TOPIC,
    check_url,
    clean,
    topic_name,
    url_key,
)
from cohortbot.playbook.templates import Placeholders

__all__ = ["ResourcesConfig", "SeedResource", "Suggest", "Topic"]

Keyword = Annotated[str, Field(min_length=1, max_length=60)]


class SeedResource(BaseModel):
    """A link the playbook puts in a topic's library (moderators may edit or retire it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=MAX_TITLE)
    url: str
    note: str = Field("", max_length=MAX_NOTE)
    keywords: list[Keyword] = Field(default_factory=list, max_length=30)  # rank it first for these

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        url, problem = check_url(value)
        if problem:
            raise ValueError(problem)
        return url

    @field_validator("title", "note")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return clean(value)


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    keywords: list[Keyword] = Field(default_factory=list, max_length=50)  # the topic's name counts too
    resources: list[SeedResource] = Field(default_factory=list, max_length=50)


class Suggest(BaseModel):
    """Suggesting a topic's resources under a question that matches its keywords."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: list[str] = Field(default_factory=list)  # roles or channel names; none: never
    max: int = Field(3, ge=1, le=10)  # resources per suggestion
    cooldown: Duration = timedelta(minutes=30)  # per channel, between two suggestions
    intro: Annotated[str, Placeholders("community")] = "These resources from {community}'s library may help:"


class ResourcesConfig(StepConfig):
    topics: dict[str, Topic] = Field(default_factory=dict)
    suggest: Suggest = Suggest()
    member_suggestions: bool = True  # members may suggest links for moderators to approve

    @field_validator("topics")
    @classmethod
    def _topic_names(cls, value: dict[str, Topic]) -> dict[str, Topic]:
        for name in value:
            if topic_name(name) != name or not name or len(name) > MAX_TOPIC:
                raise ValueError(
                    f"topic {name!r}: a topic name is 1 to {MAX_TOPIC} lower-case letters, digits or dashes"
                )
        return value

    @model_validator(mode="after")
    def _unique_urls(self) -> ResourcesConfig:
        seen: dict[str, str] = {}
        for name, topic in self.topics.items():
            for seed in topic.resources:
                if url_key(seed.url) in seen:
                    raise ValueError(
                        f"{seed.url} is listed twice (topics {seen[url_key(seed.url)]} and {name})"
                    )
                seen[url_key(seed.url)] = name
        return self
