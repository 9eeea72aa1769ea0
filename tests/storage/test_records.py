"""Communities, members, per-community state and activity records."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from cohortbot.playbook.ports import ActivityRecord, Member, MemberCounts
from cohortbot.playbook.refs import ChannelRef, Platform, UserRef
from tests.storage.conftest import ADA, BOB, COMMUNITY, OTHER_COMMUNITY, T0, Store

GENERAL = ChannelRef(Platform.DISCORD, "c-1", "general")


# --------------------------------------------------------------------------- communities


async def test_communities_are_remembered_with_their_playbook(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.communities.seen(COMMUNITY, playbook="cohort.yaml", now=T0)
        await uow.communities.seen(OTHER_COMMUNITY, playbook="other.yaml", now=T0)
        # Seen again from a bare ref: the known name is kept, the playbook follows the config.
        await uow.communities.seen(replace(COMMUNITY, name=""), playbook="cohort-v2.yaml", now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        listed = await uow.communities.list()
    assert listed == [(COMMUNITY, "cohort-v2.yaml"), (OTHER_COMMUNITY, "other.yaml")]
    assert listed[0][0].name == "Data Cohort"


# ------------------------------------------------------------------------------- members


def ada(**changes: object) -> Member:
    member = Member(community=COMMUNITY, user=ADA, display_name="Ada L.", joined_at=T0, join_count=1)
    return replace(member, **changes)  # type: ignore[arg-type]


async def test_a_member_round_trips_with_every_field(store: Store) -> None:
    member = ada(
        is_bot=False,
        pending=True,
        welcomed_at=T0 + timedelta(seconds=1),
        onboarded_at=T0 + timedelta(minutes=1),
        introduced_at=T0 + timedelta(hours=1),
        first_post_at=T0 + timedelta(hours=2),
        last_active_at=T0 + timedelta(days=1),
        analytics_opt_out=True,
        data={"welcome": {"follow_ups_sent": 2}, "goals": ["ship a model"]},
    )
    async with store.unit_of_work() as uow:
        await uow.members.save(member)
        await uow.commit()
    async with store.unit_of_work() as uow:
        got = await uow.members.get(COMMUNITY, ADA)
        assert await uow.members.get(COMMUNITY, BOB) is None
        assert await uow.members.get(OTHER_COMMUNITY, ADA) is None
    assert got == member and got.user.name == "ada"


async def test_saving_a_member_again_updates_it(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.members.save(ada())
        member = await uow.members.get(COMMUNITY, ADA)
        assert member is not None
        member.left_at = T0 + timedelta(days=2)
        member.data["welcome"] = {"done": True}
        await uow.members.save(member)
        assert await uow.members.get(COMMUNITY, ADA) == member   # no stale copy within the txn
        await uow.commit()
    async with store.unit_of_work() as uow:
        again = await uow.members.get(COMMUNITY, ADA)
    assert again is not None and not again.present and again.data == {"welcome": {"done": True}}


async def test_listing_members_present_only_or_all(store: Store) -> None:
    carol = UserRef(Platform.DISCORD, "u-carol", "carol")
    async with store.unit_of_work() as uow:
        await uow.members.save(ada())
        await uow.members.save(Member(community=COMMUNITY, user=BOB, display_name="Bob", joined_at=T0,
                                      left_at=T0 + timedelta(days=1)))
        # Carol predates the bot: no join was ever seen, but she has not left.
        await uow.members.save(Member(community=COMMUNITY, user=carol, display_name="Carol"))
        await uow.members.save(Member(community=OTHER_COMMUNITY, user=ADA, display_name="A", joined_at=T0))
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert [m.user for m in await uow.members.list(COMMUNITY)] == [ADA, carol]
        assert [m.user for m in await uow.members.list(COMMUNITY, present_only=False)] == [ADA, BOB, carol]


async def test_member_counts_are_the_present_humans_and_their_progress(store: Store) -> None:
    def person(name: str, **changes: object) -> Member:
        user = UserRef(Platform.DISCORD, f"u-{name}", name)
        return replace(Member(community=COMMUNITY, user=user, display_name=name), **changes)  # type: ignore[arg-type]

    later = T0 + timedelta(days=1)
    async with store.unit_of_work() as uow:
        await uow.members.save(person("ada", welcomed_at=T0, onboarded_at=T0, introduced_at=later))
        await uow.members.save(person("bob", welcomed_at=T0, onboarded_at=later))
        await uow.members.save(person("carol", welcomed_at=T0))
        await uow.members.save(person("dan"))  # predates the bot: never welcomed
        gone = person("eve", welcomed_at=T0, onboarded_at=T0, introduced_at=T0, left_at=later)
        await uow.members.save(gone)
        await uow.members.save(person("robot", is_bot=True, welcomed_at=T0, onboarded_at=T0))
        await uow.members.save(
            Member(community=OTHER_COMMUNITY, user=ADA, display_name="A", welcomed_at=T0, introduced_at=T0)
        )
        # Counted within the transaction that saved them, and after it.
        assert await uow.members.counts(COMMUNITY) == MemberCounts(
            present=4, welcomed=3, onboarded=2, introduced=1
        )
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.members.counts(COMMUNITY) == MemberCounts(
            present=4, welcomed=3, onboarded=2, introduced=1
        )
        assert await uow.members.counts(OTHER_COMMUNITY) == MemberCounts(
            present=1, welcomed=1, onboarded=0, introduced=1
        )


async def test_deleting_a_member(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.members.save(ada())
        assert await uow.members.delete(COMMUNITY, ADA)
        assert not await uow.members.delete(COMMUNITY, ADA)
        assert await uow.members.get(COMMUNITY, ADA) is None


# --------------------------------------------------------------------------------- state


async def test_state_documents_are_per_community_json(store: Store) -> None:
    document = {"order": ["u-ada", "u-bob"], "position": 1, "window": {"open": True, "ratio": 0.5}}
    async with store.unit_of_work() as uow:
        await uow.state.put(COMMUNITY, "champions.rotation", document)
        await uow.state.put(OTHER_COMMUNITY, "champions.rotation", [])
        await uow.state.put(COMMUNITY, "counter", 1)
        await uow.state.put(COMMUNITY, "counter", 2)      # put replaces
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.state.get(COMMUNITY, "champions.rotation") == document
        assert await uow.state.get(OTHER_COMMUNITY, "champions.rotation") == []
        assert await uow.state.get(COMMUNITY, "counter") == 2
        await uow.state.delete(COMMUNITY, "counter")
        await uow.state.delete(COMMUNITY, "never-there")
        assert await uow.state.get(COMMUNITY, "counter") is None


async def test_state_keys_are_the_communitys_keys_with_the_prefix_sorted(store: Store) -> None:
    async with store.unit_of_work() as uow:
        for key in ["surveys.round.b", "surveys.round.a", "surveys.roundup", "surveys", "intros.round.1"]:
            await uow.state.put(COMMUNITY, key, {"k": key})
        await uow.state.put(OTHER_COMMUNITY, "surveys.round.z", 1)
        await uow.state.put(COMMUNITY, "surveys.round.null", None)     # a null document is a key too
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.state.keys(COMMUNITY, "surveys.round.") == [
            "surveys.round.a",
            "surveys.round.b",
            "surveys.round.null",
        ]
        assert await uow.state.keys(COMMUNITY, "surveys.round") == [
            "surveys.round.a",
            "surveys.round.b",
            "surveys.round.null",
            "surveys.roundup",
        ]
        assert await uow.state.keys(OTHER_COMMUNITY, "surveys") == ["surveys.round.z"]
        assert await uow.state.keys(COMMUNITY, "nothing") == []
        assert len(await uow.state.keys(COMMUNITY, "")) == 6
        await uow.state.delete(COMMUNITY, "surveys.round.a")
        assert await uow.state.keys(COMMUNITY, "surveys.round.") == ["surveys.round.b", "surveys.round.null"]


async def test_state_key_prefixes_are_literal_and_case_sensitive(store: Store) -> None:
    # LIKE wildcards in a prefix mean themselves; SQLite's LIKE ignores case, keys() must not.
    keys = ["a%b.1", "axb.1", "a_b.1", "aXb.2", "A%b.3", "Zeta", "zeta", "a\\b", "a/b", "é.1", "e.1"]
    async with store.unit_of_work() as uow:
        for key in keys:
            await uow.state.put(COMMUNITY, key, 0)
        assert await uow.state.keys(COMMUNITY, "a%") == ["a%b.1"]
        assert await uow.state.keys(COMMUNITY, "a_") == ["a_b.1"]
        assert await uow.state.keys(COMMUNITY, "a\\") == ["a\\b"]
        assert await uow.state.keys(COMMUNITY, "a/") == ["a/b"]
        assert await uow.state.keys(COMMUNITY, "z") == ["zeta"]
        assert await uow.state.keys(COMMUNITY, "é") == ["é.1"]
        # Code point order everywhere: uppercase before lowercase, ASCII before accents.
        assert await uow.state.keys(COMMUNITY, "") == sorted(keys)


# ------------------------------------------------------------------------------ activity


def record(user: UserRef, minutes: int, **fields: object) -> ActivityRecord:
    base = ActivityRecord(community=COMMUNITY, user=user, channel=GENERAL, at=T0 + timedelta(minutes=minutes),
                          kind="message")
    return replace(base, **fields)  # type: ignore[arg-type]


async def test_activity_round_trips_without_any_message_text(store: Store) -> None:
    records = [
        record(ADA, 0, message_id="m1", length=42, is_question=True, sentiment=0.25),
        record(BOB, 1, kind="reply", message_id="m2", thread_id="m1", reply_to=ADA, length=7),
        record(ADA, 2, kind="reaction", channel=None),
    ]
    async with store.unit_of_work() as uow:
        for r in records:
            await uow.activity.add(r)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.activity.list(COMMUNITY) == records
        assert await uow.activity.list(OTHER_COMMUNITY) == []


async def test_activity_windows_are_half_open_and_filter_by_user(store: Store) -> None:
    async with store.unit_of_work() as uow:
        for minutes in range(5):
            await uow.activity.add(record(ADA if minutes % 2 == 0 else BOB, minutes))
        await uow.commit()
    async with store.unit_of_work() as uow:
        one, three = T0 + timedelta(minutes=1), T0 + timedelta(minutes=3)
        window = await uow.activity.list(COMMUNITY, since=one, until=three)
        assert [r.at for r in window] == [T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)]
        assert [r.user for r in await uow.activity.list(COMMUNITY, user=ADA)] == [ADA, ADA, ADA]


async def test_deleting_a_users_activity_also_unlinks_replies_to_them(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.activity.add(record(ADA, 0))
        await uow.activity.add(record(ADA, 1))
        await uow.activity.add(record(BOB, 2, kind="reply", reply_to=ADA))
        await uow.activity.add(replace(record(ADA, 3), community=OTHER_COMMUNITY))
        assert await uow.activity.delete_user(COMMUNITY, ADA) == 2
        await uow.commit()
    async with store.unit_of_work() as uow:
        [bobs_reply] = await uow.activity.list(COMMUNITY)
        assert len(await uow.activity.list(OTHER_COMMUNITY)) == 1    # other communities untouched
    assert bobs_reply.user == BOB and bobs_reply.reply_to is None
