#!/usr/bin/env python3
"""The Docker image's HEALTHCHECK: ``GET /healthz`` on the bot's metrics port, with the standard
library only. Exit 0 on 200; 1 otherwise, printing why (``docker inspect`` shows it): the bot's
503 body names the part that is not well (a background task, the database, starting, stopping).
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def url() -> str | None:
    port = os.environ.get("COHORTBOT_METRICS_PORT", "").strip()
    if not port:
        return None
    host = os.environ.get("COHORTBOT_METRICS_HOST", "127.0.0.1").strip()
    if host in ("", "0.0.0.0", "::"):  # listening everywhere: ask over loopback
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def main() -> int:
    target = url()
    if target is None:
        print("COHORTBOT_METRICS_PORT is not set: the bot serves no /healthz")
        return 1
    try:
        with urllib.request.urlopen(target, timeout=5) as response:
            print(response.read(500).decode(errors="replace"))
            return 0
    except urllib.error.HTTPError as exc:
        print(f"{target}: HTTP {exc.code} {exc.read(500).decode(errors='replace')}")
    except (OSError, ValueError) as exc:
        print(f"{target}: {exc}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
