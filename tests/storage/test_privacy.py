"""Exporting and forgetting one member in the shared tables, on every store.

Ids are Discord-like digits on purpose: ``12`` must never match ``123`` or ``12345``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from cohortbot.playbook.actions import Action, GrantRole, PostMessage, SendDirectMessage, action_to_json
from cohortbot.playbook.messages import RichMessage
from cohortbot.playbook.ports import ActivityRecord, Erasure, Member, Timer, pseudonym
from cohortbot.playbook.refs import ChannelRef, CommunityRef, Platform, UserRef
from cohortbot.storage.erasure import Mentions
from tests.storage.conftest import COMMUNITY, T0, Store, outbox_rows

D = Platform.DISCORD
ADA = UserRef(D, "12", "ada")
ADAM = UserRef(D, "123", "adam")
BOB = UserRef(D, "45", "bob")
ELSEWHERE = CommunityRef(D, "guild-2", "Elsewhere")
GENERAL = ChannelRef(D, "c-1", "general")
ADA_PSEUDONYM = pseudonym(COMMUNITY, ADA)
FORGET_ADA = Erasure(community=COMMUNITY, user=ADA, names=("ada", "Ada Lovelace"), pseudonym=ADA_PSEUDONYM)
LEASE = 60.0


def dm(key: str, to: UserRef, text: str, community: CommunityRef = COMMUNITY) -> SendDirectMessage:
    return SendDirectMessage(key=key, community=community, to=to, message=RichMessage(text=text))


def post(key: str, text: str) -> PostMessage:
    return PostMessage(key=key, community=COMMUNITY, channel=GENERAL, message=RichMessage(text=text))


def activity(user: UserRef, minutes: int, message_id: str, **fields: Any) -> ActivityRecord:
    at = T0 + timedelta(minutes=minutes)
    record = ActivityRecord(community=COMMUNITY, user=user, channel=GENERAL, at=at, kind="message",
                            message_id=message_id)
    return replace(record, **fields)


def timer(key: str, days: int, subject: UserRef | None = None, community: CommunityRef = COMMUNITY,
          **data: Any) -> Timer:
    return Timer(key=key, community=community, due_at=T0 + timedelta(days=days), kind="test.timer",
                 subject=subject, data=data)


async def record_outbox(store: Store, actions: list[Action], outcomes: dict[str, tuple[str, Any]]) -> None:
    """Add the actions, then deliver or park those named in ``outcomes`` (key -> (status, detail))."""
    async with store.unit_of_work() as uow:
        for action in actions:
            assert await uow.outbox.add(action, now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        items = await uow.outbox.claim_due(T0, limit=100, lease_seconds=LEASE)
        for item in items:
            status, detail = outcomes.get(item.action.key, ("pending", None))
            if status == "delivered":
                await uow.outbox.mark_delivered(item.id, now=T0, result=detail)
            elif status == "parked":
                await uow.outbox.mark_failed(item.id, now=T0, error=detail, retry_at=None)
            # Anything else stays pending: its lease just lapses.
        await uow.commit()


PENDING_DM = dm("welcome:guild-1:12", ADA, "Welcome!")
PENDING_BY_NAME = post("digest:w10", "Congrats Ada Lovelace on your first project!")
PENDING_FOR_ADAM = dm("welcome:guild-1:123", ADAM, "Welcome Adam!")
DELIVERED_DM = dm("checkin:guild-1:12:w9", ADA, "Hi ADA, how is week 9?")
PARKED_ROLE = GrantRole(key="role:guild-1:12:cohort", community=COMMUNITY, member=ADA, role="cohort")
DELIVERED_FOR_ADAM = post("shoutout:w9", "Thanks <@123> and Adam, and Canada!")
DELIVERED_ELSEWHERE = dm("welcome:guild-2:12", ADA, "Hi Ada", community=ELSEWHERE)
INBOX = ["discord:reaction:m1:12:+1", "discord:reaction:m1:123:+1", "discord:message:12345",
         "delivered:checkin:guild-1:12:w9"]


async def seed(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.members.save(Member(community=COMMUNITY, user=ADA, display_name="Ada Lovelace"))
        await uow.members.save(Member(community=COMMUNITY, user=ADAM, display_name="Adam"))
        await uow.members.save(Member(community=ELSEWHERE, user=ADA, display_name="Ada"))
        for record in [
            activity(ADA, 0, "m1", length=10, is_question=True, sentiment=0.5),
            activity(ADA, 1, "m2", kind="reply", reply_to=BOB, thread_id="m0"),
            activity(ADA, 2, "m3", kind="reply", reply_to=ADA),                 # to herself
            activity(BOB, 3, "m4", kind="reply", reply_to=ADA),
            activity(BOB, 4, "m5", kind="reply", reply_to=ADAM),
            activity(ADAM, 5, "m6"),
            replace(activity(ADA, 6, "m7"), community=ELSEWHERE),
        ]:
            await uow.activity.add(record)
        for t in [
            timer("welcome:guild-1:12:day-3", 3, ADA),
            timer("intros:match:12-45", 1),
            timer("intros:round-7", 2, members=["45", "12"]),
            timer("surveys:reminder", 4, answers={"12": "yes"}),
            timer("welcome:guild-1:123:day-3", 3, ADAM, ids=["123", "x12", "12a", "12345"]),
            timer("welcome:guild-2:12:day-3", 3, ADA, community=ELSEWHERE),
        ]:
            await uow.timers.set(t)
        await uow.state.put(COMMUNITY, "intros.rounds", {"12": ["45"]})
        for event_id in INBOX:
            await uow.inbox.record(event_id, now=T0)
        await uow.commit()
    await record_outbox(
        store,
        [PENDING_DM, PENDING_BY_NAME, PENDING_FOR_ADAM, DELIVERED_DM, PARKED_ROLE, DELIVERED_FOR_ADAM,
         DELIVERED_ELSEWHERE],
        {
            DELIVERED_DM.key: ("delivered", {"message": {"channel": "dm-12", "id": "m-9"}}),
            PARKED_ROLE.key: ("parked", "403: cannot grant a role to 12 (Ada Lovelace)"),
            DELIVERED_FOR_ADAM.key: ("delivered", {"message": {"channel": "c-1", "id": "m-10"}}),
            DELIVERED_ELSEWHERE.key: ("delivered", {}),
        },
    )


# ---------------------------------------------------------------------------------- export


async def test_export_has_their_activity_their_timers_and_the_actions_naming_them(store: Store) -> None:
    await seed(store)
    async with store.unit_of_work() as uow:
        exported = await uow.privacy.export(COMMUNITY, ADA)

    assert set(exported) == {"activity", "timers", "outbox"}     # never the steps' state documents
    assert json.loads(json.dumps(exported)) == exported           # JSON-able as is
    assert exported["activity"][0] == {
        "at": T0.isoformat(), "kind": "message", "channel_id": "c-1", "channel_name": "general",
        "message_id": "m1", "thread_id": "", "reply_to_user_id": None, "length": 10, "is_question": True,
        "sentiment": 0.5,
    }
    # Their own rows only (not Bob's reply to them: that is Bob's), oldest first.
    assert [(r["message_id"], r["reply_to_user_id"]) for r in exported["activity"]] == [
        ("m1", None), ("m2", "45"), ("m3", "12"),
    ]
    # Subject, key token, data value and data key all count; due order; nothing of "123".
    assert [t["key"] for t in exported["timers"]] == [
        "intros:match:12-45", "intros:round-7", "welcome:guild-1:12:day-3", "surveys:reminder",
    ]
    assert exported["timers"][2] == {
        "key": "welcome:guild-1:12:day-3", "kind": "test.timer",
        "due_at": (T0 + timedelta(days=3)).isoformat(), "fired_at": None, "subject_user_id": "12", "data": {},
    }
    # Actions addressed to them or naming their id, with their status, in the order decided.
    assert [(o["key"], o["status"]) for o in exported["outbox"]] == [
        ("welcome:guild-1:12", "pending"),
        ("checkin:guild-1:12:w9", "delivered"),
        ("role:guild-1:12:cohort", "parked"),
    ]
    assert exported["outbox"][0]["payload"] == action_to_json(PENDING_DM)
    assert exported["outbox"][1]["delivered_at"] == T0.isoformat()


async def test_exporting_someone_with_no_records_gives_empty_tables(store: Store) -> None:
    await seed(store)
    async with store.unit_of_work() as uow:
        assert await uow.privacy.export(COMMUNITY, UserRef(D, "999")) == {
            "activity": [], "timers": [], "outbox": [],
        }
        # Adam ("123") gets his own records, none of Ada's ("12").
        adams = await uow.privacy.export(COMMUNITY, ADAM)
    assert [r["message_id"] for r in adams["activity"]] == ["m6"]
    assert [t["key"] for t in adams["timers"]] == ["welcome:guild-1:123:day-3"]
    assert [o["key"] for o in adams["outbox"]] == ["welcome:guild-1:123", "shoutout:w9"]


# ---------------------------------------------------------------------------------- forget


async def test_forget_touches_every_shared_table_and_reports_counts(store: Store) -> None:
    await seed(store)
    async with store.unit_of_work() as uow:
        counts = await uow.privacy.forget(FORGET_ADA)
        await uow.commit()
    # members: her row; activity: her 3 rows + Bob's reply to her; timers: 4; outbox: 2 pending
    # deleted + 2 kept scrubbed; inbox: 2 event ids naming her.
    assert counts == {"members": 1, "activity": 4, "timers": 4, "outbox": 4, "inbox": 2}

    async with store.unit_of_work() as uow:
        assert await uow.members.get(COMMUNITY, ADA) is None
        assert await uow.members.get(COMMUNITY, ADAM) is not None
        assert await uow.members.get(ELSEWHERE, ADA) is not None             # other communities untouched
        rows = await uow.activity.list(COMMUNITY)
        assert [(r.message_id, r.user.id, r.reply_to) for r in rows] == [
            ("m4", "45", None),          # Bob's reply to her stays, without the pointer
            ("m5", "45", ADAM),
            ("m6", "123", None),
        ]
        assert len(await uow.activity.list(ELSEWHERE)) == 1
        for key in ["welcome:guild-1:12:day-3", "intros:match:12-45", "intros:round-7", "surveys:reminder"]:
            assert await uow.timers.get(key) is None, key
        assert await uow.timers.get("welcome:guild-1:123:day-3") is not None
        assert await uow.timers.get("welcome:guild-2:12:day-3") is not None
        assert await uow.state.get(COMMUNITY, "intros.rounds") == {"12": ["45"]}   # steps forget their own
        # Nothing here names her any more.
        assert await uow.privacy.export(COMMUNITY, ADA) == {"activity": [], "timers": [], "outbox": []}


async def test_forget_deletes_pending_actions_and_scrubs_delivered_and_parked_ones(store: Store) -> None:
    await seed(store)
    async with store.unit_of_work() as uow:
        await uow.privacy.forget(FORGET_ADA)
        await uow.commit()
    ps = ADA_PSEUDONYM
    rows = {row["key"]: row for row in await outbox_rows(store)}
    assert list(rows) == [
        "welcome:guild-1:123",
        f"checkin:guild-1:{ps}:w9",
        f"role:guild-1:{ps}:cohort",
        "shoutout:w9",
        "welcome:guild-2:12",
    ]
    delivered = rows[f"checkin:guild-1:{ps}:w9"]
    assert delivered["status"] == "delivered"
    assert delivered["payload"]["key"] == f"checkin:guild-1:{ps}:w9"
    assert delivered["payload"]["to"] == {"platform": "discord", "id": ps, "name": "[erased]"}
    assert delivered["payload"]["message"]["text"] == "Hi [erased], how is week 9?"
    assert delivered["result"] == {"message": {"channel": f"dm-{ps}", "id": "m-9"}}
    parked = rows[f"role:guild-1:{ps}:cohort"]
    assert parked["status"] == "parked" and parked["payload"]["member"]["id"] == ps
    assert parked["last_error"] == f"403: cannot grant a role to {ps} ([erased])"
    # Adam ("123"), "Canada" and the other community are left exactly as they were.
    assert rows["shoutout:w9"]["payload"] == action_to_json(DELIVERED_FOR_ADAM)
    assert rows["welcome:guild-1:123"]["payload"] == action_to_json(PENDING_FOR_ADAM)
    assert rows["welcome:guild-2:12"]["payload"] == action_to_json(DELIVERED_ELSEWHERE)
    everything = [row for key, row in rows.items() if key != "welcome:guild-2:12"]
    assert not Mentions("12", names=FORGET_ADA.names).found_in(everything)

    async with store.unit_of_work() as uow:
        stats = await uow.outbox.stats(COMMUNITY)
        assert (stats.pending, stats.delivered, stats.parked) == (1, 2, 1)
        assert stats.last_errors[0][:2] == (parked["key"], parked["last_error"])
        due = await uow.outbox.claim_due(T0 + timedelta(days=1), limit=10, lease_seconds=LEASE)
        assert [item.action.key for item in due] == ["welcome:guild-1:123"]


async def test_a_scrubbed_row_keeps_its_key_unique(store: Store) -> None:
    await seed(store)
    async with store.unit_of_work() as uow:
        await uow.privacy.forget(FORGET_ADA)
        await uow.commit()
    scrubbed = replace(DELIVERED_DM, key=f"checkin:guild-1:{ADA_PSEUDONYM}:w9")
    async with store.unit_of_work() as uow:
        assert not await uow.outbox.add(scrubbed, now=T0)                   # still collapses a duplicate
        parked = replace(PARKED_ROLE, key=f"role:guild-1:{ADA_PSEUDONYM}:cohort")
        assert not await uow.outbox.add(parked, now=T0)
        assert await uow.outbox.add(PENDING_DM, now=T0)                     # a deleted one is gone
        await uow.commit()


async def test_forgetting_twice_never_breaks_key_uniqueness(store: Store) -> None:
    # She is forgotten, comes back, gets the same (deterministic) action again, is forgotten
    # again: the second scrubbed copy would repeat the first one's key, so it goes instead.
    action = dm("checkin:guild-1:12:w9", ADA, "Hi Ada")
    await record_outbox(store, [action], {action.key: ("delivered", {})})
    async with store.unit_of_work() as uow:
        assert (await uow.privacy.forget(FORGET_ADA))["outbox"] == 1
        await uow.commit()
    await record_outbox(store, [action], {action.key: ("delivered", {})})
    async with store.unit_of_work() as uow:
        assert (await uow.privacy.forget(FORGET_ADA))["outbox"] == 1
        await uow.commit()
    rows = await outbox_rows(store)
    assert [(r["key"], r["status"]) for r in rows] == [(f"checkin:guild-1:{ADA_PSEUDONYM}:w9", "delivered")]


async def test_the_inbox_forgets_event_ids_with_their_id_as_a_token(store: Store) -> None:
    await seed(store)
    async with store.unit_of_work() as uow:
        await uow.privacy.forget(FORGET_ADA)
        await uow.commit()
    async with store.unit_of_work() as uow:
        remembered = {event_id: not await uow.inbox.record(event_id, now=T0) for event_id in INBOX}
    assert remembered == {
        "discord:reaction:m1:12:+1": False,
        "discord:reaction:m1:123:+1": True,
        "discord:message:12345": True,
        "delivered:checkin:guild-1:12:w9": False,
    }


async def test_ids_match_as_whole_tokens_only(store: Store) -> None:
    texts = ["12", "<@12>", "a:12:b", "12-x", "dm-12", "123", "012", "12345", "x12", "12a", "u12", "12_3"]
    async with store.unit_of_work() as uow:
        for n, text in enumerate(texts):
            await uow.timers.set(timer(f"t{n}", n, note=text))
            await uow.inbox.record(f"evt:{text}", now=T0)
        await uow.commit()
    async with store.unit_of_work() as uow:
        counts = await uow.privacy.forget(Erasure(community=COMMUNITY, user=ADA, pseudonym=ADA_PSEUDONYM))
        kept = [text for n, text in enumerate(texts) if await uow.timers.get(f"t{n}") is not None]
    # "_" is not a letter or digit: "12_3" names 12 (ids are digits; a boundary is anything else).
    assert kept == ["123", "012", "12345", "x12", "12a", "u12"]
    assert counts["timers"] == 6 and counts["inbox"] == 6


async def test_names_match_as_whole_words_in_any_case_and_short_names_are_ignored(store: Store) -> None:
    texts = {
        "a": "Thanks ADA!", "b": "ada's notebook", "c": "Ada Lovelace wins", "d": "Adam and Adaline",
        "e": "Canada", "f": "Al and Ada", "g": "nada",
    }
    await record_outbox(
        store,
        [post(key, text) for key, text in texts.items()],
        {key: ("delivered", {}) for key in texts},
    )
    erasure = Erasure(community=COMMUNITY, user=ADA, names=("Ada", "Ada Lovelace", "Al"), pseudonym="ps")
    async with store.unit_of_work() as uow:
        assert (await uow.privacy.forget(erasure))["outbox"] == 4
        await uow.commit()
    scrubbed = {row["key"]: row["payload"]["message"]["text"] for row in await outbox_rows(store)}
    assert scrubbed == {
        "a": "Thanks [erased]!", "b": "[erased]'s notebook", "c": "[erased] wins", "d": "Adam and Adaline",
        "e": "Canada", "f": "Al and [erased]", "g": "nada",
    }


async def test_names_beyond_ascii_are_found_on_every_backend(store: Store) -> None:
    # SQLite keeps JSON with \\u escapes: the coarse SQL filter must still let these rows through.
    zoe = UserRef(D, "77", "zoë")
    texts = {"a": "Merci Zoë", "b": "MERCI ZOË", "c": "谢谢 李小龍", "d": "Zoey"}
    await record_outbox(
        store, [post(key, text) for key, text in texts.items()], {key: ("delivered", {}) for key in texts}
    )
    erasure = Erasure(community=COMMUNITY, user=zoe, names=("Zoë", "李小龍"), pseudonym="ps")
    async with store.unit_of_work() as uow:
        assert (await uow.privacy.forget(erasure))["outbox"] == 3
        await uow.commit()
    scrubbed = {row["key"]: row["payload"]["message"]["text"] for row in await outbox_rows(store)}
    assert scrubbed == {"a": "Merci [erased]", "b": "MERCI [erased]", "c": "谢谢 [erased]", "d": "Zoey"}


async def test_a_failed_savepoint_undoes_a_forget(store: Store) -> None:
    await seed(store)
    async with store.unit_of_work() as uow:
        before = await uow.privacy.export(COMMUNITY, ADA)
        with pytest.raises(RuntimeError):
            async with uow.savepoint():
                assert (await uow.privacy.forget(FORGET_ADA))["outbox"] == 4
                raise RuntimeError("the privacy step failed after forgetting")
        assert await uow.privacy.export(COMMUNITY, ADA) == before
        assert await uow.members.get(COMMUNITY, ADA) is not None
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert await uow.privacy.export(COMMUNITY, ADA) == before
        assert not await uow.inbox.record("discord:reaction:m1:12:+1", now=T0)
