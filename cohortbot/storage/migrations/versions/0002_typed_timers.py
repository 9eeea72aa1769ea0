"""Typed timers: rewrite the pending timers of version 0.1 into today's typed format.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Version 0.1 stored a timer as kind ``"<step>.<name>"``, key ``"<kind>:<community>[:<subject>]"``
and free-form data. Today's ``StepContext.set_timer`` stores kind ``"<step>.<PayloadClass>"``,
key ``"<kind>[:<name>]:<community>[:<subject>]"`` and the payload's JSON, and the engine skips
a timer whose kind or data fit no payload class. Without this migration every timer pending at
the upgrade (follow-ups, nudges, reminders, postponed prompts...) would be lost.

Only *unfired* timers (``fired_at IS NULL``) are rewritten, in place (same row, same ``due_at``
and subject); fired ones are history and stay as they are. Timers already in today's format
(the kinds in ``TYPED_KINDS``) are left alone. The new key is exactly the one ``set_timer``
builds now, so when the step sets the same timer again it replaces it instead of adding a
second one. What each 0.1 kind becomes:

- ``welcome.followup<i>`` {join} -> ``welcome.FollowUpDue``, name ``followup<i>``,
  {member: the subject, index: i, join}
- ``welcome.report-<date>`` {} -> ``welcome.ReportDue``, name ``report-<date>``, {}
- ``welcome.burst`` {} -> ``welcome.BurstEnds``, name ``burst``, {}
- ``intros.nudge<i>`` {join} -> ``intros.Nudge``, name ``nudge<i>``, {member: the subject, join}
- ``intros.followup-<round>`` {round} -> ``intros.AskIfMet``, name ``<round>``, {round}
- ``prompts.post:<schedule>:<occurrence>`` {schedule, occurrence, late} ->
  ``prompts.PostPrompt``, name ``<schedule>:<occurrence>``, {schedule, occurrence, late}
- ``sessions.r:<id>:<secs>`` {what: remind, session, offset} -> ``sessions.Remind``,
  name ``<id>:<secs>``, {session, offset}
- ``sessions.f:<id>`` {what: follow_up, session} -> ``sessions.FollowUp``, name ``<id>``, {session}
- ``sessions.d:<id>:<secs>`` {what: deadline, deadline, offset} -> ``sessions.RemindDeadline``,
  name ``<id>:<secs>``, {deadline, offset}
- ``surveys.remind`` {survey, round} -> ``surveys.RemindRound``, name ``<survey>:<round>``,
  {survey, round}
- ``health.unanswered:<message>`` {message, asked} -> ``health.UnansweredQuestion``,
  name ``<message>``, {message, asked, asker: the subject}

Times in the data are written as pydantic writes them (``...Z`` for UTC); subjects stay on
the rows of the three kinds whose key has one (follow-up, nudge, unanswered question).

A 0.1 follow-up or nudge without ``join`` meant "whatever the member's join count is when it
fires"; it gets the member's current join count (and is reported if the member is unknown:
0.1 would have done nothing with it either).

**Not converted** (left in place, untouched, and one WARNING line per timer on the
``cohortbot.migrations`` logger, which reaches stderr even when logging is not configured):

- ``surveys.send``, 0.1's sessions->surveys seam ("invite these attendees to this survey").
  Today the sessions step publishes an in-process ``SurveyRequested`` message in the same
  transaction as the follow-up, and the surveys step has no timer payload for "invite these
  members", so there is nothing to convert it into. Re-arming the session's ``FollowUp``
  instead would do nothing (the session is already marked followed up) or would repeat the
  follow-up post. Such a timer was due the moment it was set, so one is pending only if 0.1
  stopped between the session's follow-up and its next scheduler pass. The line names the
  survey, the number of members and the reason; today's engine will claim it and skip it
  (logging "unknown kind"), the row stays in the table for the record, and a moderator who
  wants the invitations sent runs ``/cohort survey send <survey>``.
- A 0.1 timer whose data 0.1's own handler could not have used (a missing session id, no
  subject on a follow-up...), a kind no 0.1 step handled, or one whose new key is already
  taken by a pending timer in today's format (the step already set it again: that one wins).
  Today's engine skips these as it would have skipped them in 0.1, with a log line of its own.

**Downgrade** converts back: every typed timer with a 0.1 equivalent (the list above, read
backwards) gets its 0.1 kind, key and data again, so a rollback to release 0.1 keeps its
pending timers too (revision 0001 is 0.1's schema; the unreleased commits between 0.1 and this
revision are not a rollback target). Refusing instead (raising while typed timers exist) would make a rollback
impossible without dropping them, because a welcome follow-up or a session reminder can be
days away. ``surveys.DropDraft`` has no 0.1 equivalent (0.1 had no answer drafts) and is left
as it is with a WARNING line: 0.1's surveys step ignores a kind it does not know, and the
draft it would drop is unknown to 0.1 as well. The same goes for a timer that does not read
as today's format, or whose 0.1 key is taken, or whose 0.1 kind would be longer than the
column allows (PostgreSQL enforces ``VARCHAR(64)``).

Self-contained on purpose: the mappings and payload fields are copied here, not imported
from ``cohortbot.playbook``, so this revision keeps meaning what it means when the steps
change. Plain SQLAlchemy Core on the migration's connection, inside its transaction; the same
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

__all__ = ["branch_labels", "depends_on", "down_revision", "downgrade", "revision", "upgrade"]

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("cohortbot.migrations")

KIND_LENGTH = 64   # timers.kind is VARCHAR(64)

# Today's timer kinds ("<step>.<TimerPayload subclass>"), copied from the steps at this revision.
TYPED_KINDS = frozenset(
    {
        "welcome.FollowUpDue",
        "welcome.ReportDue",
        "welcome.BurstEnds",
        "intros.Nudge",
        "intros.AskIfMet",
        "prompts.PostPrompt",
        "sessions.Remind",
        "sessions.FollowUp",
        "sessions.RemindDeadline",
        "surveys.RemindRound",
        "surveys.DropDraft",
        "health.UnansweredQuestion",
    }
)
# The typed timers set_timer is given a subject for (the subject is part of their key).
WITH_SUBJECT = frozenset({"welcome.FollowUpDue", "intros.Nudge", "health.UnansweredQuestion"})


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


TIMERS = sa.table(
    "timers",
    sa.column("id", sa.Integer()),
    sa.column("key", sa.String()),
    sa.column("platform", sa.String()),
    sa.column("community_id", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("subject_user_id", sa.String()),
    sa.column("data", _json()),
    sa.column("fired_at", sa.DateTime(timezone=True)),
)
MEMBERS = sa.table(
    "members",
    sa.column("platform", sa.String()),
    sa.column("community_id", sa.String()),
    sa.column("user_id", sa.String()),
    sa.column("join_count", sa.Integer()),
)


class _Unconvertible(Exception):
    """This timer stays as it is; the message says why."""


class _Timer(NamedTuple):
    """A timer row as this migration reads it (no dataclasses: Alembic loads this file outside
    ``sys.modules``, where dataclasses cannot resolve string annotations)."""

    id: int
    key: str
    platform: str
    community_id: str
    kind: str
    subject: str | None   # the subject's user id
    data: Mapping[str, Any]

    @property
    def community(self) -> str:
        return f"{self.platform}:{self.community_id}"   # str(CommunityRef)

    @property
    def subject_ref(self) -> str | None:
        return None if self.subject is None else f"{self.platform}:{self.subject}"   # str(UserRef)


class _Rewrite(NamedTuple):
    key: str
    kind: str
    data: dict[str, Any]


# ---------------------------------------------------------------------------- values


def _text(data: Mapping[str, Any], field: str) -> str:
    value = data.get(field)
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value) == "":
        raise _Unconvertible(f"its data has no usable {field!r} ({value!r})")
    return str(value)


def _int(data: Mapping[str, Any], field: str) -> int:
    value = data.get(field)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise _Unconvertible(f"its data has no usable {field!r} ({value!r})")


def _moment(data: Mapping[str, Any], field: str) -> datetime:
    value = data.get(field)
    try:
        moment = datetime.fromisoformat(str(value)) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise _Unconvertible(f"its data has no usable time {field!r} ({value!r})")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)   # stored times are UTC


def _json_moment(moment: datetime) -> str:
    """A datetime as pydantic's ``model_dump(mode="json")`` writes it ("Z" for UTC)."""
    text = moment.isoformat()
    return text[: -len("+00:00")] + "Z" if text.endswith("+00:00") else text


