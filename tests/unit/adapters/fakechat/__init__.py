"""A platform package as a new platform would add it: its settings, factory, pacing, loggers.

Its adapter is the in-memory one (``cohortbot.adapters.memory``): what matters here is the
registration, not talking to a chat service. A real platform would import its library inside
``_build``, as ``adapters/discord`` and ``adapters/slack`` do.
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from cohortbot.adapters.base import PlatformAdapter
from cohortbot.adapters.memory import MemoryAdapter
from cohortbot.adapters.platform import PlatformSpec, Wiring
from cohortbot.config.settings import EnvSettings
from cohortbot.playbook.refs import Platform

__all__ = ["PLATFORM", "FakechatAdapter", "FakechatSettings"]


class FakechatSettings(EnvSettings):
    token: SecretStr | None = Field(None, validation_alias="FAKECHAT_TOKEN")
    webhook_secret: SecretStr | None = Field(None, validation_alias="FAKECHAT_WEBHOOK_SECRET")
    room: str = Field("lobby", validation_alias="FAKECHAT_ROOM")


class FakechatAdapter(MemoryAdapter):
    """The memory adapter, remembering what it was built with."""

    def __init__(self, *, token: str, room: str) -> None:
        super().__init__(platform=Platform("fakechat"))
        self.token, self.room = token, room


def _build(settings: FakechatSettings, wiring: Wiring) -> PlatformAdapter | None:
    if settings.token is None:
        return None
    return FakechatAdapter(token=settings.token.get_secret_value(), room=settings.room)


PLATFORM = PlatformSpec(
    name=Platform("fakechat"),  # a new name: nothing in the kernel lists platforms
    settings=FakechatSettings,
    build=_build,
    requests_per_second=7.0,
    loggers=("fakechat_lib",),
)
