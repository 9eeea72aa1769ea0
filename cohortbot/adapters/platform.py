"""What a platform package registers: :class:`PlatformSpec`. The registry lists them.

A platform package (``adapters/<name>/``) exports ``PLATFORM = PlatformSpec(...)`` naming its
settings class (its env vars; ``SecretStr`` fields are its secrets), a factory building its
adapter from those settings, and its pacing. Importing the package must stay cheap: the
factory imports the platform's library (discord.py, slack-bolt) only when it builds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, Protocol, TextIO, TypeVar

from pydantic_settings import BaseSettings

from cohortbot.adapters.base import PlatformAdapter
from cohortbot.config.settings import env_names, secret_values
from cohortbot.playbook.ports import Clock
from cohortbot.playbook.refs import Platform

if TYPE_CHECKING:
    from cohortbot.playbook.engine import PlaybookSet

__all__ = ["PlatformSpec", "RuntimeControl", "Wiring"]

S = TypeVar("S", bound=BaseSettings)


class RuntimeControl(Protocol):
    """What an adapter that drives the bot itself (the console) may ask of the runtime."""

    @property
    def clock(self) -> Clock: ...

    async def settle(self) -> None:
        """Deliver whatever is due now."""
        ...

    async def advance(self, delta: timedelta) -> int:
        """Move the simulated clock forward, firing timers and schedules in order."""
        ...

    def request_stop(self, fatal: str | None = None) -> None:
        """Stop the bot; ``fatal`` says why it cannot go on (it then exits 1 with that message)."""
        ...


@dataclass(frozen=True, kw_only=True)
class Wiring:
    """What the composition root hands every platform factory (most need none of it)."""

    playbooks: PlaybookSet
    control: RuntimeControl  # usable once the bot runs (the factory is called before)
    stdin: TextIO | None = None
    stdout: TextIO | None = None


@dataclass(frozen=True, kw_only=True)
class PlatformSpec(Generic[S]):
    """One platform's registration: all the composition root knows about it."""

    name: Platform
    # A pydantic-settings class (an EnvSettings): its fields' aliases are the env vars the
    # platform reads, its SecretStr fields the values logs never show.
    settings: type[S]
    # Builds the adapter, or returns None when the settings say the platform is not
    # configured (no token). Import the platform's library inside, not at module level.
    build: Callable[[S, Wiring], PlatformAdapter | None]
    # Requests per second the deliverer lets through to this platform (None: no pacing).
    requests_per_second: float | None = None
    # Library loggers kept at WARNING unless the log level is stricter.
    loggers: tuple[str, ...] = ()
    # Started only when no other platform is configured (the console).
    fallback: bool = False
    # A platform played in simulated time (the console): where its clock starts (None: now).
    # The bot then runs on a clock the platform can move.
    simulated_time: Callable[[S], datetime | None] | None = None

    def load(self, **values: Any) -> S:
        """Read the settings from the environment and ``.env``; ``values`` win (``_env_file=None``...)."""
        return self.settings(**values)

    def env_names(self) -> tuple[str, ...]:
        return env_names(self.settings)

    def secrets(self, settings: S) -> list[str]:
        return secret_values(settings)
