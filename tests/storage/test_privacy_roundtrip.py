"""The privacy round trip, on every store: a member takes part in everything, exports, deletes.

Afterwards neither their id nor any part of their name is anywhere in the database: not in a
table the engine shares (members, activity, timers, outbox, inbox), not in any step's
documents (welcome, intros and matches, profiles and routed help questions, prompts, sessions
with RSVPs and check-ins, named and anonymous surveys, champions' evidence and memory,
assignments' submissions and exercise starts,
Q&A questions asked and upvoted, resources suggested). Others' data stays.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from cohortbot.bot.bootstrap import default_playbook_path
from cohortbot.playbook.actions import SendDirectMessage
from cohortbot.playbook.refs import ChannelRef, Platform
from tests.dump import stored_text
from tests.harness import Harness
from tests.storage.conftest import Store
from tests.unit.steps.surveys.support import answer_with_forms

ID = "quillon"  # the harness's user id is the name
DISPLAY = "Quillon O'Hara"
TRACES = re.compile(r"quillon|o'hara|\bhara\b", re.IGNORECASE)
OTHERS = ["bob", "carol", "dave", "erin"]


def _channel(name: str) -> ChannelRef:
    return ChannelRef(Platform.MEMORY, id=f"id-{name}", name=name)


async def _take_part_in_everything(bot: Harness) -> None:
    await bot.join(ID, display_name=DISPLAY)
    for name in OTHERS:
        await bot.join(name)
    await bot.click(ID, bot.button(bot.dms_to(ID), "accept"))
    intro = "Hi all, I'm {} and I work with pandas and numpy; looking for a mentor in statistics."
    for name in [ID, *OTHERS]:
        await bot.post(name, "introductions", intro.format(name))
    await bot.command(ID, "interests add python")
    await bot.command(ID, "profile set skills sql")  # a help question on sql invites them; they answer
    await bot.command(ID, f"profile set goals Pair with {DISPLAY}'s study group")
    routed = await bot.post("bob", "general", "How do I write a postgres join?")
    await bot.post(ID, "general", "JOIN ... ON.", thread=routed)

    question = await bot.post("bob", "general", "How do I merge two dataframes in pandas?")
    await bot.post(ID, "general", "Use pd.merge(left, right, on='id').", reply_to=bot.user("bob"))
    await bot.post("bob", "general", f"Thanks <@{ID}>, that worked!", reply_to=bot.user(ID))
    await bot.post(ID, "general", "Thanks <@bob> for the great question!", reply_to=bot.user("bob"))
    await bot.react(ID, question, "👍", author="bob")
    await bot.react("carol", question, "🎉", author="bob")

    await bot.command("facilitator", "qa open Ask a data scientist @carol until 3d")  # asks, upvotes
    await bot.command(ID, "qa ask Which library should I learn first?")
    await bot.command("bob", "qa ask Is SQL still worth learning?")
    await bot.click(ID, bot.button(bot.posts_in("announcements"), "Upvote Q2"))
    await bot.command("carol", "qa answer Q1 pandas, then scikit-learn.")

    # Library suggestions: one waiting (naming the member), one approved (the link stays, not theirs).
    await bot.command(ID, f"resources suggest python https://example.org/{ID}/notes {DISPLAY}'s pandas notes")
    await bot.command(ID, "resources suggest sql https://example.org/sql-tips SQL tips")
    approved = await bot.command("facilitator", "resources approve 6")
    assert approved is not None and approved.message.text.startswith("Approved")

    await bot.advance("2h")  # Monday 11:00 Berlin: the question of the week and a match round are out
    [weekly] = [p for p in bot.posts_in("general") if p.message.title == "Question of the week"]
    thread = bot.delivered(weekly)
    await bot.post(ID, "general", "I learned about groupby!", thread=thread)
    await bot.post("carol", "general", "Joins, finally.", thread=thread)

    card = [p for p in bot.posts_in("announcements") if p.message.buttons]
    await bot.click(ID, bot.button(card, "be there"))
    await bot.click("carol", bot.button(card, "be there"))
    await bot.advance("1d6h")  # Tuesday 17:00 Berlin: office hours start, check-in is open
    check_in = [p for p in bot.posts_in("announcements") if p.message.buttons]
    await bot.click(ID, bot.button(check_in, "check in"))
    await bot.click("carol", bot.button(check_in, "check in"))
    await bot.advance("2h")  # after Tuesday's office hours: the feedback survey goes to who checked in
    feedback = [dm for dm in bot.dms_to(ID) if dm.message.title == "Live session feedback"]
    rating = {"rating": "5", "pace": "Just right", "comment": "More Q&A"}
    await answer_with_forms(bot, ID, feedback[-1], rating)

    await bot.command(ID, "course enrol spring")  # a submission with a note, a timed exercise started
    submitted = await bot.command(ID, f"submit tidy-data https://drive.example/{ID}/tidy.ipynb by {DISPLAY}")
    started = await bot.command(ID, "assignment start classify-quiz")
    assert submitted is not None and submitted.message.text.startswith("Recorded for")
    assert started is not None and "has started" in started.message.text
    await bot.command("carol", "course enrol spring")
    await bot.command("carol", "submit tidy-data https://drive.example/carol/tidy.ipynb")

    await bot.command("facilitator", "survey send final")
    final = [dm for dm in bot.dms_to(ID) if dm.message.title == "End of cohort survey"]
    answers = {"goal": "4", "nps": "9", "next": "A study group", "story": f"Meeting {DISPLAY}'s study buddy"}
    await answer_with_forms(bot, ID, final[-1], answers)
    await answer_with_forms(
        bot, "carol", [d for d in bot.dms_to("carol") if d.message.title == "End of cohort survey"][-1],
        {"goal": "5", "nps": "10", "next": "Nothing for now", "story": "The live sessions"},
    )


async def test_export_then_delete_leaves_no_trace_of_the_member(store: Store, tmp_path: Path) -> None:
    playbook = default_playbook_path().read_text()
    bot = await Harness.start(tmp_path, playbook, database=store)  # type: ignore[arg-type]
    try:
        await _take_part_in_everything(bot)
        before = await stored_text(bot.database)
        for table in ("members", "activity", "state", "outbox", "timers"):
            assert re.search(rf'"table": "{table}".*quillon', before, re.IGNORECASE), f"nothing in {table}?"

        await bot.command(ID, "privacy export")
        [export] = [dm for dm in bot.dms_to(ID) if dm.message.attachments]
        assert isinstance(export, SendDirectMessage)
        document = json.loads(export.message.attachments[0].data)
        steps = {"intros", "profiles", "prompts", "sessions", "surveys", "champions", "assignments", "qa"}
        steps.add("resources")
        assert steps <= set(document["steps"])
        assert {"welcome", "intros", "profiles", "champions"} <= set(document["member"]["data"])
        assert document["member"]["display_name"] == DISPLAY

        answer = await bot.command(ID, "privacy delete")
        assert answer is not None
        done = await bot.click(ID, answer.message.buttons[0])
        assert done is not None and "Deleted" in done.message.text
        await bot.advance("1h")  # everything pending is delivered (and a private answer erased)

        after = await stored_text(bot.database)
        leaks = sorted({line[:300] for line in after.splitlines() if TRACES.search(line)})
        assert leaks == [], "\n".join(leaks)
        for name in ("bob", "carol"):
            assert re.search(rf'"table": "members".*"{name}"', after), f"{name}'s record is gone too"
        assert '"table": "activity"' in after and "bob" in after
    finally:
        await bot.close()
