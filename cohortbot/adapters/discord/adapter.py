"""The Discord adapter: discord.py in, neutral events out; neutral actions in, REST calls out.

Thin on purpose: translation lives in ``translate.py``/``render.py``, each action's REST calls
in ``perform.py``, the 3-second interaction rule in ``interactions.py``. No playbook logic and
no storage here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import discord
import yarl

from cohortbot.adapters.base import Delivered, EventSink
from cohortbot.playbook.actions import Action
from cohortbot.playbook.commands import CommandSpec
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import Platform

from .breaker import CircuitBreaker
from .commands import RegistrationTree, build_command_group
from .errors import delivery_errors
from .inbound import Inbound
from .intake import FATAL, GatewayRunner, describe_failure, guard_parsers, see_uncached_members
from .interactions import InteractionDesk
from .perform import Performer
from .ratelimit import global_limit_trace, global_limiter

__all__ = ["DiscordAdapter", "DiscordConfig", "DiscordStartupError", "intents", "member_cache_flags"]

log = logging.getLogger(__name__)

_PORTAL_HINT = (
    "In the Developer Portal (https://discord.com/developers/applications) open your application"
    " -> Bot -> Privileged Gateway Intents, enable SERVER MEMBERS INTENT (GUILD_MEMBERS) and"
    " MESSAGE CONTENT INTENT, then restart."
)


class DiscordStartupError(RuntimeError):
    """The bot could not connect; the message says what to fix (and never holds the token)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DiscordConfig:
    token: str = field(repr=False)
    api_base_url: str | None = None  # e.g. a REST rate-limit proxy: https://proxy/api/v10
    gateway_url: str | None = None
    shard_ids: list[int] | None = None
    shard_count: int | None = None
    command_sync: Literal["global", "guild", "off"] = "guild"
    guild_ready_timeout: float = 2.0
    ready_timeout: float = 30.0
    dm_breaker_threshold: int = 20  # refused DMs ...
    dm_breaker_window: float = 60.0  # ... within this many seconds ...
    dm_breaker_cooldown: float = 600.0  # ... pause DMs for this long
    defer_after: float = 2.0  # acknowledge unanswered interactions after this
    # One action's REST calls, discord.py's own waits included (a 429 up to 30 s): a Discord that
    # does not answer makes the delivery retryable instead of holding it (aiohttp waits 5 min).
    perform_timeout: float = 90.0
    gateway_restart_delay: float = 5.0  # after an unexpected gateway failure (doubling, up to 10 min)
    # Discord's global limit per bot token (50 requests/s unless Discord raised it for the bot),
    # kept by every REST request of the token in this process (ratelimit.py). Each request's
    # window starts at Discord's answer, which comes after Discord counted it: ``rate_margin``
    # (extra seconds on each window) is not needed for that and stays 0 unless asked for.
    global_rate_limit: int = 50
    global_rate_window: float = 1.0
    rate_margin: float = 0.0


def intents() -> discord.Intents:
    """What the playbook needs. GUILD_MEMBERS and MESSAGE_CONTENT are privileged."""
    wanted = discord.Intents.default()
    wanted.members = True
    wanted.message_content = True
    wanted.presences = False
    wanted.typing = False
    return wanted


def member_cache_flags() -> discord.MemberCacheFlags:
    """Cache the bot's own member (always) and members who join while the bot runs."""
    flags = discord.MemberCacheFlags.none()
    flags.joined = True
    return flags


