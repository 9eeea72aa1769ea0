"""Process settings: environment variables and an optional ``.env`` file.

Secrets (tokens, signing secrets) live here and never in playbooks. They are ``SecretStr`` so
they never show up in a repr, a log line or an error message.

``Settings`` holds what every process needs. Each platform package owns its own settings
class (``cohortbot/adapters/<platform>/settings.py``, an :class:`EnvSettings`), registered in
``cohortbot/adapters/registry.py``. :func:`env_names` and :func:`secret_values` read any of
them, so the list of env vars (tests scrub them) and of secrets (logs redact them) is derived,
never written by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, AliasPath, Field, SecretBytes, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_DATABASE_URL", "LOG_LEVELS", "EnvSettings", "Settings", "env_names", "secret_values"]

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///cohortbot.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class EnvSettings(BaseSettings):
    """Base of every settings class: env vars first, then ``.env`` in the working directory.

    Name each field's env var with ``validation_alias`` (``Field(None, validation_alias="X_TOKEN")``)
    and type secrets as ``SecretStr``: that is all redaction and the test scrub need to know.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")


class Settings(EnvSettings):
    database_url: str = Field(
        DEFAULT_DATABASE_URL, validation_alias=AliasChoices("COHORTBOT_DATABASE_URL", "DATABASE_URL")
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """The bot runs on asyncio: SQLite through aiosqlite, PostgreSQL through asyncpg."""
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme in ("sqlite+aiosqlite", "postgresql+asyncpg"):
            return url
        if scheme == "sqlite" or scheme.startswith("sqlite+"):
            raise ValueError("use the async driver: sqlite+aiosqlite:///path/to/cohortbot.db")
        if scheme in ("postgres", "postgresql") or scheme.startswith("postgresql+"):
            raise ValueError("use the async driver: postgresql+asyncpg://user:password@host/database")
        raise ValueError("use sqlite+aiosqlite:///path/to/cohortbot.db or postgresql+asyncpg://user@host/db")
    playbook: Path | None = Field(None, validation_alias="COHORTBOT_PLAYBOOK")
    log_level: str = Field("INFO", validation_alias="COHORTBOT_LOG_LEVEL")
    # "json": one JSON object per line (time, level, logger, message, community, event_id).
    log_format: Literal["text", "json"] = Field("text", validation_alias="COHORTBOT_LOG_FORMAT")
    # The /metrics and /healthz endpoint: off unless a port is given; loopback unless told.
    metrics_port: int | None = Field(None, ge=0, le=65535, validation_alias="COHORTBOT_METRICS_PORT")
    metrics_host: str = Field("127.0.0.1", min_length=1, validation_alias="COHORTBOT_METRICS_HOST")
    # The calendar feed (GET /calendar/<key>.ics on the metrics server): off without a secret.
    # Each community's key is an HMAC of its id with this secret; the public URL is the base
    # address members reach that server at (behind a reverse proxy), for /cohort calendar.
    calendar_secret: SecretStr | None = Field(None, validation_alias="COHORTBOT_CALENDAR_SECRET")
    public_url: str | None = Field(None, validation_alias="COHORTBOT_PUBLIC_URL")

    @field_validator("calendar_secret")
    @classmethod
    def _long_secret(cls, secret: SecretStr | None) -> SecretStr | None:
        if secret is None or not secret.get_secret_value().strip():
            return None
        if len(secret.get_secret_value()) < 16:
            raise ValueError("use a long random value (16 characters at least), e.g. `openssl rand -hex 32`")
        return secret

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, url: str | None) -> str | None:
        if url is None or not url.strip():
            return None
        url = url.strip().rstrip("/")
        unsafe = any(c.isspace() or c in "<>`\"'|\\" for c in url)
        if not url.startswith(("https://", "http://")) or len(url) > 300 or unsafe:
            raise ValueError("use the address members reach the bot at, e.g. https://cohortbot.example.org")
        return url

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, level: str) -> str:
        name = level.strip().upper()
        if name not in LOG_LEVELS:
            raise ValueError(f"use one of {', '.join(LOG_LEVELS)}")
        return name

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value
    # "off" runs the engine but leaves decided actions in the outbox (maintenance, or a
    # process that only decides while others deliver).
    delivery: Literal["on", "off"] = Field("on", validation_alias="COHORTBOT_DELIVERY")


def env_names(settings: type[BaseSettings]) -> tuple[str, ...]:
    """Every environment variable ``settings`` reads, upper-cased, in field order."""
    prefix = settings.model_config.get("env_prefix", "")
    names: list[str] = []
    for name, field in settings.model_fields.items():
        alias = field.validation_alias or field.alias
        if alias is None:
            choices: list[str | AliasPath] = [f"{prefix}{name}"]
        elif isinstance(alias, AliasChoices):
            choices = list(alias.choices)
        else:
            choices = [alias]
        for choice in choices:
            # An AliasPath reads inside a (JSON) variable; its first element names the variable.
            first = choice.path[0] if isinstance(choice, AliasPath) else choice
            names.append(str(first).upper())
    return tuple(dict.fromkeys(names))


def secret_values(settings: BaseSettings) -> list[str]:
    """The values of the ``SecretStr`` (and ``SecretBytes``) fields that are set."""
    values: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            values.append(value.get_secret_value())
        elif isinstance(value, SecretBytes):
            values.append(value.get_secret_value().decode(errors="replace"))
    return [v for v in values if v]
