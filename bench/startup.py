"""Start-up and stop of `cohortbot run` (issue #11, target 6), as a user starts it: a subprocess.

Run by hand:  .venv/bin/python bench/startup.py [--communities 1000] [--rounds 3]

For one playbook (the embedded example) and for ``--communities`` playbooks (copies of the
example, each running its own Discord server id, all already known to the database so the
scheduler has every community's schedules to compute), it measures:

- ready: from spawning the process to the console's answer to its first line (``/help``):
  settings and playbooks read and checked, migrations checked, the runtime serving, with the
  scheduler and the deliverer running on the real clock;
- stop: from SIGTERM, with nothing in flight, to the process's exit;
- empty run: `cohortbot run` with ``/quit`` as its only input, in simulated time
  (``COHORTBOT_CONSOLE_START``), start to exit.

Prints the best and the worst of ``--rounds`` runs of each and the targets (ready <= 1 s with
one playbook, <= 3 s with 1,000; stop <= 1 s), the CPU time the process had used when ready
(steadier than wall-clock time on a shared machine) and the load average. Results go in
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cohortbot.playbook.refs import CommunityRef, Platform  # noqa: E402
from cohortbot.storage.database import Database  # noqa: E402

EXAMPLE = ROOT / "cohortbot" / "config" / "examples" / "learning-cohort.yaml"
CLI = [sys.executable, "-m", "cohortbot.bot.cli", "run"]
FIRST_ID = 100_000_000_000_000_000


def write_playbooks(folder: Path, count: int) -> list[CommunityRef]:
    """``count`` copies of the example, each running one Discord server; the first is the default."""
    text = EXAMPLE.read_text()
    assert "communities: [console]" in text and "default: true" in text
    refs = []
    for n in range(count):
        ref = CommunityRef(Platform.DISCORD, str(FIRST_ID + n), f"Server {n}")
        copy = text.replace("communities: [console]", f"communities: [discord:{ref.id}]")
        if n:
            copy = copy.replace("default: true", "default: false")
        (folder / f"community-{n:04}.yaml").write_text(copy)
        refs.append(ref)
    return refs


async def seed(url: str, communities: list[CommunityRef], playbooks: Path) -> None:
    """Migrations applied and every community already seen, as in a bot that ran before."""
    database = Database(url)
    try:
        await database.upgrade()
        now = datetime.now(UTC)
        async with database.unit_of_work() as uow:
            for n, ref in enumerate(communities):
                await uow.communities.seen(ref, playbook=str(playbooks / f"community-{n:04}.yaml"), now=now)
            await uow.commit()
    finally:
        await database.dispose()


def environment(folder: Path, *, simulated: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "COHORTBOT_"))}
    env["COHORTBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{folder / 'bot.db'}"
    env["PYTHONPATH"] = str(ROOT)
    if simulated:
        env["COHORTBOT_CONSOLE_START"] = "2026-03-02T09:00:00+01:00"
    return env


def ready_and_stop(folder: Path, playbook: Path) -> tuple[float, float, float]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [*CLI, "--playbook", str(playbook)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=environment(folder, simulated=False),
        cwd=folder,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("/help\n")
    process.stdin.flush()
    first = process.stdout.readline()
    ready = time.perf_counter() - started
    cpu = cpu_seconds(process.pid)
    assert first, "the console did not answer"
    time.sleep(1.0)  # let the background rounds (scheduler, deliverer) go idle: nothing in flight
    asked = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    stop = time.perf_counter() - asked
    assert process.returncode == 0, process.returncode
    return ready, stop, cpu


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a process has used so far, from /proc; NaN elsewhere.

    On a shared machine the wall-clock figures move with the load; this one much less."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def empty_run(folder: Path, playbook: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [*CLI, "--playbook", str(playbook)],
        input="/quit\n",
        capture_output=True,
        env=environment(folder, simulated=True),
        cwd=folder,
        text=True,
        check=True,
        timeout=120,
    )
    return time.perf_counter() - started


def measure(label: str, folder: Path, playbook: Path, rounds: int, ready_target: float) -> None:
    readies, stops, empties, cpus = [], [], [], []
    for _ in range(rounds):
        ready, stop, cpu = ready_and_stop(folder, playbook)
        readies.append(ready)
        stops.append(stop)
        cpus.append(cpu)
        empties.append(empty_run(folder, playbook))
    print(
        f"{label:<28} ready {min(readies):5.2f}-{max(readies):5.2f} s (target <= {ready_target:.0f} s, "
        f"{min(readies) / ready_target:.2f}x; CPU {min(cpus):4.2f}-{max(cpus):4.2f} s)   "
        f"stop {min(stops):4.2f}-{max(stops):4.2f} s (target <= 1 s)   "
        f"empty run {min(empties):5.2f}-{max(empties):5.2f} s   load {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--communities", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one"
        one.mkdir()
        asyncio.run(seed(environment(one, simulated=False)["COHORTBOT_DATABASE_URL"], [], one))
        measure("1 playbook", one, EXAMPLE, args.rounds, 1.0)
        many = Path(tmp) / "many"
        playbooks = many / "playbooks"
        playbooks.mkdir(parents=True)
        refs = write_playbooks(playbooks, args.communities)
        asyncio.run(seed(environment(many, simulated=False)["COHORTBOT_DATABASE_URL"], refs, playbooks))
        measure(f"{args.communities:,} playbooks, communities", many, playbooks, args.rounds, 3.0)


if __name__ == "__main__":
    main()
