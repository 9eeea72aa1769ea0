"""The champions step's credits, as a moderator would describe them: who earns what, for how long."""

from __future__ import annotations

from tests.harness import Harness
from tests.unit.steps.champions.scenario import answer, ask, evidence, kinds, listing


async def test_helpfulness_beats_volume(bot: Harness) -> None:
    for n in range(40):
        await bot.post("chatty", "general", f"Just sharing my thought number {n} of the day")
    for asker in ("ana", "ben"):
        question = await ask(bot, asker)
        await answer(bot, "helen", question, asker)
    assert await evidence(bot, "chatty") == []
    assert await kinds(bot, "helen") == [("answer", "ana"), ("answer", "ben")]
    text = await listing(bot)
    assert "<@helen> **6.0** — 2 answers" in text
    assert "chatty" not in text


async def test_answers_count_only_for_other_members_questions(bot: Harness) -> None:
    statement = await bot.post("ana", "general", "I finished the first exercise today.")
    await answer(bot, "helen", statement, "ana", text="Well done!")  # a reply, but not to a question
    own = await ask(bot, "helen")
    await answer(bot, "helen", own, "helen", text="Found it myself")
    assert await kinds(bot, "helen") == []
    question = await ask(bot, "ana")
    await bot.post("helen", "general", "See the docs", thread=question)  # a thread reply (no reply_to)
    assert await kinds(bot, "helen") == [("answer", "ana")]


async def test_the_first_reply_to_a_newcomer_earns_a_credit(bot: Harness) -> None:
    await bot.join("olga")  # joined before the newcomer window
    await bot.advance("15d")
    await bot.join("nina")
    hello = await bot.post("nina", "general", "Hello everyone, happy to be here.")
    await answer(bot, "helen", hello, "nina", text="Welcome Nina!")
    await answer(bot, "ben", hello, "nina", text="Hi Nina")  # not the first reply
    old = await bot.post("olga", "general", "Hello again everyone.")
    await answer(bot, "ben", old, "olga", text="Hi Olga")  # olga is no newcomer
    assert await kinds(bot, "helen") == [("newcomer_reply", "nina")]
    assert await kinds(bot, "ben") == []


async def test_thanks_with_a_mention_or_in_a_reply_credit_the_thanked_member(bot: Harness) -> None:
    tip = await bot.post("helen", "general", "Tip: use a virtual environment.")
    await bot.post("ana", "general", "Thanks <@helen> for the pointer!")
    await bot.post("ben", "general", "thank you so much", mentions=(bot.user("helen"),))
    await answer(bot, "cleo", tip, "helen", text="Thx, that fixed it")
    await bot.post("dan", "general", "Thanksgiving is coming <@helen>")  # not a thank-you
    await bot.post("eve", "general", "thanks everyone")  # nobody in particular
    assert await kinds(bot, "helen") == [("thanks", "ana"), ("thanks", "ben"), ("thanks", "cleo")]


async def test_reactions_on_a_members_replies_credit_them(bot: Harness) -> None:
    question = await ask(bot, "ana")
    reply = await answer(bot, "helen", question, "ana")
    await bot.react("ben", reply, "👍", author="helen")
    await bot.react("helen", reply, "🎉", author="helen")  # one's own reply
    top = await bot.post("helen", "general", "A top-level post")
    await bot.react("cleo", top, "👍", author="helen")  # not a reply
    assert await kinds(bot, "helen") == [("answer", "ana"), ("reaction", "ben")]


async def test_welcoming_an_introduction_earns_a_credit(bot: Harness) -> None:
    intro = await bot.post("ana", "introductions", "Hi, I'm Ana from Porto, learning statistics.")
    await bot.post("helen", "introductions", "Welcome Ana, great to have you!", thread=intro)
    await bot.post("ben", "introductions", "Welcome <@ana>, I'm learning statistics too.")
    await bot.post("cleo", "general", "Hey <@ana>")  # not in the intro channel
    assert await kinds(bot, "helen") == [("intro_welcome", "ana")]
    assert await kinds(bot, "ben") == [("intro_welcome", "ana")]
    assert await kinds(bot, "cleo") == []


async def test_credits_decay_with_a_half_life(bot: Harness) -> None:
    for asker in ("ana", "ben"):
        await answer(bot, "helen", await ask(bot, asker), asker)
    assert "<@helen> **6.0**" in await listing(bot)
    await bot.advance("14d")
    assert "<@helen> **3.0**" in await listing(bot)
    await bot.advance("14d")
    assert "<@helen> **1.5**" in await listing(bot)


async def test_the_same_giver_counts_once_per_cooldown(bot: Harness) -> None:
    for n in range(5):
        await answer(bot, "helen", await ask(bot, "ana", f"Question {n}?"), "ana")
        await bot.post("ana", "general", f"thanks <@helen> ({n})")
    assert await kinds(bot, "helen") == [("answer", "ana"), ("thanks", "ana")]
    await bot.advance("1d")
    await answer(bot, "helen", await ask(bot, "ana", "One more?"), "ana")
    assert len(await kinds(bot, "helen")) == 3


async def test_a_daily_cap_limits_the_points_per_member(bot: Harness) -> None:
    for n in range(6):  # 6 askers x 3 points would be 18; the cap is 10 a day
        await answer(bot, "helen", await ask(bot, f"asker{n}"), f"asker{n}")
    points = [p for _k, _g, _at, p in await evidence(bot, "helen")]
    assert points == [3.0, 3.0, 3.0, 1.0]
    await bot.advance("1d")
    await answer(bot, "helen", await ask(bot, "asker5"), "asker5")
    assert len(await evidence(bot, "helen")) == 5


async def test_opted_out_members_are_neither_scored_nor_credit_others(bot: Harness) -> None:
    await bot.command("helen", "privacy optout")
    await answer(bot, "helen", await ask(bot, "ana"), "ana")
    await bot.command("ben", "privacy optout")
    await answer(bot, "cleo", await ask(bot, "ben"), "ben")
    assert await evidence(bot, "helen") == []
    assert await evidence(bot, "cleo") == []


async def test_no_message_text_is_kept(bot: Harness) -> None:
    question = await ask(bot, "ana", "Zanzibar-quokka: why does my loop never end?")
    await answer(bot, "helen", question, "ana", text="Quokka-zebra: you never increment i")
    await bot.post("ana", "general", "Thanks <@helen>, marmoset-lantern!")
    await bot.runtime.settle()
    stored = await bot.stored_text()
    assert await kinds(bot, "helen") == [("answer", "ana"), ("thanks", "ana")]
    assert "helen" in stored  # the dump is real: it holds the records just made
    for phrase in ("Zanzibar", "Quokka-zebra", "marmoset"):
        assert phrase not in stored