# ---------------------------------------------------------------------------- 0.1 -> typed


def _typed_key(timer: _Timer, kind: str, name: str) -> str:
    """The key ``StepContext.set_timer`` builds today."""
    parts = [kind + (f":{name}" if name else ""), timer.community]
    if kind in WITH_SUBJECT:
        subject = timer.subject_ref
        if subject is None:
            raise _Unconvertible("it has no subject (0.1 did nothing with such a timer either)")
        parts.append(subject)
    elif timer.subject is not None:
        raise _Unconvertible(f"it has a subject, which {kind} timers never have")
    return ":".join(parts)


def _join(connection: sa.Connection, timer: _Timer) -> int:
    """``data["join"]``, else the member's join count now (0.1's fallback at firing time)."""
    if "join" in timer.data:
        return _int(timer.data, "join")
    found = connection.execute(
        sa.select(MEMBERS.c.join_count).where(
            MEMBERS.c.platform == timer.platform,
            MEMBERS.c.community_id == timer.community_id,
            MEMBERS.c.user_id == timer.subject,
        )
    ).scalar()
    if found is None:
        raise _Unconvertible("its data has no 'join' and the member is unknown")
    return int(found)


def _upgraded(connection: sa.Connection, timer: _Timer) -> _Rewrite:
    step, _, name = timer.kind.partition(".")
    data = timer.data

    def typed(kind: str, key_name: str, payload: dict[str, Any]) -> _Rewrite:
        return _Rewrite(_typed_key(timer, kind, key_name), kind, payload)

    def member() -> str:
        if timer.subject is None:
            raise _Unconvertible("it has no subject (0.1 did nothing with such a timer either)")
        return timer.subject

    if step == "welcome":
        if name == "burst":
            return typed("welcome.BurstEnds", "burst", {})
        if name.startswith("report-"):
            return typed("welcome.ReportDue", name, {})
        if found := re.fullmatch(r"followup(\d+)", name):
            index = int(found[1])
            payload = {"member": member(), "index": index, "join": _join(connection, timer)}
            return typed("welcome.FollowUpDue", f"followup{index}", payload)
    elif step == "intros":
        if re.fullmatch(r"nudge\d+", name):
            return typed("intros.Nudge", name, {"member": member(), "join": _join(connection, timer)})
        if name.startswith("followup-"):
            round_id = _text(data, "round")   # 0.1 took the round from the data, not the kind
            return typed("intros.AskIfMet", round_id, {"round": round_id})
    elif step == "prompts" and name.startswith("post:"):
        schedule, occurrence = _text(data, "schedule"), _moment(data, "occurrence")
        late = bool(data.get("late"))
        payload = {"schedule": schedule, "occurrence": _json_moment(occurrence), "late": late}
        return typed("prompts.PostPrompt", f"{schedule}:{occurrence.isoformat()}", payload)
    elif step == "sessions":
        what = data.get("what")   # 0.1 dispatched on data["what"], whatever the kind said
        if what == "remind":
            session, offset = _text(data, "session"), _int(data, "offset")
            return typed("sessions.Remind", f"{session}:{offset}", {"session": session, "offset": offset})
        if what == "follow_up":
            session = _text(data, "session")
            return typed("sessions.FollowUp", session, {"session": session})
        if what == "deadline":
            deadline, offset = _text(data, "deadline"), _int(data, "offset")
            payload = {"deadline": deadline, "offset": offset}
            return typed("sessions.RemindDeadline", f"{deadline}:{offset}", payload)
        raise _Unconvertible(f"0.1 sessions timer with unknown data['what'] = {what!r}")
    elif step == "surveys":
        if name == "remind":
            survey, round_id = _text(data, "survey"), _text(data, "round")
            return typed("surveys.RemindRound", f"{survey}:{round_id}", {"survey": survey, "round": round_id})
        if name == "send":
            members = data.get("members") or []
            count = len(members) if isinstance(members, list) else "?"
            raise _Unconvertible(
                f"0.1 sessions->surveys seam (survey {data.get('survey')!r} to {count} member(s), "
                f"{data.get('reason', '')!r}) has no typed timer now: the invitations will NOT be "
                f"sent; a moderator can run /cohort survey send {data.get('survey')}"
            )
    elif step == "health" and name.startswith("unanswered:"):
        message, asked = _text(data, "message"), _moment(data, "asked")
        payload = {"message": message, "asked": _json_moment(asked), "asker": member()}
        return typed("health.UnansweredQuestion", message, payload)
    raise _Unconvertible("no step of this version handles this 0.1 kind")


