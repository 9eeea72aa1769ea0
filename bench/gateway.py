"""Issue 11 target 1 from the gateway: MESSAGE_CREATE frames through discord.py into the bot.

The bot is the one ``cohortbot run`` builds and runs (``build_app`` + ``Runtime.run``, the
example playbook, ``COHORTBOT_DELIVERY=off``) against the fake Discord of the contract tests
(``tests/contract/fakes/discord_fake.py``, an in-process HTTP + websocket server): it logs in,
IDENTIFYs, receives READY and the GUILD_CREATE of a server (its channels and roles land in
discord.py's cache), registers /cohort, and catches up the server's members through the member
list (one MemberJoined each) before anything is measured.

The measured messages then enter at the real websocket's frame handler,
``client.ws.received_message(frame)``: a MESSAGE_CREATE DISPATCH frame as JSON text, as Discord
sends it (author, member with roles, channel_id, guild_id, content, mentions, and for replies
message_reference + referenced_message). That is discord.py's whole intake of a frame after the
socket read: JSON decode, sequence, ``parsers["MESSAGE_CREATE"]`` (wrapped by the adapter's
``guard_parsers``), ``ConnectionState.parse_message_create`` building the Message from its
cache, then the dispatch of ``on_message`` to the adapter's handler (``inbound.py``), which
translates and awaits the runtime's sink. The frames are not sent through the fake's websocket:
the fake runs in this process on the same 2 cores, and serialising, sending and receiving
thousands of frames would charge the fake's work and aiohttp's socket to the bot and to the
baseline alike, while a burst of frames already buffered in the socket is read back to back by
discord.py anyway (``received_message`` is called with no yield between them) -- which is what
handing a wave of frames to ``received_message`` in one go reproduces.

Baselines in the same run, on the same frames:

- **A**: the same discord.py client with ``on_message`` replaced by a no-op, so it is discord.py's
  own parse + dispatch (one task per message) and nothing else;
- **B**: the rows those messages produced (their activity rows and inbox ids, read back after the
  run) inserted again under another community id / event id with ``executemany``, in batches of
  the size our group commit made, one transaction per batch, through the same SQLAlchemy engine.

Event-to-commit: from handing the frame to ``received_message`` to the return of the adapter's
handler, which returns when the runtime's sink returned (the event's batch committed).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench.hot_path import CHANNELS, EXAMPLE, TEXTS
from cohortbot.adapters import registry
from cohortbot.adapters.discord import DiscordAdapter
from cohortbot.bot.bootstrap import App, build_app
from cohortbot.config.settings import Settings
from cohortbot.playbook.refs import Platform
from cohortbot.storage._sql import ACTIVITY, INBOX
from cohortbot.storage.database import Database
from tests.contract.fakes.discord_fake import FakeDiscord

__all__ = ["Frames", "GatewayBot", "gateway_bot", "percentile", "raw_insert", "through_gateway"]

Frame = tuple[int, str]  # the message id, the DISPATCH frame as the socket hands it over


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@asynccontextmanager
async def database_url(url: str | None) -> AsyncIterator[str]:
    """A database of its own for one run: a temp SQLite file, or a PostgreSQL database created
    for the run and dropped after it (``cohortbot run`` takes a URL, not a schema)."""
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        return
    if not url.startswith("postgresql"):
        yield url
        return
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


@dataclass
class GatewayBot:
    fake: FakeDiscord
    app: App
    client: discord.Client
    members: list[dict[str, Any]]

    @property
    def database(self) -> Database:
        return self.app.database


async def _eventually(check: Callable[[], object], within: float) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot was not ready within {within:g}s")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def gateway_bot(url: str | None, members: int) -> AsyncIterator[GatewayBot]:
    """``cohortbot run`` against the fake Discord, its ``members`` members caught up."""
    fake = await FakeDiscord().start()
    for name in ("python-help", "stats", "mod-team", "announcements"):
        fake.add_channel(name)
    champion = fake.role_named("Champion")["id"]
    facilitators = fake.add_role("facilitators")["id"]
    seeded = fake.seed_members(members)
    for n, member in enumerate(seeded):  # a few roles, as in a real server
        member["roles"] = [champion] * (n % 10 == 3) + [facilitators] * (n % 50 == 7)
    try:
        async with database_url(url) as db_url:
            env: dict[str, Any] = {
                "COHORTBOT_DATABASE_URL": db_url,
                "COHORTBOT_DELIVERY": "off",  # decisions only: delivery is target 3's bench
                "DISCORD_TOKEN": fake.token,
                "DISCORD_API_BASE_URL": fake.base_url,
                "DISCORD_GATEWAY_URL": fake.gateway_url,
            }
            platforms = {s.name: s.load(_env_file=None, **env) for s in registry.PLATFORMS}
            settings = Settings(_env_file=None, **env)
            app = build_app(settings, platform_settings=platforms, playbook_paths=[EXAMPLE])
            await app.database.upgrade()
            task = asyncio.create_task(app.runtime.run())
            try:
                adapter = app.runtime.adapters[Platform.DISCORD]
                assert isinstance(adapter, DiscordAdapter)
                await _eventually(lambda: adapter._client is not None and adapter.client.is_ready(), 30)
                await _eventually(lambda: app.runtime.processed >= members, 120)  # the catch-up
                yield GatewayBot(fake, app, adapter.client, seeded)
            finally:
                app.runtime.request_stop()
                await asyncio.wait_for(task, timeout=30)
                await app.database.dispose()
    finally:
        await fake.close()


class Frames:
    """MESSAGE_CREATE frames, as Discord sends them, from the fake server's members: the mix
    of ``bench/hot_path.py``'s ``Chat`` (a third are replies to a recent message in the same
    channel, which ping its author)."""

    def __init__(self, fake: FakeDiscord, members: list[dict[str, Any]]) -> None:
        self.guild_id = fake.guild_id
        self.channels = [fake.channel_named(name)["id"] for name in CHANNELS]
        self.members = members
        self.n = 0
        self.seq = 10_000
        # per channel: recent messages as a reply quotes them, and their author's member part
        self.recent: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {c: [] for c in self.channels}

    def make(self, count: int) -> list[Frame]:
        return [self.next() for _ in range(count)]

    def next(self) -> Frame:
        n = self.n
        self.n += 1
        self.seq += 1
        now = datetime.now(UTC)
        member = self.members[(n * 7) % len(self.members)]
        channel = self.channels[(n + n // 3) % len(self.channels)]  # replies in every channel
        message_id = discord.utils.time_snowflake(now) | (n & 0x3FFFFF)
        message: dict[str, Any] = {
            "type": 0,
            "tts": False,
            "timestamp": now.isoformat(),
            "pinned": False,
            "nonce": str(message_id + 7),
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "member": _member_part(member),
            "id": str(message_id),
            "flags": 0,
            "embeds": [],
            "edited_timestamp": None,
            "content": TEXTS[n % len(TEXTS)],
            "components": [],
            "channel_id": channel,
            "author": {**member["user"], "public_flags": 0, "clan": None, "avatar_decoration_data": None},
            "attachments": [],
            "guild_id": self.guild_id,
        }
        recent = self.recent[channel]
        if n % 3 == 2 and recent:
            replied, replied_member = recent[-1 - (n % min(len(recent), 20))]
            if replied["author"]["id"] != member["user"]["id"]:
                message["type"] = 19
                message["message_reference"] = {
                    "type": 0, "message_id": replied["id"], "channel_id": channel, "guild_id": self.guild_id,
                }
                message["referenced_message"] = replied
                message["mentions"] = [{**replied["author"], "member": replied_member}]
        referenced = {k: v for k, v in message.items() if k not in ("member", "nonce", "referenced_message")}
        self.recent[channel] = [*recent[-99:], (referenced, message["member"])]
        frame = {"op": 0, "s": self.seq, "t": "MESSAGE_CREATE", "d": message}
        return message_id, json.dumps(frame)


def _member_part(member: dict[str, Any]) -> dict[str, Any]:
    return {**{k: v for k, v in member.items() if k != "user"}, "communication_disabled_until": None}


@dataclass
class _Timing:
    """Wraps the client's ``on_message`` (our adapter's handler, or a no-op for baseline A)."""

    handler: Callable[[discord.Message], Awaitable[None]] | None
    started: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    expected: int = 0
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_message(self, message: discord.Message) -> None:
        if self.handler is not None:
            await self.handler(message)
        started = self.started.pop(message.id, None)
        if started is not None:
            self.latencies.append(time.perf_counter() - started)
            self.expected -= 1
            if self.expected == 0:
                self.finished.set()


async def through_gateway(
    bot: GatewayBot, frames: list[Frame], wave: int, *, noop: bool = False
) -> dict[str, float]:
    """Hand ``frames`` to the websocket's frame handler in waves of ``wave``, each wave once the
    previous one is through; ``noop``: discord.py alone (baseline A), else the whole bot."""
    client, runtime = bot.client, bot.app.runtime
    ws = client.ws
    adapter_handler = client.on_message  # type: ignore[attr-defined]
    timing = _Timing(None if noop else adapter_handler)
    client.on_message = timing.on_message  # type: ignore[attr-defined]
    processed, batches = runtime.processed, runtime.decider.batches
    try:
        cpu, began = time.process_time(), time.perf_counter()
        for start in range(0, len(frames), wave):
            chunk = frames[start : start + wave]
            timing.expected, timing.finished = len(chunk), asyncio.Event()
            for message_id, frame in chunk:
                timing.started[message_id] = time.perf_counter()
                await ws.received_message(frame)
            await timing.finished.wait()
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    finally:
        client.on_message = adapter_handler  # type: ignore[attr-defined]
    figures = {
        "events/s": len(frames) / wall,
        "p50 ms": 1000 * percentile(timing.latencies, 0.5),
        "p99 ms": 1000 * percentile(timing.latencies, 0.99),
        "CPU ms/event": 1000 * cpu / len(frames),
    }
    if not noop:
        decided = runtime.processed - processed
        if decided != len(frames):
            print(f"  (warning: {decided} of {len(frames)} messages decided)")
        figures["events/batch"] = len(frames) / max(1, runtime.decider.batches - batches)
    return figures


async def raw_insert(
    database: Database, frames: list[Frame], batch: int, *, copy: str = "raw"
) -> dict[str, float]:
    """Baseline B: the activity rows and inbox ids ``frames`` produced, inserted again (community
    id and event ids prefixed with ``copy``) with executemany, ``batch`` messages per transaction."""
    ids = [str(message_id) for message_id, _ in frames]
    activity: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    inbox: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    async with database.engine.connect() as connection:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = await connection.execute(select(ACTIVITY).where(ACTIVITY.c.message_id.in_(chunk)))
            for row in rows.mappings():
                values = {k: v for k, v in row.items() if k != "id"}
                values["community_id"] = f"{copy}{values['community_id']}"
                activity[row["message_id"]].append(values)
            wanted = [f"discord:message:{i}" for i in chunk]
            rows = await connection.execute(select(INBOX).where(INBOX.c.event_id.in_(wanted)))
            for row in rows.mappings():
                message_id = row["event_id"].rsplit(":", 1)[1]
                inbox[message_id].append({**row, "event_id": f"{copy}:{row['event_id']}"})
    batches = [ids[start : start + batch] for start in range(0, len(ids), batch)]
    began = time.perf_counter()
    for chunk in batches:
        async with database.engine.begin() as connection:
            for table, by_message in ((INBOX, inbox), (ACTIVITY, activity)):
                if batch_rows := [r for i in chunk for r in by_message[i]]:
                    await connection.execute(table.insert(), batch_rows)
    wall = time.perf_counter() - began
    return {
        "events/s": len(ids) / wall,
        "activity rows/event": sum(map(len, activity.values())) / len(ids),
        "inbox rows/event": sum(map(len, inbox.values())) / len(ids),
    }
