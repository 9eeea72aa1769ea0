"""What members and moderators see: a member's own assignments, progress per cohort, the CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.playbook.messages import timestamp
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.steps.assignments import api
from tests.harness import Harness
from tests.unit.steps.assignments.support import at, enrol, started, text


async def course(tmp_path: Path, **kw: object) -> Harness:
    """alice on time, bob late, carol missing, dave left without submitting; erin in summer."""
    bot = await started(tmp_path, **kw)  # type: ignore[arg-type]
    for name in ("alice", "bob", "carol", "dave"):
        await enrol(bot, name, "spring")
    await enrol(bot, "erin", "summer")
    await bot.command("alice", "submit essay https://x.example/a =HYPERLINK(1)")
    await bot.leave("dave")
    await bot.advance("6d")  # Sunday 8 March: the essay was due Friday 23:59
    await bot.command("bob", "submit essay https://x.example/b")
    return bot


async def test_a_member_sees_each_assignment_with_its_status(tmp_path: Path) -> None:
    bot = await started(tmp_path)
    await enrol(bot, "alice", "spring")
    await bot.command("alice", "submit quiz https://x.example/q")
    await bot.command("alice", "assignment start sprint")
    answer = await bot.command("alice", "assignment list")
    assert answer is not None and answer.message.title == "Your assignments"
    closes = bot.clock.now() + (at("02T10:45") - at("02T10:00"))
    assert text(answer).splitlines() == [
        f"- **Quiz** (`quiz`, Spring 2026) — due {timestamp(at('04T18:00'))}: **submitted**",
        f"- **Sprint exercise** (`sprint`, Spring 2026) — due {timestamp(at('05T20:00'))}: "
        f"started, closes {timestamp(closes)}",
        rf"- **Essay \<@everyone\>** (`essay`, Spring 2026) — due {timestamp(at('06T23:59'))}: due in 4d 14h",
        f"- **Spring project** (`project`, Spring 2026) — due {timestamp(at('13T23:59'))}: due in 11d 14h",
        "Submit with `/cohort submit NAME LINK [note]`.",
    ]
    await bot.advance("5d")  # Saturday
    later = text(await bot.command("alice", "assignment list"))
    assert "(`essay`, Spring 2026) — due" in later and later.count("**missing**") == 2  # essay, sprint
    await bot.close()


async def test_progress_counts_on_time_late_and_missing_per_cohort(tmp_path: Path) -> None:
    bot = await course(tmp_path)
    carol = await bot.member("carol")
    assert carol is not None
    answer = await bot.command("mod", "assignment progress essay")
    assert answer is not None and answer.message.title == r"Progress: Essay \<@everyone\>"
    due = timestamp(at("06T23:59"))
    assert text(answer).splitlines() == [
        f"**Spring 2026** — due {due}: 1 on time, 1 late, 1 missing (of 3 members)",
        "On time: alice",
        "Late: bob",
        "Missing: carol",
        "",
        f"**Summer 2026** — due {due}: 0 on time, 0 late, 1 missing (of 1 member)",
        "Missing: erin",
    ]
    one = text(await bot.command("mod", "assignment progress summer/essay"))
    assert one.startswith("**Summer 2026**") and "Spring" not in one
    assert "No assignment named `nope`" in text(await bot.command("mod", "assignment progress nope"))
    refused = await bot.command("alice", "assignment progress essay")
    assert refused is not None and "Spring 2026" not in refused.message.text  # moderators only
    await bot.close()


async def test_long_name_lists_are_cut_to_the_message_length(tmp_path: Path) -> None:
    bot = await started(tmp_path, capabilities=Capabilities(max_message_length=400))
    for i in range(60):
        await enrol(bot, f"member-with-a-long-name-{i:02}", "spring")
    answer = text(await bot.command("mod", "assignment progress essay"))
    assert len(answer) <= 400
    assert "Not yet: member-with-a-long-name-00" in answer and " more" in answer
    await bot.close()


async def test_the_export_is_a_private_csv_by_dm_with_a_row_per_member(tmp_path: Path) -> None:
    bot = await course(tmp_path)
    answer = await bot.command("mod", "assignment export spring/essay")
    assert text(answer) == r"I've sent you the CSV of **Essay \<@everyone\>** in a direct message."
    [dm] = [a for a in bot.dms_to("mod") if isinstance(a, SendDirectMessage) and a.message.attachments]
    assert dm.private
    [file] = dm.message.attachments
    assert file.filename == "assignment-spring-essay.csv" and file.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(file.data.decode())))
    assert [(r["member"], r["status"]) for r in rows] == [
        ("alice", "on time"),
        ("bob", "late"),
        ("carol", "missing"),
    ]
    alice = rows[0]
    assert alice["link"] == "https://x.example/a"
    assert alice["note"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert alice["due_at"] == at("06T23:59").isoformat() and alice["cohort"] == "spring"
    assert rows[2]["first_submitted"] == rows[2]["link"] == ""
    await bot.close()


async def test_the_health_report_reads_the_counts_through_the_api(tmp_path: Path) -> None:
    bot = await course(tmp_path)
    loaded = bot.runtime.engine.playbooks.for_community(bot.community)
    assert loaded is not None
    async with bot.database.unit_of_work() as uow:
        counts = await api.submission_counts(uow, bot.community, loaded)
    essay = [(c.cohort, c.members, c.on_time, c.late) for c in counts if c.name == "essay"]
    assert essay == [("spring", 4, 1, 1), ("summer", 1, 0, 0)]  # the roll still lists dave
    assert [c.name for c in counts if c.cohort == "spring"] == ["quiz", "sprint", "essay", "project"]
    await bot.close()
