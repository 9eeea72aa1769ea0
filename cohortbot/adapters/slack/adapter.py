"""The Slack adapter: slack-bolt's AsyncApp in, the Web API out. Thin by design.

Inbound, every listener **acks first** (Slack wants an answer within 3 s; in Socket Mode the
ack is the envelope acknowledgement) and only then looks up the actor and hands the
translated event to the runtime's sink: a slow sink never makes Slack retry. Slack's retries
and Socket Mode re-deliveries carry the same ``event_id``; the runtime's inbox collapses them.
The order is decided: an acked event is the runtime's to keep. Its sink does not raise on a
database outage, it buffers (bounded, in order) and stores the events once the database is
back (``bot/intake.py``); a sink that raises all the same is logged with the event and the
next events go on. The window that remains: a process killed while events are buffered
loses them, and Slack does not resend an acked event.

Two modes:

- ``socket`` (default when an app token is set): no public URL; AsyncSocketModeHandler
  opens the websocket that ``apps.connections.open`` hands out.
- ``http``: an aiohttp server on ``http_host:http_port`` serving ``http_path``, every request
  verified with the signing secret (bolt's AsyncRequestVerification: a bad signature or a
  timestamp older than 5 minutes gets 401). Several processes can run behind a load balancer.

Members who joined while the bot was away are caught up (``catchup.py``): at start in HTTP
mode, at every new Socket Mode connection (``hello``), and welcomed once.

Pacing (two Web API requests a second, and why) is part of the platform's registration in
``__init__.py``: the deliverer paces, not the adapter.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from cohortbot.adapters.base import Delivered, DeliveryError, EventSink
from cohortbot.adapters.slack import translate
from cohortbot.adapters.slack.api import SlackApi, build_client
from cohortbot.adapters.slack.catchup import CatchUp
from cohortbot.adapters.slack.perform import SlackPerformer
from cohortbot.playbook.actions import Action
from cohortbot.playbook.commands import CommandSpec, CommandSyntaxError, parse_command_text
from cohortbot.playbook.events import Actor, Event
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform

__all__ = ["SlackAdapter", "SlackConfig", "SlackStartupError"]

log = logging.getLogger(__name__)

_ANY = re.compile(".*")


class SlackStartupError(RuntimeError):
    """Slack refused to start (bad token, missing setting). Never contains a token."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SlackConfig:
    bot_token: str = field(repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    api_url: str | None = None  # e.g. "http://127.0.0.1:PORT/api/" (trailing slash added)
    mode: Literal["socket", "http"] = "socket"
    http_host: str = "0.0.0.0"
    http_port: int = 3000
    http_path: str = "/slack/events"
    community_channel: str | None = None  # id or name: the community is this channel's members
    max_rate_limit_wait: float = 10.0  # longer Retry-After -> RetryableDeliveryError instead
    retry_backoff: float = 1.0  # pause before retrying a 500/503 or a dropped connection
    request_timeout: float = 15.0  # seconds a Web API request may take
    rate_minute: float = 60.0  # the seconds of Slack's per-minute tiers (tests scale it down)
    catch_up: bool = True  # hand over every member at start / reconnect (catchup.py)

    def __post_init__(self) -> None:
        if not self.bot_token:
            raise ValueError("Slack needs a bot token (SLACK_BOT_TOKEN)")
        if self.mode == "socket" and not self.app_token:
            raise ValueError("Slack Socket Mode needs an app-level token (SLACK_APP_TOKEN, xapp-...)")
        if self.mode == "http" and not self.signing_secret:
            raise ValueError("Slack HTTP mode needs the signing secret (SLACK_SIGNING_SECRET)")


class SlackAdapter:
    platform = Platform.SLACK
    capabilities = Capabilities(
        dms=True,
        group_dms=True,
        roles=True,  # user groups, or a channel per role on plans without them
        native_events=False,
        native_polls=False,
        modals=True,
        # Slack allows 100 blocks per modal; ten questions is where a modal stops being
        # quick to fill in, and the engine pages longer forms itself.
        max_form_inputs=10,
        threads=True,
        reactions=True,
        local_time=True,  # <!date^...> renders in each reader's time zone
        max_message_length=4000,  # a section holds 3,000; past ~4,000 Slack truncates the message
    )

    def __init__(self, config: SlackConfig, *, clock: Callable[[], datetime] | None = None) -> None:
        self.config = config
        self._now = clock or (lambda: datetime.now(UTC))
        self.api = SlackApi(
            build_client(
                config.bot_token,
                api_url=config.api_url,
                max_rate_limit_wait=config.max_rate_limit_wait,
                backoff=config.retry_backoff,
                timeout=config.request_timeout,
                rate_minute=config.rate_minute,
            )
        )
        self._performer = SlackPerformer(self.api, now=self._now)
        self.community: CommunityRef | None = None
        self.bot_user_id = ""
        self.bot_id = ""
        self._community_channel: ChannelRef | None = None
        self._sink: EventSink | None = None
        self._commands: Sequence[CommandSpec] = ()
        self._app: AsyncApp | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.http_port: int | None = None  # the bound port in HTTP mode (useful with port 0)
        self.catch_up = CatchUp(
            self.api,
            self._emit,
            community=lambda: None if self._community_channel else self.community,
            bot_user_id=lambda: self.bot_user_id,
        )

    # ------------------------------------------------------------------ lifecycle

    async def start(self, sink: EventSink, commands: Sequence[CommandSpec]) -> None:
        self._sink, self._commands = sink, tuple(commands)
        await self._identify()
        app = AsyncApp(
            # Bolt sets the level of the logger named after the app to the root's at that
            # moment: not "cohortbot", or every cohortbot.* logger would follow it.
            name="cohortbot-slack",
            # The token, not our client: handed a client, bolt still reads SLACK_BOT_TOKEN from
            # the environment by itself and warns that this token "will be unused". Every call
            # the bot makes goes through self.api; bolt's own client only serves the one
            # auth.test of its authorization (per request, a copy of it): pointed at our Web API.
            token=self.config.bot_token,
            signing_secret=self.config.signing_secret or "",
            request_verification_enabled=True,  # 401 on bad signature / stale timestamp
            process_before_response=False,  # ack first, work after
        )
        app.client.base_url = self.api.client.base_url
        self._register(app)
        self._app = app
        if self.config.mode == "http":
            await self._start_http(app)
            self._request_catch_up()
        else:
            await self._start_socket(app)

    def _request_catch_up(self) -> None:
        if not self.config.catch_up:
            return
        if self._community_channel is not None:
            log.info("Slack: members of a community channel are not caught up at start (catchup.py)")
            return
        self.catch_up.request()

    async def _on_socket_message(self, _client: Any, message: dict[str, Any], _raw: str | None) -> None:
        # Every connection starts with hello: the first, and each reconnection after a drop
        # during which Slack may have given up on events. Catch up each time.
        if message.get("type") == "hello":
            self._request_catch_up()

    async def _identify(self) -> None:
        try:
            auth = await self.api.client.auth_test()
        except SlackApiError as exc:
            code = self.api.error_code(exc) or "unknown error"
            raise SlackStartupError(f"Slack auth.test failed: {code} - check SLACK_BOT_TOKEN") from None
        except Exception as exc:
            raise SlackStartupError(f"cannot reach the Slack API ({type(exc).__name__})") from None
        self.community = translate.community_ref(str(auth["team_id"]), str(auth.get("team") or ""))
        self.bot_user_id = str(auth.get("user_id") or "")
        self._performer.bot_user_id = self.bot_user_id
        self.bot_id = str(auth.get("bot_id") or "")
        if self.config.community_channel:
            spec = self.config.community_channel.removeprefix("#")
            try:
                channel_id = (
                    spec if re.fullmatch(r"[CG][A-Z0-9]+", spec) else await self.api.resolve_channel(spec)
                )
            except DeliveryError as exc:
                raise SlackStartupError(f"community channel: {exc}") from None
            self._community_channel = ChannelRef(Platform.SLACK, id=channel_id, name=spec)
        log.info("Slack: connected to workspace %s as %s", self.community, self.bot_user_id)

    async def _start_http(self, app: AsyncApp) -> None:
        runner = web.AppRunner(app.web_app(path=self.config.http_path, port=self.config.http_port))
        await runner.setup()
        site = web.TCPSite(runner, self.config.http_host, self.config.http_port)
        await site.start()
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or ()
        self.http_port = sockets[0].getsockname()[1] if sockets else self.config.http_port
        log.info("Slack: HTTP mode on %s:%s%s", self.config.http_host, self.http_port, self.config.http_path)

    async def _start_socket(self, app: AsyncApp) -> None:
        handler = AsyncSocketModeHandler(app, self.config.app_token, web_client=self.api.client)
        handler.client.message_listeners.append(self._on_socket_message)
        # Ask for the websocket URL ourselves: the client would retry a bad app token forever.
        try:
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except SlackApiError as exc:
            await handler.close_async()  # type: ignore[no-untyped-call]
            code = self.api.error_code(exc) or "unknown error"
            raise SlackStartupError(
                f"Slack apps.connections.open failed: {code} - check SLACK_APP_TOKEN"
            ) from None
        await handler.connect_async()  # type: ignore[no-untyped-call]
        self._socket = handler
        log.info("Slack: Socket Mode connected")

    async def close(self) -> None:
        await self.catch_up.cancel()  # the members not handed over are caught up at the next start
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ outbound

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        return await self._performer.perform(action, resumed=resumed)

    def served_communities(self) -> frozenset[str] | None:
        return None   # one app token serves every workspace it is installed in

    # ------------------------------------------------------------------ inbound

    def _register(self, app: AsyncApp) -> None:
        app.event("team_join")(self._on_team_join)
        app.event("member_joined_channel")(self._on_member_joined_channel)
        app.event("member_left_channel")(self._on_member_left_channel)
        app.event("message")(self._on_message)
        app.event("reaction_added")(self._on_reaction_added)
        app.command("/cohort")(self._on_command)
        app.action(_ANY)(self._on_block_action)
        app.view(_ANY)(self._on_view_submission)

    def _team(self, body: dict[str, Any]) -> CommunityRef:
        assert self.community is not None
        team_id = str(body.get("team_id") or (body.get("team") or {}).get("id") or self.community.id)
        if team_id == self.community.id:
            return self.community
        return translate.community_ref(team_id)

    async def _emit(self, event: Event | None) -> None:
        if event is None or self._sink is None:
            return
        try:
            await self._sink(event)
        except Exception:
            # Acked already: Slack won't send it again. Say which event, and keep listening.
            log.exception("Slack: the event sink failed on %s %s", type(event).__name__, event.event_id)

    async def _actor(self, user_id: str, name: str = "") -> Actor:
        try:
            info = await self.api.user_info(user_id)
            groups = await self.api.usergroups()
        except DeliveryError as exc:
            # Slack is briefly unreachable: the gesture still counts, without standing
            # (a moderator command is then refused and can simply be repeated).
            log.warning("Slack: cannot look up %s's standing: %s", user_id, exc)
            info, groups = {"id": user_id}, []
        return translate.actor(
            user_id,
            name=name or translate.display_name(info),
            roles=translate.roles_of(user_id, groups),
            is_admin=bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner")),
        )

    async def _on_team_join(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        if self._community_channel is None:  # with a community channel, joining it is the join
            await self._emit(translate.team_join(body, community=self._team(body)))

    async def _on_member_joined_channel(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        event = body.get("event") or {}
        if self._community_channel is None or event.get("channel") != self._community_channel.id:
            return
        info = await self.api.user_info(str(event.get("user", "")))
        handle, email = translate.handle_and_email(info)
        await self._emit(
            translate.member_joined_channel(
                body,
                community=self._team(body),
                community_channel=self._community_channel,
                user_name=translate.display_name(info) if info.get("name") or info.get("profile") else "",
                is_bot=bool(info.get("is_bot")),
                handle=handle,
                email=email,
            )
        )

    async def _on_member_left_channel(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await self._emit(
            translate.member_left_channel(
                body, community=self._team(body), community_channel=self._community_channel
            )
        )

    async def _on_message(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        names = await self.api.channel_names()
        await self._emit(
            translate.message_posted(
                body, community=self._team(body), bot_user_id=self.bot_user_id, channel_names=names
            )
        )

    async def _on_reaction_added(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await self._emit(
            translate.reaction_added(body, community=self._team(body), bot_user_id=self.bot_user_id)
        )

    async def _on_command(self, ack: Any, command: dict[str, Any]) -> None:
        # Parsing is pure and fast: a syntax error is answered in the ack itself, ephemerally.
        try:
            parse_command_text(str(command.get("text") or ""), self._commands)
        except CommandSyntaxError as exc:
            await ack(response_type="ephemeral", text=str(exc))
            return
        await ack()
        user_id = str(command.get("user_id") or "")
        actor = await self._actor(user_id, str(command.get("user_name") or ""))
        event = translate.slash_command(
            command, community=self._team(command), actor=actor, catalog=self._commands, now=self._now()
        )
        await self._emit(event)

    async def _on_block_action(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        user = body.get("user") or {}
        actor = await self._actor(
            str(user.get("id", "")), str(user.get("name") or user.get("username") or "")
        )
        for event in translate.block_actions(body, community=self._team(body), actor=actor, now=self._now()):
            await self._emit(event)

    async def _on_view_submission(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()  # closes the modal; the engine answers with its own actions
        user = body.get("user") or {}
        actor = await self._actor(
            str(user.get("id", "")), str(user.get("name") or user.get("username") or "")
        )
        await self._emit(
            translate.view_submission(body, community=self._team(body), actor=actor, now=self._now())
        )
