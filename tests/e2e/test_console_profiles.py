"""Profiles, a persona chosen at join and a help question routed to a skilled member, through the console."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console_cli import cohortbot


def test_a_persona_a_profile_the_directory_and_a_routed_question(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/join alice",
            "/join bob",
            "/join carol",
            "/click alice changing careers",
            "alice: /cohort profile set skills python, sql",
            "alice: /cohort profile set pronouns she/<b>her</b>",
            "carol: /cohort profile set skills sql",
            "carol: /cohort profile share nobody",
            "carol: /cohort profile routing off",
            "#general",
            "bob: How do I join two tables in postgres?",
            "bob: /cohort profile find sql",
            "bob: /cohort profile show alice",
        ]
    )
    result = cohortbot("run", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "[DM -> bob] Hi bob! Which of these describes you best?" in out
    assert "[ I'm changing careers ]  [ I'm a student ]  [ I already work with data ]" in out
    assert (
        "Your persona: I'm changing careers.\n\n    Welcome, alice! Many of us came from other fields" in out
    )
    assert "[DM -> alice] Hi alice! @bob asked a question that matches your skills (sql)." in out
    assert "[DM -> carol] Hi carol! @bob asked" not in out  # routing off
    assert "[to bob, only you] Members with sql:\n    - @alice (skills: python, sql)\n" in out
    assert "**pronouns**: she/<b>her</b>" in out
