"""The library as members and moderators use it: list, add, edit, retire, suggest, approve, reject."""

from __future__ import annotations

from tests.harness import Harness


async def text(bot: Harness, who: str, command: str) -> str:
    answer = await bot.command(who, command)
    assert answer is not None, command
    return answer.message.text


async def test_the_playbook_seeds_each_topic_and_members_list_them(bot: Harness) -> None:
    everything = await text(bot, "ana", "resources list")
    assert "**python**\n- `#1` **Pandas cheat sheet** https://example.org/pandas.pdf" in everything
    assert "**The Python tutorial** https://docs.python.org/3/tutorial/ — Start here" in everything
    assert "**sql**\n- `#3` **SQL zoo** https://sqlzoo.net" in everything
    only_sql = await text(bot, "ana", "resources list SQL")
    assert "SQL zoo" in only_sql and "Pandas" not in only_sql
    assert (
        await text(bot, "ana", "resources list rust") == "There is no topic `rust`. Topics: `python`, `sql`."
    )


async def test_moderators_add_edit_and_retire_links(bot: Harness) -> None:
    added = await text(
        bot, "mod", "resources add sql https://www.postgresql.org/docs/ Postgres *docs* <@everyone>"
    )
    assert "- `#4` **Postgres \\*docs\\* \\<@everyone\\>** https://www.postgresql.org/docs/" in added
    assert "note TEXT" in added
    await text(bot, "mod", "resources edit 4 note The manual, chapter 7 on queries")
    await text(bot, "mod", "resources edit #4 title Postgres docs")
    listed = await text(bot, "ana", "resources list sql")
    assert (
        "- `#4` **Postgres docs** https://www.postgresql.org/docs/ — The manual, chapter 7 on queries"
        in listed
    )
    moved = await text(bot, "mod", "resources edit 4 topic python")
    assert "topic **python**" in moved
    assert "Postgres" not in await text(bot, "ana", "resources list sql")
    assert "Retired from **python**" in await text(bot, "mod", "resources retire 4")
    assert "Postgres" not in await text(bot, "ana", "resources list")
    assert await text(bot, "mod", "resources retire 4") == "There is no resource `#4` in the library."


async def test_a_retired_seed_stays_retired_and_an_edited_one_keeps_the_moderators_words(
    bot: Harness,
) -> None:
    await text(bot, "mod", "resources retire 1")
    await text(bot, "mod", "resources edit 3 title SQLZoo exercises")
    listed = await text(bot, "ana", "resources list")
    assert "Pandas cheat sheet" not in listed
    assert "**SQLZoo exercises** https://sqlzoo.net" in listed
    assert "SQL zoo]" not in listed


async def test_links_are_checked_bounded_and_never_twice(bot: Harness) -> None:
    refused = await text(bot, "mod", "resources add python javascript:alert(1) Click me")
    assert refused.startswith("A link must be a web address starting with https://")
    same_page = await text(bot, "mod", "resources add sql HTTPS://SQLZoo.net/ SQL zoo again")
    assert same_page.startswith("That link is already in the library: `#3`")
    long_title = await text(bot, "mod", "resources add sql https://example.org/x " + "t" * 121)
    assert long_title == "A title needs 1 to 120 characters (got 121)."
    parens = await text(
        bot, "mod", "resources add python https://en.wikipedia.org/wiki/Pandas_(software) Pandas"
    )
    assert " https://en.wikipedia.org/wiki/Pandas_%28software%29\n" in parens
    assert "is no topic" in await text(bot, "mod", "resources add rust https://example.org/r Rust")
    assert "ID is a number" in await text(bot, "mod", "resources retire abc")
    assert "Sorry, only moderators" in await text(bot, "ana", "resources add sql https://example.org/y Y")


async def test_a_member_suggests_a_moderator_approves_and_the_member_is_told(bot: Harness) -> None:
    thanks = await text(bot, "ana", "resources suggest python https://realpython.com Real *Python*")
    assert "The moderators will look at **Real \\*Python\\*** https://realpython.com" in thanks
    [note] = bot.posts_in("mods")
    assert "<@ana> suggests for **python**: `#4`" in note.message.text and note.private
    assert "Real Python" not in await text(bot, "ana", "resources list")
    pending = await text(bot, "mod", "resources list")
    assert (
        "**Suggested, waiting for a moderator**\n"
        "- `#4` **python** **Real \\*Python\\*** https://realpython.com from <@ana>" in pending
    )
    assert "<@ana>" not in await text(bot, "bob", "resources list")  # members don't see who suggested
    approved = await text(bot, "mod", "resources approve 4")
    assert approved.startswith("Approved: it is in **python** now.")
    [dm] = bot.dms_to("ana")
    assert "is in the **python** library now" in dm.message.text
    assert "`#4` **Real \\*Python\\*** https://realpython.com" in await text(
        bot, "bob", "resources list python"
    )
    assert "waiting for a moderator" not in await text(bot, "mod", "resources list")
    again = await text(bot, "bob", "resources suggest python https://realpython.com/ Real Python")
    assert again.startswith("That link is already in the library: `#4`")


async def test_a_rejected_suggestion_tells_the_member_why(bot: Harness) -> None:
    await text(bot, "ana", "resources suggest sql https://example.org/sql Some SQL blog")
    rejected = await text(bot, "mod", "resources reject 4 Paywalled, <@here> sorry")
    assert rejected.startswith("Rejected `#4`") and "<@ana>" in rejected
    [dm] = bot.dms_to("ana")
    assert "won't add it this time. Their note: Paywalled, \\<@here\\> sorry" in dm.message.text
    assert "No suggestion `#4` is waiting" in await text(bot, "mod", "resources approve 4")
    assert "Some SQL blog" not in await text(bot, "ana", "resources list")


async def test_a_member_has_at_most_five_suggestions_waiting(bot: Harness) -> None:
    for n in range(5):
        assert "Thanks!" in await text(bot, "ana", f"resources suggest sql https://example.org/{n} Link {n}")
    sixth = await text(bot, "ana", "resources suggest sql https://example.org/6 Link 6")
    assert sixth.startswith("Too many suggestions are waiting")
    assert "Thanks!" in await text(bot, "bob", "resources suggest sql https://example.org/6 Link 6")
