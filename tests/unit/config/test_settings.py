"""Process settings: a database URL the bot can't use is bad input with a hint, not a crash."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cohortbot.config.settings import Settings


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("sqlite:///cohortbot.db", "sqlite+aiosqlite:///"),
        ("sqlite+pysqlite:///cohortbot.db", "sqlite+aiosqlite:///"),
        ("postgresql://bot:s3cret@db/cohort", "postgresql+asyncpg://"),
        ("postgres://bot:s3cret@db/cohort", "postgresql+asyncpg://"),
        ("postgresql+psycopg://bot:s3cret@db/cohort", "postgresql+asyncpg://"),
        ("mysql+aiomysql://bot@db/cohort", "sqlite+aiosqlite:/// or postgresql+asyncpg://"),
        ("cohortbot.db", "sqlite+aiosqlite:/// or postgresql+asyncpg://"),
    ],
)
def test_a_database_url_without_an_async_driver_is_refused_with_the_one_to_use(url: str, hint: str) -> None:
    with pytest.raises(ValidationError) as failure:
        Settings(_env_file=None, COHORTBOT_DATABASE_URL=url)
    message = str(failure.value.errors()[0]["msg"])
    assert all(part in message for part in hint.split(" or "))
    assert "s3cret" not in message


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///cohortbot.db", "postgresql+asyncpg://bot@db/cohort"])
def test_the_async_drivers_are_accepted(url: str) -> None:
    assert Settings(_env_file=None, COHORTBOT_DATABASE_URL=url).database_url == url
