"""Finding a roster's people among a community's members, for ``cohortbot roster import``.

Each person is an (email, handle) pair from the roster; :func:`look_up` answers which of them
are members already, by their index in ``people``:

- **Slack**: by email with ``users.lookupByEmail`` (Tier 3, about 50 a minute: the token's
  limiter paces the calls, so 500 rows take about ten minutes; the optional scope
  ``users:read.email``), then, for a row without an email or whose email finds nobody, by
  the exact handle (``name``) in ``users.list``, read once and only if needed.
- **Discord**: by the exact username, with Search Guild Members (``GET
  /guilds/{id}/members/search?query=``): it matches the start of usernames and nicknames,
  so only a member whose username *is* the handle is taken (a nickname or a longer username
  is not them). Discord never shows a bot its members' emails.
- Other platforms (the console) look nobody up: members are matched when they join.

It goes through the platforms' admin sessions (``adapters/*/admin.py``: REST only, so it runs
beside a running bot), which know their tokens and never print them. Someone not found is
simply absent from the answer. Any other failure (a missing scope, a token refused, the
platform down after its retries) is reported once, through ``progress`` and in
:attr:`LookedUp.problems`, and that kind of lookup (by email, by handle) is not tried for
the rows left: they would fail the same way. Nothing here prints or keeps an email or handle.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from cohortbot.adapters.workspace import AdminError, AdminSession, MemberDirectory, MemberInfo
from cohortbot.bot.progress import Progress, quiet
from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.refs import CommunityRef, Platform, UserRef

__all__ = ["LookedUp", "look_up"]

log = logging.getLogger(__name__)

_TITLES = {"discord": "Discord server", "slack": "Slack workspace"}
_TOKENS = {"discord": "DISCORD_TOKEN", "slack": "SLACK_BOT_TOKEN"}
_STEPS = 20  # progress steps over a whole list (a line each where no bar is drawn)


class LookedUp(dict[int, UserRef]):
    """The members found, by index in ``people``; ``problems``: each failure, once."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []


def _default_sessions() -> list[AdminSession]:
    from cohortbot.bot import cli
    from cohortbot.bot.admin_cli import sessions_for

    _core, platforms, _problems = cli._read_settings()
    return sessions_for(platforms)


async def look_up(
    playbooks: PlaybookSet,
    community: CommunityRef,
    people: Sequence[tuple[str, str]],
    progress: Progress | None = None,
    *,
    sessions: Sequence[AdminSession] | None = None,
) -> LookedUp:
    """``{index in people: the member}`` for each (email, handle) found in ``community``.

    ``sessions``: the platforms' admin sessions (default: one per platform whose token is set,
    from the environment, as ``doctor`` builds them)."""
    say = progress or quiet
    found = LookedUp()

    def problem(text: str) -> None:
        if text not in found.problems:
            found.problems.append(text)
            say(text)

    platform = str(community.platform)
    if platform not in _TITLES:
        say(f"{platform}: members are matched to the roster when they join (no lookups here)")
        return found
    if not any(e.strip() or h.strip() for e, h in people):
        return found
    if playbooks.for_community(community) is None:
        problem(f"no playbook runs {community}: add it to `communities:` of a playbook")
        return found
    session = next(
        (s for s in (_default_sessions() if sessions is None else sessions) if s.platform == platform), None
    )
    if session is None:
        problem(f"looking members up on {platform} needs {_TOKENS[platform]}: members match when they join")
        return found
    try:
        await session.open()
        directory = await _directory(session, community)
        await _look_up_all(directory, community, people, found, problem, say)
    except AdminError as exc:
        problem(str(exc))
    finally:
        await session.close()
    return found


async def _directory(session: AdminSession, community: CommunityRef) -> MemberDirectory:
    info = next((c for c in await session.communities() if c.id == community.id), None)
    if info is None:
        raise AdminError(f"the bot is not in {community}: the token set reaches other communities")
    workspace = await session.workspace(info)
    if not hasattr(workspace, "find_member"):
        raise AdminError(f"{community.platform} cannot look members up")
    return workspace  # type: ignore[return-value]  # checked just above


async def _look_up_all(
    directory: MemberDirectory,
    community: CommunityRef,
    people: Sequence[tuple[str, str]],
    found: LookedUp,
    problem: Callable[[str], None],
    say: Progress,
) -> None:
    title = f"Looking up the roster on the {_TITLES[str(community.platform)]}"
    broken: set[str] = set()  # the kinds of lookup that failed: not tried again
    known: dict[tuple[str, str], MemberInfo | None] = {}  # (kind, value): the same person twice
    every = max(1, len(people) // _STEPS)

    async def find(kind: str, value: str) -> MemberInfo | None:
        key = (kind, value.strip().casefold())
        if not key[1] or kind in broken:
            return None
        if key not in known:
            try:
                by = {kind: value}
                known[key] = await directory.find_member(**by)
            except AdminError as exc:
                log.info("roster lookup by %s failed: %s", kind, exc)
                broken.add(kind)
                problem(str(exc))
                known[key] = None
        return known[key]

    say(title, done=0, total=len(people))
    for index, (email, handle) in enumerate(people):
        member = await find("email", email) if directory.by_email else None
        if member is None:
            member = await find("handle", handle)
        if member is not None:
            found[index] = UserRef(Platform(str(community.platform)), member.id, member.name)
        if (index + 1) % every == 0 or index + 1 == len(people):
            say(title, done=index + 1, total=len(people))
