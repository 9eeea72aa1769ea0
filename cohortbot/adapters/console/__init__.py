"""The console community: play a small community in the terminal, no tokens needed.

``grammar.py`` reads a line into a command and ``render.py`` turns actions into printed lines
(both pure); ``inbound.py`` turns commands into events, ``adapter.py`` does the I/O, and
``session.py`` is what they remember. Registered as the fallback: it starts when no other
platform is configured, on a simulated clock starting at ``COHORTBOT_CONSOLE_START`` (or now).
A community already in the database is resumed (``bot/console_state.py``: members, the simulated
time it reached; ``run --fresh`` starts over); files the bot sends are saved to
``COHORTBOT_CONSOLE_FILES``.
"""

from __future__ import annotations

from cohortbot.adapters.base import PlatformAdapter
from cohortbot.adapters.platform import PlatformSpec, Wiring
from cohortbot.playbook.refs import CommunityRef, Platform

from .adapter import ConsoleAdapter, ConsoleControl
from .grammar import HELP
from .settings import ConsoleSettings

__all__ = ["HELP", "PLATFORM", "ConsoleAdapter", "ConsoleControl", "ConsoleSettings"]


def _build(settings: ConsoleSettings, wiring: Wiring) -> PlatformAdapter:
    # The community's name and time zone come from the playbook that runs it.
    community = CommunityRef(Platform.CONSOLE, "local", "console community")
    loaded = wiring.playbooks.for_community(community)
    zone = loaded.community.timezone if loaded else "UTC"
    name = loaded.community.community_name if loaded else None
    community = CommunityRef(Platform.CONSOLE, "local", name or "console community")
    # The playbook's moderator users ("facilitator", "console:facilitator") act without /join.
    users = loaded.community.moderators.users if loaded else []
    staff = [u.removeprefix("console:") for u in users if ":" not in u.removeprefix("console:")]
    return ConsoleAdapter(
        wiring.control,
        stdin=wiring.stdin,
        stdout=wiring.stdout,
        community=community,
        timezone=zone,
        files=settings.files,
        staff=staff,
    )


PLATFORM = PlatformSpec(
    name=Platform.CONSOLE,
    settings=ConsoleSettings,
    build=_build,
    fallback=True,
    simulated_time=lambda settings: settings.start,
)
