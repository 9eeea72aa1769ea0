"""Live interactions: acknowledge within Discord's 3 seconds, answer, open modals.

The engine answers an interaction through the outbox, which can take a moment. Each live
``discord.Interaction`` is kept by id; when nobody has answered it after ``defer_after``
seconds it is deferred (ephemeral "thinking" for commands and forms, a silent update for
components), and the eventual answer becomes a follow-up. After a restart the live object is
gone, but a follow-up still works from the InteractionRef alone (a webhook follow-up).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import discord

from cohortbot.adapters.base import Delivered, PermanentDeliveryError
from cohortbot.playbook.refs import ChannelRef, InteractionRef, MessageRef, Platform

from .intake import describe_failure
from .render import RenderedMessage

__all__ = ["InteractionDesk"]

log = logging.getLogger(__name__)

_TOKEN_LIFETIME = 15 * 60.0  # Discord interaction tokens stay valid for 15 minutes


@dataclass(slots=True)
class _Live:
    interaction: discord.Interaction
    expires: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    timer: asyncio.Task[None] | None = None


class InteractionDesk:
    def __init__(self, client: discord.Client, *, defer_after: float) -> None:
        self._client = client
        self._defer_after = defer_after
        self._live: dict[str, _Live] = {}

    def track(self, interaction: discord.Interaction) -> None:
        self._forget_expired()
        live = _Live(interaction=interaction, expires=time.monotonic() + _TOKEN_LIFETIME)
        live.timer = asyncio.create_task(self._defer_later(live), name=f"discord-defer-{interaction.id}")
        self._live[str(interaction.id)] = live

    def _forget_expired(self) -> None:
        now = time.monotonic()
        for key in [k for k, v in self._live.items() if v.expires <= now]:
            self._live.pop(key, None)

    async def _defer_later(self, live: _Live) -> None:
        await asyncio.sleep(self._defer_after)
        interaction = live.interaction
        async with live.lock:
            if interaction.response.is_done():
                return
            try:
                if interaction.type is discord.InteractionType.component:
                    await interaction.response.defer()
                else:
                    await interaction.response.defer(ephemeral=True, thinking=True)
            except discord.HTTPException as exc:
                log.warning("could not defer interaction %s: HTTP %s", interaction.id, exc.status)
            except Exception as exc:  # a dropped connection, a timeout: never end the task silently
                log.warning("could not defer interaction %s: %s", interaction.id, describe_failure(exc))

    async def respond(self, ref: InteractionRef, rendered: RenderedMessage, *, ephemeral: bool) -> Delivered:
        live = self._live.get(ref.id)
        kwargs: dict[str, Any] = {**rendered.kwargs(), "ephemeral": ephemeral}
        message: discord.Message | None = None
        if live is None:
            if not ref.token or not ref.application_id:
                raise PermanentDeliveryError("cannot answer the interaction: it carries no token")
            # After a restart: a follow-up through the interaction's webhook.
            webhook = discord.Webhook.from_state(
                data={"id": ref.application_id, "type": 3, "token": ref.token},
                state=self._client._connection,
            )
            message = await webhook.send(**kwargs, wait=True)
        else:
            async with live.lock:
                interaction = live.interaction
                if live.timer is not None:
                    live.timer.cancel()
                if not interaction.response.is_done():
                    callback = await interaction.response.send_message(**kwargs)
                    resource = callback.resource
                    message = resource if isinstance(resource, discord.Message) else None
                else:
                    message = await interaction.followup.send(**kwargs, wait=True)
        if rendered.view is not None:
            rendered.view.stop()  # presses are routed by custom_id, not by this view
        if message is None:
            return Delivered()
        channel = ChannelRef(
            Platform.DISCORD, str(message.channel.id), getattr(message.channel, "name", "") or ""
        )
        return Delivered(message=MessageRef(channel=channel, id=str(message.id)), platform_id=str(message.id))

    async def open_form(self, ref: InteractionRef, modal: discord.ui.Modal) -> Delivered:
        live = self._live.get(ref.id)
        if live is None:
            raise PermanentDeliveryError(
                "cannot open the form: the interaction is no longer live (Discord only allows a"
                " modal as the first answer, within 3 seconds)"
            )
        async with live.lock:
            if live.interaction.response.is_done():
                raise PermanentDeliveryError(
                    "cannot open the form: the interaction was already answered or deferred"
                    " (Discord only allows a modal as the first answer)"
                )
            if live.timer is not None:
                live.timer.cancel()
            await live.interaction.response.send_modal(modal)
        return Delivered()

    async def close(self) -> None:
        timers = [live.timer for live in self._live.values() if live.timer is not None]
        for timer in timers:
            timer.cancel()
        for timer in timers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await timer
        self._live.clear()
