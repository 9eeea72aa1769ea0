"""An AMA through the console CLI: questions asked and upvoted, ranked for the expert,
answers posted and routed back to the askers, the unanswered one posted at the close and
the summary sent to the moderators (the console's clock starts Wednesday 4 March, 10:00)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console_cli import cohortbot

PLAYBOOK = """
name: AMA cohort
default: true
community_name: Data Science Cohort
timezone: Europe/Berlin
channels: {announcements: announcements, general: general, moderators: mod-team}
moderators: {users: [facilitator], platform_admins: false}
steps:
  qa: {}
"""

SCRIPT = [
    "/join grace",
    "/join alice",
    "/join bob",
    "/join carol",
    "/join dave",
    "facilitator: /cohort qa open Ask a data scientist @grace until 2d",
    "alice: /cohort qa ask How do I pick my first project?",
    "bob: /cohort qa ask Is SQL still worth learning?",
    "carol: /cohort qa ask What does a <@bob> typical day look like?",
    "/click alice Upvote Q2",
    "/click carol Upvote Q2",
    "/click dave Upvote Q3",
    "/click bob Upvote Q2",  # his own question: refused
    "grace: /cohort qa list",
    "grace: /cohort qa answer Q2 Yes: every data team I know uses it daily.",
    "grace: /cohort qa answer Q3 Meetings, notebooks and SQL.",
    "/advance 2d",  # Friday 10:00: the AMA closes
]


def test_an_ama_with_upvoted_questions_in_rank_order_and_answers_routed_back(tmp_path: Path) -> None:
    playbook = tmp_path / "ama.yaml"
    playbook.write_text(PLAYBOOK)
    result = cohortbot("run", "--playbook", str(playbook), cwd=tmp_path, stdin="\n".join(SCRIPT) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in result.stderr
    assert "[#announcements] Q&A: Ask a data scientist\n    Ask the expert with **grace**" in out
    assert "[#announcements] Q3 · Ask a data scientist\n    What does a <@bob> typical day look like?" in out
    assert "[to carol, only you] Upvoted Q2 (now 2 votes)." in out
    assert "[to bob, only you] That's your own question" in out
    assert (
        "[to grace, only you] Q&A: Ask a data scientist, most wanted first\n"
        "    3 open, 0 answered. Closes Fri 06 Mar 2026 10:00 CET.\n"
        "    1. **Q2** · 2 votes · Is SQL still worth learning? (asked by bob)\n"
        "    2. **Q3** · 1 vote · What does a <@bob> typical day look like? (asked by carol)\n"
        "    3. **Q1** · 0 votes · How do I pick my first project? (asked by alice)\n"
    ) in out
    # The answers are posted and routed back to the askers, and only to them.
    assert "**grace:** Yes: every data team I know uses it daily." in out
    assert "[DM -> bob] Your question was answered: Ask a data scientist\n    You asked (Q2)" in out
    assert "[DM -> carol] Your question was answered" in out
    assert "[DM -> alice]" not in out
    closed = out.split("* at Fri 06 Mar 2026 10:00 CET\n", 1)[1]
    assert closed.startswith(
        "[#announcements] Q&A closed: Ask a data scientist\n"
        "    The Q&A **Ask a data scientist** is closed: 2 of 3 questions answered."
        " Still unanswered, most wanted first:\n"
        "    1. **Q1** · 0 votes · How do I pick my first project? (asked by alice)\n"
        "[DM -> facilitator] Q&A summary: Ask a data scientist\n"
        "    **Ask a data scientist** closed. 3 questions from 3 members, 3 votes; 2 answered, 1 not.\n"
    )
