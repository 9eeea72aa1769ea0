"""The calendar feed's addresses: an unguessable key per community, and the URL members use.

The key is an HMAC-SHA256 of the community's id (``discord:1234``) with
``COHORTBOT_CALENDAR_SECRET``, cut to 128 bits: anyone holding a community's URL can read that
community's calendar and nothing else, and nobody can make up another community's URL.
Changing the secret changes every URL (the old ones answer 404).

:class:`CalendarLinks` is the engine's ``Links`` port (``playbook/ports.py``): ``/cohort
calendar`` asks it for the finished URL; the secret never enters the engine.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from pydantic import SecretStr

from cohortbot.config.settings import Settings
from cohortbot.playbook.refs import CommunityRef

__all__ = ["KEY_LENGTH", "CalendarLinks", "feed_key", "feed_problems", "links_for"]

KEY_LENGTH = 32  # hex characters: 128 bits
PATH = "/calendar/{key}.ics"


def feed_key(secret: str, community: CommunityRef | str) -> str:
    """The community's key in its feed's URL."""
    digest = hmac.new(secret.encode(), f"calendar:{community}".encode(), hashlib.sha256).hexdigest()
    return digest[:KEY_LENGTH]


class CalendarLinks:
    """Keys and URLs of the calendar feeds, from the secret and the public base URL."""

    def __init__(self, secret: SecretStr, public_url: str | None = None) -> None:
        self._secret = secret
        self.public_url = public_url.rstrip("/") if public_url else None
        self._keys: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"CalendarLinks(public_url={self.public_url!r})"

    def key(self, community: CommunityRef | str) -> str:
        name = str(community)
        if name not in self._keys:
            self._keys[name] = feed_key(self._secret.get_secret_value(), name)
        return self._keys[name]

    def path(self, community: CommunityRef | str) -> str:
        return PATH.format(key=self.key(community))

    def calendar_url(self, community: CommunityRef) -> str | None:
        """The URL to subscribe to, or None without a public base URL."""
        return f"{self.public_url}{self.path(community)}" if self.public_url else None

    def find(self, key: str, communities: Iterable[CommunityRef]) -> CommunityRef | None:
        """The community whose key ``key`` is (compared in constant time), or None."""
        if len(key) != KEY_LENGTH:
            return None
        found = None
        for community in communities:
            if hmac.compare_digest(self.key(community), key):
                found = community
        return found


def links_for(settings: Settings) -> CalendarLinks | None:
    """The feed's links, or None while the feed is off (no secret)."""
    if settings.calendar_secret is None:
        return None
    return CalendarLinks(settings.calendar_secret, settings.public_url)


def feed_problems(settings: Settings) -> list[tuple[bool, str, str]]:
    """What ``doctor`` and the start log say of the feed: (ok, what, the fix when not ok)."""
    if settings.calendar_secret is None:
        return [
            (
                True,
                "the calendar feed is off (COHORTBOT_CALENDAR_SECRET is not set)",
                "",
            )
        ]
    found = [(True, "the calendar feed has a secret (COHORTBOT_CALENDAR_SECRET)", "")]
    found.append(
        (
            settings.metrics_port is not None,
            "the calendar feed is served (GET /calendar/<key>.ics on the metrics server)",
            "set COHORTBOT_METRICS_PORT (and COHORTBOT_METRICS_HOST) and forward /calendar/ from your "
            "reverse proxy to it",
        )
    )
    found.append(
        (
            settings.public_url is not None,
            "members can be told the feed's URL (COHORTBOT_PUBLIC_URL)",
            "set COHORTBOT_PUBLIC_URL to the https address that reaches the feed, so /cohort calendar "
            "can tell it (`cohortbot calendar url` prints each community's meanwhile)",
        )
    )
    return found
