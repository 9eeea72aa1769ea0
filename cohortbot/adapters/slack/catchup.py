"""Slack catch-up: members who joined while the bot was away are welcomed once at the next start.

Slack sends ``team_join`` once; while the bot is stopped (or its socket is down for longer
than Slack retries), that join is lost. So, as the Discord adapter does at ``on_ready``, the
adapter hands the runtime a ``MemberJoined`` for every current member of the workspace:

- **When**: at start in HTTP mode; in Socket Mode at every new connection (Slack's ``hello``,
  the first one included: a dropped socket may have lost events). A catch-up asked for while
  one runs is run once more when it ends, never twice at once.
- **Who**: ``users.list`` (cursor pagination, 200 a page, Tier 2: the token's limiter in
  ``ratelimit.py`` paces it; a 429 pauses it). Skipped: deleted users, bots, app users and
  Slackbot (nobody to welcome), guests (``is_restricted`` / ``is_ultra_restricted``: invited
  to a few channels, not into the community), and users Slack gives no ``updated`` time.
  Each page is handed over before the next is asked for, marked ``backfill`` (the runtime
  decides it after live events): memory stays one page whatever the workspace's size.
- **Event id**: the live join's (:func:`join_event_id`, also used by ``translate.team_join``),
  so a join seen live and again at the next start collapses in the runtime's inbox.
- **Join time**: Slack does not say when someone joined a workspace. ``updated`` (the last
  change to the member's account or profile, set at the join) is the closest thing: it is
  never *before* the join. So a member whose ``updated`` is older than the welcome step's
  ``catch_up`` (two days by default) certainly joined before that and is recorded, not
  welcomed (``WelcomeMember.predates``), exactly as a Discord member whose ``joined_at`` is
  that old. A member the bot already knows keeps the join time it was first seen with (the
  engine ages a join by the membership's recorded start), so a veteran who edits their
  profile is not welcomed at the next restart. The one blind spot: at the very first start
  in a workspace, a long-standing member who changed their profile within ``catch_up`` looks
  new and is welcomed; set ``welcome.catch_up`` low for that first start if it matters.
- With a *community channel* (``SLACK_COMMUNITY_CHANNEL``) joining that channel is the join;
  its members are not caught up (logged): Slack would need ``conversations.members`` plus a
  ``users.info`` per member, and a channel join has no time at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from cohortbot.adapters.base import DeliveryError
from cohortbot.playbook.events import Event, MemberJoined
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef

from .api import SlackApi
from .translate import display_name, handle_and_email, join_event_id

__all__ = ["PAGE_SIZE", "CatchUp", "caught_up_join", "join_event_id"]

log = logging.getLogger(__name__)

PAGE_SIZE = 200  # users.list's recommended page size (at most 1,000; Slack advises 200)
SLACKBOT = "USLACKBOT"


def _skipped(user: Mapping[str, Any], bot_user_id: str) -> bool:
    return bool(
        user.get("deleted")
        or user.get("is_bot")
        or user.get("is_app_user")
        or user.get("is_restricted")
        or user.get("is_ultra_restricted")
        or user.get("id") in (SLACKBOT, bot_user_id)
    )


def caught_up_join(
    user: Mapping[str, Any], *, community: CommunityRef, bot_user_id: str = ""
) -> MemberJoined | None:
    """A ``users.list`` member as the ``MemberJoined`` of their join (backfill); None if skipped."""
    user_id = str(user.get("id") or "")
    if not user_id or _skipped(user, bot_user_id):
        return None
    event_id = join_event_id(community.id, user_id, user.get("updated"))
    if event_id is None:
        return None
    name = display_name(user)
    handle, email = handle_and_email(user)
    return MemberJoined(
        community=community,
        occurred_at=datetime.fromtimestamp(int(float(str(user["updated"]))), tz=UTC),
        event_id=event_id,
        member=UserRef(Platform.SLACK, user_id, name),
        display_name=name,
        handle=handle,
        email=email,
        backfill=True,
    )


class CatchUp:
    """Runs the catch-up of one workspace, one at a time (see the module docstring)."""

    def __init__(
        self,
        api: SlackApi,
        emit: Callable[[Event | None], Awaitable[None]],
        *,
        community: Callable[[], CommunityRef | None],
        bot_user_id: Callable[[], str],
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._api = api
        self._emit = emit
        self._community = community
        self._bot_user_id = bot_user_id
        self._page_size = page_size
        self._again: bool | None = None  # None: not running; True: asked again meanwhile
        self._task: asyncio.Task[None] | None = None
        self.runs = 0  # catch-ups completed (for logs and tests)
        self.handed = 0  # members handed over, all runs together

    def request(self) -> None:
        """Start a catch-up in the background, or ask the running one to run once more."""
        if self._again is not None:
            self._again = True
            return
        self._again = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name="slack-catch-up")

    async def wait(self) -> None:
        """Until no catch-up runs (tests, and a clean close)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task, self._again = None, None

    async def _run(self) -> None:
        try:
            while True:
                await self.once()
                self.runs += 1
                if not self._again:
                    return
                self._again = False
        finally:
            self._again = None

    async def once(self) -> int:
        """One pass over ``users.list``; returns how many members were handed over."""
        community = self._community()
        if community is None:
            return 0
        handed, cursor = 0, ""
        try:
            while True:
                params: dict[str, Any] = {"limit": self._page_size}
                if cursor:
                    params["cursor"] = cursor
                data = await self._api.call("users.list", **params)
                handed += await self._hand_over(data.get("members") or (), community)
                cursor = str((data.get("response_metadata") or {}).get("next_cursor") or "")
                if not cursor:
                    break
        except DeliveryError as exc:
            log.error(
                "Slack: the catch-up of %s stopped after %d members: %s; the rest is caught up"
                " at the next start or connection",
                community.id,
                handed,
                exc,
            )
            return handed
        log.info("Slack: caught up %d members of %s", handed, community.id)
        return handed

    async def _hand_over(self, members: Iterable[Mapping[str, Any]], community: CommunityRef) -> int:
        me = self._bot_user_id()
        joins = [caught_up_join(m, community=community, bot_user_id=me) for m in members]
        events = [replace(j, backfill=True) for j in joins if j is not None]
        await asyncio.gather(*(self._emit(e) for e in events))
        self.handed += len(events)
        return len(events)
