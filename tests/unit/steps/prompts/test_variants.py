"""Split tests of prompts: each occurrence posts one variant (wording, channel, time offset),
chosen at random from a seed (community, schedule, occurrence), recorded with the prompt, and
compared by replies per prompt with 95% t-intervals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from cohortbot.config.playbook import PlaybookError, load_playbook
from cohortbot.playbook.actions import PostMessage
from cohortbot.playbook.analytics.metrics import variant_engagement
from cohortbot.playbook.analytics.split import PromptEngagement
from cohortbot.playbook.refs import MessageRef
from cohortbot.playbook.steps import STEPS
from cohortbot.playbook.steps.prompts.config import PromptVariant
from cohortbot.playbook.steps.prompts.variants import choose_variant
from tests.harness import Harness
from tests.unit.steps.prompts.support import posted

BERLIN = ZoneInfo("Europe/Berlin")
SUNDAY = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MONDAYS = [(datetime(2026, 3, 2, 9, tzinfo=BERLIN) + timedelta(weeks=w)).astimezone(UTC) for w in range(6)]

PLAYBOOK = """
name: Split test cohort
default: true
timezone: Europe/Berlin
channels: {general: general, moderators: mod-team, announcements: news}
moderators: {users: [mod], platform_admins: false}
steps:
  prompts:
    schedules:
      - name: monday
        cron: "0 9 * * mon"
        title: "Question of the week"
        bank: ["Q1?", "Q2?", "Q3?", "Q4?", "Q5?", "Q6?"]
        variants:
          - name: plain
          - name: warm
            title: "A question for you"
            message: "{question} Every answer helps someone in {community}!"
            channel: announcements
            offset: 3h
"""


def expected_variant(bot: Harness, occurrence: datetime) -> str:
    variants = [PromptVariant(name="plain"), PromptVariant(name="warm")]
    chosen = choose_variant(
        variants, community=str(bot.community), schedule="monday", occurrence=occurrence.isoformat()
    )
    assert chosen is not None
    return chosen.name


async def logged(bot: Harness) -> list[PromptEngagement]:
    return await posted(bot)


def message_of(bot: Harness, action: PostMessage) -> MessageRef:
    index = next(i for i, a in enumerate(bot.performed) if a is action)
    return MessageRef(action.channel, str(index + 1))


async def test_each_occurrence_posts_its_seeded_variant_with_its_wording_channel_and_offset(
    tmp_path: Path,
) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, start=SUNDAY)
    await bot.join("alice")
    await bot.advance("6w")
    expected = [expected_variant(bot, m) for m in MONDAYS]
    assert expected == ["warm", "plain", "plain", "warm", "plain", "warm"]  # the seed's draw

    log = await logged(bot)
    assert [p.variant for p in log] == expected
    for prompt, monday, variant in zip(log, MONDAYS, expected, strict=True):
        assert prompt.posted_at == (monday + timedelta(hours=3) if variant == "warm" else monday)
    warm = [p.message for p in bot.posts_in("news")]
    plain = [p.message for p in bot.posts_in("general")]
    assert len(warm) == 3 and len(plain) == 3
    assert all(m.title == "A question for you" for m in warm)
    assert all(m.text.startswith("Q") and "Every answer helps someone in" in m.text for m in warm)
    assert all(m.title == "Question of the week" and m.text.startswith("Q") for m in plain)
    await bot.close()


async def test_replies_are_counted_per_variant_and_compared_with_intervals(tmp_path: Path) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, start=SUNDAY)
    await bot.join("alice")
    replies = {"plain": [1, 2, 3], "warm": [4, 6, 8]}
    await bot.advance("6w")
    posts = sorted(bot.posts_in("news") + bot.posts_in("general"), key=bot.performed.index)
    seen = {"plain": 0, "warm": 0}
    for post, variant in zip(posts, [expected_variant(bot, m) for m in MONDAYS], strict=True):
        parent = message_of(bot, post)
        count = replies[variant][seen[variant]]
        seen[variant] += 1
        for n in range(count):
            await bot.post(f"m{n % 2}", parent.channel.name, "an answer", thread=parent)
    stats = {v.variant: v for v in variant_engagement(await logged(bot))}
    assert (stats["plain"].prompts, stats["plain"].mean_replies) == (3, 2.0)
    assert (stats["warm"].prompts, stats["warm"].mean_replies) == (3, 6.0)
    assert stats["warm"].mean_repliers == 2.0  # m0 and m1 answer every prompt (warm has 4+ replies)
    # replies 4, 6, 8: sd 2, t(df 2) = 4.303 -> 6 ± 4.303 * 2 / sqrt(3)
    ci = stats["warm"].replies_ci
    assert ci is not None and ci.low == pytest.approx(6 - 4.303 * 2 / 3**0.5)
    await bot.close()


async def test_a_post_by_hand_uses_the_base_wording_and_is_left_out_of_the_split_test(
    tmp_path: Path,
) -> None:
    bot = await Harness.start(tmp_path, PLAYBOOK, start=SUNDAY)
    answer = await bot.command("mod", "prompt post monday")
    assert answer is not None and "Posted in" in answer.message.text
    assert bot.posts_in("general")[0].message.title == "Question of the week"
    assert [(p.manual, p.variant) for p in await logged(bot)] == [(True, "")]
    assert variant_engagement(await logged(bot)) == []
    await bot.close()


def test_the_seed_spreads_occurrences_evenly_and_is_stable() -> None:
    variants = [PromptVariant(name=n) for n in ("a", "b", "c")]
    picks = [
        choose_variant(variants, community="discord:1", schedule="s", occurrence=f"2026-01-01T{h:04d}")
        for h in range(3000)
    ]
    counts = {v.name: sum(1 for p in picks if p is v) for v in variants}
    assert all(900 < n < 1100 for n in counts.values()), counts
    again = choose_variant(variants, community="discord:1", schedule="s", occurrence="2026-01-01T0007")
    assert again is picks[7]
    assert choose_variant([], community="x", schedule="s", occurrence="o") is None


@pytest.mark.parametrize(
    ("variants", "problem"),
    [
        ("[{name: only}]", "at least two variants"),
        ("[{name: a}, {name: a}]", "variant names must be unique"),
        ("[{name: a}, {name: b, offset: 8d}]", "between 0 and 6d"),
        ("[{name: a}, {name: b, message: 'Hi {nickname}'}]", "unknown placeholder {nickname}"),
    ],
)
def test_playbook_errors_in_variants_name_the_problem(tmp_path: Path, variants: str, problem: str) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(
        "name: x\nsteps:\n  prompts:\n    schedules:\n"
        f"      - name: s\n        cron: '0 9 * * mon'\n        bank: [q]\n        variants: {variants}\n"
    )
    with pytest.raises(PlaybookError) as raised:
        load_playbook(file, STEPS)
    assert problem in str(raised.value.issues[0])