# ---------------------------------------------------------------------------- typed -> 0.1


def _old_key(timer: _Timer, kind: str) -> str:
    """The key 0.1's ``StepContext.set_timer`` built."""
    subject = timer.subject_ref
    return f"{kind}:{timer.community}" + (f":{subject}" if subject else "")


def _typed_name(timer: _Timer) -> str:
    """The ``name`` part of a typed key: ``<kind>:<name>:<community>[:<subject>]``."""
    head, tail = f"{timer.kind}:", f":{timer.community}"
    if timer.kind in WITH_SUBJECT and timer.subject_ref is not None:
        tail += f":{timer.subject_ref}"
    if not (timer.key.startswith(head) and timer.key.endswith(tail)) or len(timer.key) <= len(head + tail):
        raise _Unconvertible("its key does not read as <kind>:<name>:<community>[:<subject>]")
    return timer.key[len(head) : -len(tail)]


def _downgraded(_connection: sa.Connection, timer: _Timer) -> _Rewrite:
    data = timer.data

    def old(kind: str, payload: dict[str, Any], *, key: str | None = None) -> _Rewrite:
        if len(kind) > KIND_LENGTH:
            raise _Unconvertible(f"its 0.1 kind {kind!r} is longer than {KIND_LENGTH} characters")
        return _Rewrite(key or _old_key(timer, kind), kind, payload)

    if timer.kind == "welcome.FollowUpDue":
        return old(f"welcome.followup{_int(data, 'index')}", {"join": _int(data, "join")})
    if timer.kind == "welcome.ReportDue":
        return old(f"welcome.{_typed_name(timer)}", {})
    if timer.kind == "welcome.BurstEnds":
        return old("welcome.burst", {})
    if timer.kind == "intros.Nudge":
        return old(f"intros.{_typed_name(timer)}", {"join": _int(data, "join")})
    if timer.kind == "intros.AskIfMet":
        round_id = _text(data, "round")
        return old(f"intros.followup-{round_id}", {"round": round_id})
    if timer.kind == "prompts.PostPrompt":
        schedule, occurrence = _text(data, "schedule"), _moment(data, "occurrence").isoformat()
        payload = {"schedule": schedule, "occurrence": occurrence, "late": bool(data.get("late"))}
        return old(f"prompts.post:{schedule}:{occurrence}", payload)
    if timer.kind == "sessions.Remind":
        session, offset = _text(data, "session"), _int(data, "offset")
        return old(f"sessions.r:{session}:{offset}", {"what": "remind", "session": session, "offset": offset})
    if timer.kind == "sessions.FollowUp":
        session = _text(data, "session")
        return old(f"sessions.f:{session}", {"what": "follow_up", "session": session})
    if timer.kind == "sessions.RemindDeadline":
        deadline, offset = _text(data, "deadline"), _int(data, "offset")
        payload = {"what": "deadline", "deadline": deadline, "offset": offset}
        return old(f"sessions.d:{deadline}:{offset}", payload)
    if timer.kind == "surveys.RemindRound":
        survey, round_id = _text(data, "survey"), _text(data, "round")
        key = f"surveys.remind:{timer.community}:{survey}:{round_id}"   # 0.1 set this one by hand
        return old("surveys.remind", {"survey": survey, "round": round_id}, key=key)
    if timer.kind == "health.UnansweredQuestion":
        message, asked = _text(data, "message"), _moment(data, "asked").isoformat()
        return old(f"health.unanswered:{message}", {"message": message, "asked": asked})
    raise _Unconvertible("version 0.1 has no timer like it")