class DiscordAdapter:
    platform = Platform.DISCORD
    # Deliveries the deliverer keeps in flight here (bot/deliverer.py): the global limiter
    # keeps the rate, and after a busy event loop a full window may leave at once.
    deliveries_in_flight = 25
    capabilities = Capabilities(
        dms=True,
        group_dms=False,
        roles=True,
        native_events=True,
        native_polls=True,
        modals=True,
        max_form_inputs=5,
        threads=True,
        reactions=True,
        local_time=True,
        max_message_length=2000,  # a message's content; mentions in an embed are repeated there
    )

    def __init__(self, config: DiscordConfig, *, on_fatal: Callable[[str], None] | None = None) -> None:
        """``on_fatal(reason)``: the gateway ended for good after ready; the bot should stop
        (``cohortbot run`` passes the runtime's ``request_stop``). Without it, only logged."""
        self.config = config
        self._on_fatal = on_fatal
        self._client: discord.Client | None = None
        self._tree: RegistrationTree | None = None
        self._task: asyncio.Task[None] | None = None
        self._runner: GatewayRunner | None = None
        self._closing = False
        self._performer: Performer | None = None
        self._desk: InteractionDesk | None = None
        self._saved_urls: tuple[str, yarl.URL] | None = None
        self._breaker = CircuitBreaker(
            threshold=config.dm_breaker_threshold,
            window=config.dm_breaker_window,
            cooldown=config.dm_breaker_cooldown,
        )

    @property
    def client(self) -> discord.Client:
        if self._client is None:
            raise RuntimeError("the Discord adapter is not started")
        return self._client

    def _point_at_servers(self) -> None:
        cfg = self.config
        self._saved_urls = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        if cfg.api_base_url:
            discord.http.Route.BASE = cfg.api_base_url.rstrip("/")
        if cfg.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(cfg.gateway_url)

    def _make_client(self) -> discord.Client:
        cfg = self.config
        # The bot never joins a voice channel: discord.py's warnings that the voice libraries
        # (PyNaCl, davey) are missing say nothing true about it. Its own switches for exactly
        # those two warnings, read once when a client is built; every other warning stays.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        options: dict[str, Any] = {
            "intents": intents(),
            # No member cache beyond the bot's own member and those who join while it runs:
            # the catch-up pages through the members (inbound.py) without caching them, and
            # updates of uncached members are dispatched from their payload (intake.py).
            "chunk_guilds_at_startup": False,
            "member_cache_flags": member_cache_flags(),
            "guild_ready_timeout": cfg.guild_ready_timeout,
            "max_ratelimit_timeout": 30.0,
            "http_trace": global_limit_trace(
                global_limiter(
                    cfg.token,
                    limit=cfg.global_rate_limit,
                    window=cfg.global_rate_window,
                    margin=cfg.rate_margin,
                )
            ),
            "allowed_mentions": discord.AllowedMentions(everyone=False, roles=False, users=True),
        }
        if cfg.shard_count is not None:
            if cfg.shard_ids:
                options["shard_ids"] = list(cfg.shard_ids)
            return discord.AutoShardedClient(shard_count=cfg.shard_count, **options)
        return discord.Client(**options)

    async def start(self, sink: EventSink, commands: Sequence[CommandSpec]) -> None:
        self._point_at_servers()
        client = self._client = self._make_client()
        see_uncached_members(client)
        guard_parsers(client)  # an unparseable payload is skipped, not the end of intake
        self._desk = InteractionDesk(client, defer_after=self.config.defer_after)
        self._performer = Performer(client, self._desk, self._breaker)
        self._tree = RegistrationTree(client)
        self._tree.add_command(build_command_group(commands))
        Inbound(
            client,
            sink,
            self._desk,
            poll_answers=self._performer.poll_answers,
            on_guild_ready=self._sync_guild,
            homes=self._performer.homes,
        ).attach()
        try:
            await self._connect(client)
            await self._sync_commands()
        except BaseException:
            await self.close()
            raise

    async def _connect(self, client: discord.Client) -> None:
        cfg = self.config
        try:
            await client.login(cfg.token)
        except discord.LoginFailure:
            raise DiscordStartupError(
                "Discord rejected the bot token (401 Unauthorized). Copy a fresh token from the"
                " Developer Portal (Bot -> Reset Token) into DISCORD_TOKEN."
            ) from None
        except (discord.HTTPException, OSError, TimeoutError) as exc:
            raise DiscordStartupError(f"could not log in to Discord: {_describe(exc)}") from None
        self._runner = GatewayRunner(client, restart_delay=cfg.gateway_restart_delay)
        self._task = asyncio.create_task(self._runner.run(), name="discord-gateway")
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {self._task, ready}, timeout=cfg.ready_timeout, return_when="FIRST_COMPLETED"
        )
        if ready in done:
            self._runner.ready_once = True
            self._task.add_done_callback(self._gateway_ended)
            return
        ready.cancel()
        if self._task not in done:
            raise DiscordStartupError(
                f"the Discord gateway did not become ready within {cfg.ready_timeout:g}s"
                " (check DISCORD_GATEWAY_URL and the network)"
            )
        raise DiscordStartupError(_gateway_failure(self._task.exception())) from None

    def _gateway_ended(self, task: asyncio.Task[None]) -> None:
        """The gateway task never ends silently: after ready, only a fatal close or a bug ends it.

        Either way this process receives nothing from Discord any more, so the bot is stopped
        with the reason (``cohortbot run`` exits 1 printing it; a process manager restarts it).
        """
        if self._closing or task.cancelled():
            return
        reason = "the Discord gateway stopped for good: " + _ended_reason(task.exception())
        if self._on_fatal is None:
            log.critical("%s. The bot receives nothing from Discord until it is restarted.", reason)
            return
        self._on_fatal(reason)

    async def _sync_commands(self) -> None:
        if self._tree is None or self.config.command_sync == "off":
            return
        if self.config.command_sync == "global":
            with delivery_errors("syncing /cohort"):
                await self._tree.sync()
            return
        for guild in self.client.guilds:
            await self._sync_guild(guild)

    async def _sync_guild(self, guild: discord.Guild) -> None:
        """Guild commands appear at once (global ones can take a while); synced at ready."""
        if self._tree is None or self.config.command_sync != "guild":
            return
        target = discord.Object(guild.id)
        self._tree.copy_global_to(guild=target)
        try:
            await self._tree.sync(guild=target)
        except discord.HTTPException as exc:
            log.error("could not register /cohort on %s (%s): %s", guild.name, guild.id, _describe(exc))

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        if self._performer is None:
            raise RuntimeError("the Discord adapter is not started")
        with delivery_errors(f"{action.kind} {action.key}"):
            async with asyncio.timeout(self.config.perform_timeout):
                return await self._performer.perform(action)

    def served_communities(self) -> frozenset[str] | None:
        """Unsharded: every server. Sharded: the servers on this process's shards.

        Discord routes a server to shard ``(guild_id >> 22) % shard_count``; only the process
        holding that shard has the server's channels and roles in its cache, so the others must
        leave its outbox rows alone. A server not yet received (still unavailable) is not
        served yet: its rows wait instead of failing.
        """
        if self.config.shard_count is None or self._client is None:
            return None
        return frozenset(str(guild.id) for guild in self._client.guilds if not guild.unavailable)

    async def close(self) -> None:
        self._closing = True
        if self._desk is not None:
            await self._desk.close()
        if self._client is not None and not self._client.is_closed():
            await self._client.close()
        if self._task is not None:
            if not self._task.done():
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._saved_urls is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved_urls
            self._saved_urls = None


