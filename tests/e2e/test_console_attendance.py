"""A session with check-in feeding its feedback survey, through the console CLI: an online
session checked in with a button, an in-person one with the code read out in the room.

The code is random per occurrence, so the script is typed in two parts: the second says the
code the console showed the moderators."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from tests.e2e.test_console_cli import cli_env

# The console's clock starts on Wednesday 4 March 2026, 10:00 Berlin.
PLAYBOOK = """
name: Attendance cohort
default: true
community_name: Attendance Cohort
timezone: Europe/Berlin
channels: {announcements: announcements, general: general, moderators: mod-team}
moderators: {users: [facilitator], platform_admins: false}
steps:
  sessions:
    sessions:
      - name: workshop
        title: Online workshop
        cron: "0 12 * * wed"
        location: https://meet.example.org/workshop
        announce_before: 1d
        attendance: {check_in: button}
      - name: lab
        title: Lab in room 4
        cron: "0 14 * * wed"
        duration: 2h
        location: Room 4
        announce_before: 3h
        attendance: {check_in: code, opens_before: 15m, closes_after: 45m}
    reminders: [15m]
    feedback: {survey: session-feedback}
  surveys:
    surveys:
      - name: session-feedback
        title: Live session feedback
        remind: false
        questions:
          - {id: rating, type: scale, text: "How useful was the session?"}
"""
CODE = re.compile(r"`/cohort session checkin ([A-Z0-9]{3}-[A-Z0-9]{3})`")

ONLINE = [
    "/join alice",
    "/join bob",
    "/join carol",
    "/advance 1m",  # 10:01: the workshop is announced
    "/click alice I'll be there",
    "/click bob I'll be there",
    "/advance 1h49m",  # 11:50: check-in opens, ten minutes before the start
    "/click alice Check in",
    "/click alice Check in",
    "/click carol Check in",  # came without an RSVP
    "/advance 40m",  # 12:30: check-in closed
    "/click bob Check in",
    "/advance 45m",  # 13:15: the follow-up, and the survey to who checked in
    "/click alice Start",
    "/submit alice rating=5",
    "alice: /cohort session code",
    "bob: /cohort session checkin hello",
    "bob: /cohort session checkin AAA-AAA",
    "/advance 30m",  # 13:45: check-in for the lab opens; the moderators get its code
]


def console(tmp_path: Path) -> subprocess.Popen[str]:
    (tmp_path / "playbook.yaml").write_text(PLAYBOOK)
    return subprocess.Popen(
        [sys.executable, "-m", "cohortbot.bot.cli", "run", "--playbook", str(tmp_path / "playbook.yaml")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=cli_env(tmp_path),
    )


def read_until(lines: queue.Queue[str | None], wanted: re.Pattern[str], seen: list[str]) -> re.Match[str]:
    """Console output up to the first line matching ``wanted`` (a minute at most)."""
    while True:
        line = lines.get(timeout=60)
        assert line is not None, "the console stopped:\n" + "".join(seen)
        seen.append(line)
        if found := wanted.search(line):
            return found


def test_a_session_with_check_in_feeding_its_feedback_survey(tmp_path: Path) -> None:
    proc = console(tmp_path)
    assert proc.stdin is not None and proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, args=(proc.stdout,), daemon=True).start()
    seen: list[str] = []
    try:
        proc.stdin.write("\n".join(ONLINE) + "\n")
        proc.stdin.flush()
        # The code is new for each occurrence: read it in the moderators' channel, then say it.
        code = read_until(lines, CODE, seen).group(1)
        proc.stdin.write(
            "\n".join(
                [
                    f"bob: /cohort session checkin {code.lower().replace('-', ' ')}",  # as heard
                    "/advance 2h35m",  # 16:20: after the lab's end and its follow-up
                    "facilitator: /cohort session history",
                    "/quit",
                ]
            )
            + "\n"
        )
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    while (line := lines.get(timeout=10)) is not None:
        seen.append(line)
    out = "".join(seen)
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")

    # Online: the Check in button, once per member, until it closes.
    assert (
        "[#announcements] Online workshop\n"
        "    **Online workshop** starts Wed 04 Mar 2026 12:00 CET. Here? Press **Check in**.\n"
        "    [ Check in ]"
    ) in out
    assert "[to alice, only you] You're checked in to **Online workshop**. Enjoy the session!" in out
    assert "[to alice, only you] You're already checked in to **Online workshop**." in out
    assert "[to carol, only you] You're checked in to **Online workshop**." in out
    assert "[to bob, only you] Check-in for **Online workshop** closed at Wed 04 Mar 2026 12:30 CET." in out
    assert "[DM -> bob] Reminder: **Online workshop** starts" in out  # RSVPs get the reminders
    # The feedback survey goes to who checked in (carol too), not to bob who only said he'd come.
    online = out.split("* at Wed 04 Mar 2026 13:15 CET\n", 1)[1].split("* time is", 1)[0]
    assert "[#announcements] Thanks to everyone who joined **Online workshop**!" in online
    assert "[DM -> alice] Live session feedback" in online
    assert "[DM -> carol] Live session feedback" in online
    assert "[DM -> bob]" not in online
    assert "Thank you, alice! Your answers to **Live session feedback** are in." in out

    # In person: the code to the moderators, typed by members.
    assert "[to alice, only you] Sorry, only moderators can use `/cohort session code`." in out
    assert "[to bob, only you] A check-in code is 6 letters and digits, like HXR-47K" in out
    assert (
        "[to bob, only you] **AAA-AAA** is no session's check-in code. Check it with the moderators "
        "(4 more tries this hour)."
    ) in out
    assert f"[#mod-team] Check-in code for **Lab in room 4** (Wed 04 Mar 2026 14:00 CET): **{code}**" in out
    assert "[to bob, only you] You're checked in to **Lab in room 4**. Enjoy the session!" in out
    lab = out.split("* at Wed 04 Mar 2026 16:15 CET\n", 1)[1].split("* time is", 1)[0]
    assert "[DM -> bob] Live session feedback" in lab
    assert "[DM -> alice]" not in lab and "[DM -> carol]" not in lab  # they did not come to the lab

    history = out.split("[to facilitator, only you] Past sessions: RSVPs and attendance\n", 1)[1]
    assert (
        "- **Lab in room 4** — Wed 04 Mar 2026 14:00 CET · 0 RSVPed yes · 1 checked in, 1 without an RSVP"
    ) in history
    assert (
        "- **Online workshop** — Wed 04 Mar 2026 12:00 CET · 2 RSVPed yes · 2 checked in, 1 without an RSVP"
    ) in history