# ---------------------------------------------------------------------------- the pass


def _rewrite(
    direction: str,
    wanted: Callable[[_Timer], bool],
    convert: Callable[[sa.Connection, _Timer], _Rewrite],
) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            TIMERS.c.id,
            TIMERS.c.key,
            TIMERS.c.platform,
            TIMERS.c.community_id,
            TIMERS.c.kind,
            TIMERS.c.subject_user_id,
            TIMERS.c.data,
        )
        .where(TIMERS.c.fired_at.is_(None))
        .order_by(TIMERS.c.id)
    ).all()
    converted = left = 0
    for row in rows:
        data = row.data if isinstance(row.data, dict) else {}
        timer = _Timer(row.id, row.key, row.platform, row.community_id, row.kind, row.subject_user_id, data)
        if not wanted(timer):
            continue
        try:
            if not isinstance(row.data, dict):
                raise _Unconvertible(f"its data is not a JSON object ({row.data!r})")
            new = convert(connection, timer)
            clash = sa.and_(TIMERS.c.key == new.key, TIMERS.c.id != timer.id)
            taken = connection.execute(sa.select(TIMERS.c.id, TIMERS.c.fired_at).where(clash)).first()
            if taken is not None and taken.fired_at is None:
                raise _Unconvertible(f"a pending timer {new.key!r} already exists (it is the one kept)")
        except _Unconvertible as exc:
            left += 1
            log.warning(
                "timer %s (kind %r, id %s) NOT converted %s and left as it is: %s",
                timer.key, timer.kind, timer.id, direction, exc,
            )
            continue
        if taken is not None:   # a fired timer with that key: set_timer would re-arm it, so replace it
            connection.execute(sa.delete(TIMERS).where(TIMERS.c.id == taken.id))
        connection.execute(
            sa.update(TIMERS).where(TIMERS.c.id == timer.id).values(key=new.key, kind=new.kind, data=new.data)
        )
        converted += 1
    if converted or left:
        log.info("timers %s: %d converted, %d left as they were", direction, converted, left)


def upgrade() -> None:
    _rewrite("to the typed format", lambda t: t.kind not in TYPED_KINDS, _upgraded)


def downgrade() -> None:
    _rewrite("back to the 0.1 format", lambda t: t.kind in TYPED_KINDS, _downgraded)
