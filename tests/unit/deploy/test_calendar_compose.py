"""compose.calendar.yaml publishes the port the image's metrics server (which serves the
calendar feed) listens on, on every interface inside the container, and loopback on the host by
default; .env.example names what it reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def test_the_calendar_override_publishes_the_images_metrics_port() -> None:
    port = re.search(r"COHORTBOT_METRICS_PORT=(\d+)", (ROOT / "Dockerfile").read_text())
    assert port is not None
    bot = yaml.safe_load((ROOT / "compose.calendar.yaml").read_text())["services"]["bot"]
    assert bot["ports"] == [f"${{CALENDAR_PUBLISH:-127.0.0.1:{port.group(1)}}}:{port.group(1)}"]
    assert bot["environment"]["COHORTBOT_METRICS_HOST"] == "0.0.0.0"
    example = (ROOT / ".env.example").read_text()
    for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "compose.calendar.yaml").read_text()):
        assert re.search(rf"^#?\s*{name}=", example, re.MULTILINE), name
    assert "COMPOSE_FILE=compose.yaml:compose.calendar.yaml" in example
    for setting in ("COHORTBOT_CALENDAR_SECRET", "COHORTBOT_PUBLIC_URL"):
        assert re.search(rf"^#?\s*{setting}=", example, re.MULTILINE)
