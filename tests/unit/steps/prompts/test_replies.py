"""Each prompt opens a thread where the platform has threads; replies are counted per
prompt (how many, from how many members), never their text."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cohortbot.playbook.actions import StartThread
from cohortbot.playbook.ports import Capabilities
from cohortbot.playbook.refs import MessageRef
from tests.unit.steps.prompts.support import DAILY, delivered, posted, started

# ---------------------------------------------------------------------------- threads and replies


async def test_each_prompt_opens_a_thread_and_replies_there_are_counted(tmp_path: Path) -> None:
    bot = await started(tmp_path, DAILY, datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    try:
        await bot.advance("1h")
        [prompt] = bot.posts_in("general")
        [thread] = bot.of(StartThread)
        assert isinstance(thread, StartThread)
        assert thread.message == delivered(bot, prompt) and thread.name == "What did you learn today?"
        parent = delivered(bot, prompt)
        await bot.post("alice", "general", "I learned about joins", thread=parent)  # Slack: thread_ts
        await bot.post("alice", "general", "and window functions", thread=parent)
        thread_ref = delivered(bot, thread)  # Discord: the thread has its own id
        await bot.post("bob", "general", "Stuck on pandas", thread=MessageRef(parent.channel, thread_ref.id))
        await bot.post("carol", "general", "Unrelated chat")
        await bot.post("alice", "general", "a reply elsewhere", thread=MessageRef(parent.channel, "x1"))
        await bot.post("helper", "general", "bot noise", thread=parent, is_bot=True)
        [engagement] = await posted(bot)
        assert (engagement.replies, engagement.repliers) == (3, 2)
        stats = await bot.command("mod", "prompt stats")
        assert stats is not None
        assert "**daily**: What did you learn today? — 3 replies from 2 members" in stats.message.text
    finally:
        await bot.close()


async def test_without_threads_the_prompt_is_a_plain_post_and_platform_replies_count(tmp_path: Path) -> None:
    bot = await started(
        tmp_path, DAILY, datetime(2026, 5, 4, 6, 0, tzinfo=UTC), capabilities=Capabilities(threads=False)
    )
    try:
        await bot.advance("1h")
        [prompt] = bot.posts_in("general")
        assert prompt.thread is None and bot.of(StartThread) == []
        await bot.post("alice", "general", "My answer", reply_to_message=delivered(bot, prompt))
        [engagement] = await posted(bot)
        assert (engagement.replies, engagement.repliers) == (1, 1)
    finally:
        await bot.close()
