"""The Dockerfile and compose files say what the README promises (there is no Docker engine in the
tests: these read the files; tests/e2e/test_container.py runs their entrypoint and health check)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def instructions(name: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / name).read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_image_runs_as_a_non_root_user_with_a_healthcheck_on_healthz() -> None:
    steps = instructions("Dockerfile")
    users = [args for keyword, args in steps if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    env = " ".join(args for keyword, args in steps if keyword == "ENV")
    assert re.search(r"COHORTBOT_METRICS_PORT=\d+", env)  # the bot serves /healthz
    (health,) = [args for keyword, args in steps if keyword == "HEALTHCHECK"]
    assert health.endswith('CMD ["cohortbot-healthcheck"]')
    copies = [args for keyword, args in steps if keyword == "COPY"]
    assert "docker/healthcheck.py /usr/local/bin/cohortbot-healthcheck" in copies
    assert "docker/entrypoint.py /usr/local/bin/cohortbot-entrypoint" in copies
    assert ("ENTRYPOINT", '["cohortbot-entrypoint"]') in steps
    assert ("CMD", '["run", "--no-console"]') in steps


def test_the_build_context_leaves_secrets_and_databases_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignored[ignored.index("*") + 1 :], "everything is ignored, then what is copied is let in"
    assert not any(line.startswith("!") and (".env" in line or ".db" in line) for line in ignored)


def compose(name: str = "compose.yaml") -> dict[str, dict[str, dict[str, object]]]:
    loaded: dict[str, dict[str, dict[str, object]]] = yaml.safe_load((ROOT / name).read_text())
    return loaded


def test_compose_holds_no_password_and_takes_it_from_env() -> None:
    text = (ROOT / "compose.yaml").read_text()
    services = compose()["services"]
    db_env = services["db"]["environment"]
    assert isinstance(db_env, dict)
    assert db_env["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    bot_env = services["bot"]["environment"]
    assert isinstance(bot_env, dict)
    assert "${POSTGRES_PASSWORD" in bot_env["COHORTBOT_DATABASE_URL"]
    assert not re.search(r"PASSWORD:\s*[A-Za-z0-9]", text)
    assert services["bot"]["env_file"] == ".env"


def test_every_variable_compose_reads_from_env_is_in_env_example() -> None:
    example = (ROOT / ".env.example").read_text()
    named = {m.group(1) for m in re.finditer(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.MULTILINE)}
    used = set()
    for name in ("compose.yaml", "compose.slack-http.yaml"):
        used |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / name).read_text()))
    assert used and used <= named, used - named
    assert "COMPOSE_FILE=compose.yaml:compose.slack-http.yaml" in example


def test_the_bot_restarts_unless_stopped_and_slack_http_publishes_its_port() -> None:
    bot = compose()["services"]["bot"]
    assert bot["restart"] == "unless-stopped"  # with the entrypoint waiting on exit 2 (no loop)
    assert "./playbooks:/playbooks:ro" in bot["volumes"]  # type: ignore[operator]
    published = compose("compose.slack-http.yaml")["services"]["bot"]["ports"]
    assert published == ["${SLACK_HTTP_PUBLISH:-127.0.0.1:3000}:3000"]
    assert bot["environment"]["SLACK_HTTP_PORT"] == "3000"  # type: ignore[index]
    assert (ROOT / "playbooks" / "README.md").exists()  # the mounted folder exists in a fresh clone