def _gateway_failure(failure: BaseException | None) -> str:
    if isinstance(failure, discord.PrivilegedIntentsRequired):
        return (
            "Discord closed the gateway with code 4014 (disallowed intents): the bot asks for"
            " privileged intents its application has not enabled. " + _PORTAL_HINT
        )
    if isinstance(failure, discord.ConnectionClosed):
        if failure.code == 4004:
            return (
                "Discord closed the gateway with code 4004 (authentication failed): the bot token"
                " was reset or revoked; copy a fresh one from the Developer Portal into DISCORD_TOKEN"
            )
        return f"Discord closed the gateway with code {failure.code}"
    reason = describe_failure(failure) if failure is not None else "unknown error"
    return f"could not connect to the Discord gateway: {reason}"


def _ended_reason(failure: BaseException | None) -> str:
    """Why a gateway task that was ready ended, and what to do about it."""
    if failure is None:
        return "discord.py closed the connection on its own; restart the bot"
    if isinstance(failure, FATAL):
        return _gateway_failure(failure)
    # Sharded: discord.py closes every shard of the process when one fails on a frame it
    # cannot read (unsharded, GatewayRunner connects again instead and this is not reached).
    return (
        f"a shard failed on a gateway frame discord.py could not read ({describe_failure(failure)})"
        " and discord.py closed every shard of this process; restart the bot"
    )


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, discord.HTTPException):
        return f"HTTP {exc.status} (code {exc.code})"
    return type(exc).__name__ if exc is not None else "unknown error"
