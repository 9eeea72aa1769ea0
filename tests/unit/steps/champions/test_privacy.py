"""The champions step's privacy hooks: what names a member is exported, then forgotten everywhere."""

from __future__ import annotations

import json
from typing import Any

from cohortbot.playbook.events import MemberJoined
from cohortbot.playbook.refs import MessageRef
from cohortbot.playbook.steps.champions import STEP
from tests.harness import Harness
from tests.unit.steps.champions.scenario import (
    answer,
    ask,
    button,
    evidence,
    helpful_days,
    kinds,
    listing,
    nominations,
)
from tests.unit.steps.contexts import step_context

DISPLAY_NAME = "Alice Liddell"


async def alice_helps_and_is_helped(bot: Harness) -> dict[str, MessageRef]:
    """Alice, a newcomer, asks, is answered by Bob, thanks him, answers Carol; Dave answers Carol too."""
    await bot.send(MemberJoined, member=bot.user("alice"), display_name=DISPLAY_NAME)
    mine = await ask(bot, "alice", "How do I merge two data frames?")
    await answer(bot, "bob", mine, "alice")
    thanks = await bot.post("alice", "general", "Thanks <@bob>, that worked!")
    carols = await ask(bot, "carol", "Why is my plot empty?")
    await answer(bot, "bob", carols, "carol")
    reply = await answer(bot, "alice", carols, "carol", text="Call plt.show() at the end.")
    await answer(bot, "dave", carols, "carol", text="Or use %matplotlib inline.")
    await bot.react("dave", reply, "👍", author="alice")
    return {"question": mine, "thanks": thanks, "reply": reply}


async def run(bot: Harness, hook: Any, name: str) -> Any:
    async with bot.database.unit_of_work() as uow:
        result = await hook(step_context(bot, STEP, uow), bot.user(name))
        await uow.commit()
    return result


async def dump(bot: Harness, *, forgotten: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Every other member's data and every champions document as JSON; and the forgotten one's data."""
    async with bot.database.unit_of_work() as uow:
        members = await uow.members.list(bot.community, present_only=False)
        others = {m.user.id: m.data for m in members if m.user.id != forgotten}
        own = next((m.data for m in members if m.user.id == forgotten), {})
        documents = {
            k: await uow.state.get(bot.community, k)
            for k in await uow.state.keys(bot.community, "champions.")
        }
    return json.dumps({"members": others, "documents": documents}).lower(), others, own


async def test_export_has_the_posts_remembered_and_the_credits_given_to_others(bot: Harness) -> None:
    posts = await alice_helps_and_is_helped(bot)
    exported = await run(bot, STEP.export, "alice")
    remembered = {p["message"]: p["kinds"] for p in exported["recent_posts"]}
    assert remembered == {
        posts["question"].id: ["question", "newcomer", "answered"],
        posts["thanks"].id: ["newcomer"],
        posts["reply"].id: ["newcomer", "reply"],
    }
    given = sorted((c["to"], c["credit"], c["meaning"]) for c in exported["credits_given"])
    assert given == [
        ("bob", "answer", "they answered your question"),
        ("bob", "newcomer_reply", "they were the first to reply to you as a newcomer"),
        ("bob", "thanks", "you thanked them"),
    ]
    assert "champions_approved" not in exported
    json.dumps(exported)  # JSON-able as it is
    carol = await run(bot, STEP.export, "carol")
    assert sorted(c["to"] for c in carol["credits_given"]) == ["alice", "bob", "dave"]


async def test_forget_leaves_no_id_or_name_and_keeps_the_others_evidence_and_points(bot: Harness) -> None:
    await alice_helps_and_is_helped(bot)
    before, _others, own = await dump(bot, forgotten="alice")
    assert "alice" in before and own.get("champions")  # the scenario does name her
    bob_points = [p for *_k, p in await evidence(bot, "bob")]
    [bob_listed] = [line for line in (await listing(bot)).splitlines() if "<@bob>" in line]
    await run(bot, STEP.forget, "alice")
    after, others, own = await dump(bot, forgotten="alice")
    assert "alice" not in after and DISPLAY_NAME.lower() not in after
    assert "champions" not in own  # her own evidence is gone with her part
    # Bob keeps the points for the help he gave; the credits no longer say whom he helped.
    assert await kinds(bot, "bob") == [
        ("answer", ""),
        ("newcomer_reply", ""),
        ("thanks", ""),
        ("answer", "carol"),
    ]
    assert [p for *_k, p in await evidence(bot, "bob")] == bob_points
    assert bob_listed in (await listing(bot)).splitlines()
    # Unrelated evidence stays as it was.
    assert await kinds(bot, "dave") == [("answer", "carol")]
    assert "carol" in json.dumps(others["bob"])
    # The memory still holds Carol's question: new replies to it still earn credit.
    async with bot.database.unit_of_work() as uow:
        keys = await uow.state.keys(bot.community, "champions.post.")
        authors = [((await uow.state.get(bot.community, key)) or {})["a"] for key in keys]
    assert authors.count("carol") == 1
    assert await run(bot, STEP.export, "alice") == {}


async def test_a_nomination_card_shows_a_forgotten_giver_as_a_former_member(bot: Harness) -> None:
    await alice_helps_and_is_helped(bot)
    await run(bot, STEP.forget, "alice")
    await bot.command("mod", "champions nominate bob")
    [card] = nominations(bot)
    assert "- thanked by a former member · <t:" in card.message.text
    assert "alice" not in card.message.text.lower()


async def test_forgetting_the_approving_moderator_keeps_the_champion(bot: Harness) -> None:
    await helpful_days(bot, "helen")
    await bot.command("mod", "champions nominate helen")
    bot.roles["lead"] = {"Moderators"}
    await bot.click("lead", button(nominations(bot)[0], "Approve"))
    exported = await run(bot, STEP.export, "lead")
    assert [a["champion"] for a in exported["champions_approved"]] == ["helen"]
    await run(bot, STEP.forget, "lead")
    after, others, _own = await dump(bot, forgotten="lead")
    assert "lead" not in after
    assert "by" not in others["helen"]["champions"] and "since" in others["helen"]["champions"]
    assert "<@helen> since <t:" in await listing(bot)


async def test_deleting_ones_data_through_the_privacy_step_forgets_them_here_too(bot: Harness) -> None:
    await alice_helps_and_is_helped(bot)
    await bot.command("alice", "privacy delete")
    await bot.click("alice", "privacy:delete")
    after, _others, own = await dump(bot, forgotten="alice")
    assert "alice" not in after and DISPLAY_NAME.lower() not in after
    assert own == {}  # no record left under her id (a pseudonymous one stands in)
    assert await kinds(bot, "dave") == [("answer", "carol")]
    assert len(await kinds(bot, "bob")) == 4
