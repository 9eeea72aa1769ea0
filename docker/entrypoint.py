#!/usr/bin/env python3
"""The Docker image's entrypoint: ``cohortbot`` with the image's two rules.

1. **Playbooks.** Unless ``COHORTBOT_PLAYBOOK`` is set (not empty), the ``*.yaml``/``*.yml`` files in
   ``/playbooks`` (mount your folder there) are the playbooks; with none there, the example
   playbook built into the package runs, and the log says which.
2. **Bad input waits instead of exiting.** ``cohortbot run`` exits 2 for bad input (no platform
   token, a broken playbook or setting): restarting cannot fix it. Docker's restart policies
   cannot skip one exit code (``on-failure`` restarts any non-zero exit, ``unless-stopped`` and
   ``always`` any exit), so a container that exited would be started again and again. Here the
   refusal stays on screen and the container waits, unhealthy, until it is stopped (then it
   exits 2). Every other exit passes through: 0 after a stop, 1 after a runtime failure (which
   the restart policy does restart). Other commands (``check``, ``report``, ``db upgrade``)
   keep their exit codes.

It runs the CLI in this very process (PID 1), so ``docker stop``'s SIGTERM reaches the bot.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

BAD_INPUT = 2
PLAYBOOKS = Path(os.environ.get("COHORTBOT_PLAYBOOK_DIR", "/playbooks"))


def choose_playbooks(args: list[str]) -> None:
    if not os.environ.get("COHORTBOT_PLAYBOOK", "").strip():
        os.environ.pop("COHORTBOT_PLAYBOOK", None)  # empty is unset (compose.yaml empties it)
    if "COHORTBOT_PLAYBOOK" in os.environ or any(a == "-p" or a.startswith("--playbook") for a in args):
        return
    found = sorted(p.name for pattern in ("*.yaml", "*.yml") for p in PLAYBOOKS.glob(pattern))
    if found:
        os.environ["COHORTBOT_PLAYBOOK"] = str(PLAYBOOKS)
        say(f"playbooks from {PLAYBOOKS}: {', '.join(found)}")
    elif args[:1] == ["run"]:
        say(f"no playbook in {PLAYBOOKS} (mount your folder there): running the example playbook")


def wait_to_be_stopped() -> None:
    stops = {signal.SIGTERM, signal.SIGINT}
    # Blocked before saying so: a stop that comes at once is kept for sigwait (blocked signals
    # reach PID 1 too, unlike signals it has no handler for), never lost or fatal.
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    say(
        "not restarting: `cohortbot run` refused its input (exit 2), and starting it again would "
        "not change that. Fix what it says above (tokens and settings: .env; playbooks: the "
        f"folder mounted at {PLAYBOOKS}), then `docker compose up -d` (or run a new container). "
        "Waiting to be stopped."
    )
    signal.sigwait(stops)


def say(text: str) -> None:
    print(f"cohortbot-entrypoint: {text}", file=sys.stderr, flush=True)


def main() -> None:
    args = sys.argv[1:]
    choose_playbooks(args)
    sys.argv[0] = "cohortbot"
    from cohortbot.bot.cli import main as cohortbot

    try:
        cohortbot()
    except SystemExit as stop:
        if stop.code == BAD_INPUT and args[:1] == ["run"]:
            sys.stderr.flush()
            wait_to_be_stopped()
        raise


if __name__ == "__main__":
    main()
