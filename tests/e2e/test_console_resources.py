"""The resource library through the console CLI: a question gets resources, a suggestion is approved."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_console_cli import cohortbot


def test_a_matching_question_gets_resources_and_a_members_suggestion_is_approved(tmp_path: Path) -> None:
    script = "\n".join(
        [
            "/join alice",
            "#general",
            "alice: Where do we meet on Friday?",
            "alice: How do I merge two pandas data frames?",
            "alice: /cohort resources suggest python https://realpython.com Real <Python>",
            "facilitator: /cohort resources approve 5",
            "alice: /cohort resources list python",
        ]
    )
    result = cohortbot("run", cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("library may help") == 1  # the question about pandas, not the one about Friday
    assert (
        "[#general > thread] These resources from Data Science Cohort's library may help:\n"
        "    - **Python for Data Analysis (free online edition)** https://wesmckinney.com/book/"
    ) in out
    assert "[#mod-team] @alice suggests for **python**: `#5` **Real <Python>** https://realpython.com" in out
    assert (
        "[DM -> alice] Your suggestion **Real <Python>** https://realpython.com is in the **python** library"
        in out
    )
    assert "    - `#5` **Real <Python>** https://realpython.com\n" in out
