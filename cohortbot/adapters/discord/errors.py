"""discord.py exceptions -> the adapter contract's delivery errors (never with tokens)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
import discord

from cohortbot.adapters.base import (
    DeliveryError,
    DirectMessageRefused,
    PermanentDeliveryError,
    RetryableDeliveryError,
)

__all__ = ["CANNOT_DM", "delivery_errors", "to_delivery_error"]

CANNOT_DM = 50007  # "Cannot send messages to this user"


def _detail(exc: discord.HTTPException) -> str:
    return f"{exc.status} (code {exc.code}): {exc.text}" if exc.text else f"{exc.status} (code {exc.code})"


def to_delivery_error(exc: BaseException, *, what: str) -> DeliveryError | None:
    """The contract's error for ``exc``, or None when it is not a delivery failure."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, discord.RateLimited):
        return RetryableDeliveryError(f"{what}: rate limited", retry_after=exc.retry_after)
    if isinstance(exc, discord.Forbidden):
        if exc.code == CANNOT_DM:
            return DirectMessageRefused(f"{what}: the member does not accept direct messages")
        return PermanentDeliveryError(f"{what}: missing permission: {_detail(exc)}")
    if isinstance(exc, discord.NotFound):
        return PermanentDeliveryError(f"{what}: not found: {_detail(exc)}")
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429 or exc.status >= 500:
            retry_after = None
            if exc.status == 429 and exc.response is not None:
                header = exc.response.headers.get("Retry-After")
                retry_after = float(header) if header else None
            return RetryableDeliveryError(f"{what}: Discord answered {_detail(exc)}", retry_after=retry_after)
        return PermanentDeliveryError(f"{what}: Discord rejected the request: {_detail(exc)}")
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | ConnectionError):
        return RetryableDeliveryError(f"{what}: connection problem: {type(exc).__name__}")
    return None


@contextmanager
def delivery_errors(what: str) -> Iterator[None]:
    """Translate discord.py/aiohttp failures inside the block into delivery errors."""
    try:
        yield
    except DeliveryError:
        raise
    except Exception as exc:
        mapped = to_delivery_error(exc, what=what)
        if mapped is None:
            raise
        raise mapped from exc
