"""Engine actions -> Slack Web API calls. No playbook logic: each action maps to one recipe.

Roles (user groups, or a channel named after the role) are in ``roles.py``.

**Files.** A ``RichMessage``'s attachments (charts, a CSV, a JSON export) are uploaded
(``SlackApi.upload_files``, slack_sdk's ``files_upload_v2``) right *after* the message, into
the same conversation: a DM into the opened DM channel, a post into its channel (its thread
if it has one). An answer to an interaction goes through the response_url, which cannot carry
files, so they are shared separately:

- a public answer (``ephemeral=False``): into the interaction's channel; if the bot cannot
  share files there (``not_in_channel``, ``channel_not_found``: slash commands work in
  channels the bot is not in), into a DM to the member instead, saying why;
- an ephemeral answer, or one with no channel (a modal): into a DM to the member who acted,
  since a file shared in a channel is seen by everyone. The answer says so.

Who acted and where comes from the InteractionRef itself (``translate.interaction_context``).
When nobody can receive the files (a ref without context, DMs refused), the answer lists
them by name as before.

Several requests make one action, so a retry must not repeat what already happened: per
action key, the performer remembers (in memory, for an hour) that the text went out and
resumes with the files.

**Posting once.** Every message carries its action's key as metadata (``idempotency.py``).
A post that may already be on Slack (a ``resumed`` delivery after a dead process, or a 5xx,
a timeout or a dropped connection from ``chat.postMessage``) is looked for first and not
posted again if found (nor its files, if the bot shared files of those names after it).
After a 5xx the request is finished, so the performer looks and sends
once more in the same attempt; after a timeout it may still be in flight, so the deliverer's
retry (a little later) looks first. Answers through a response_url carry no metadata and
can't be looked for: a resumed one may be answered twice (ephemeral, to one member).
Reactions (``already_reacted``), pins (``already_pinned``), user group and channel
membership changes are idempotent by nature; ``views.open`` needs a fresh trigger anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import singledispatchmethod
from typing import Any

from slack_sdk.webhook.async_client import AsyncWebhookClient

from cohortbot.adapters.base import (
    Delivered,
    DirectMessageRefused,
    PermanentDeliveryError,
    RetryableDeliveryError,
)
from cohortbot.adapters.slack.api import (
    DM_REFUSALS,
    MaybeCarriedOut,
    SlackApi,
    SlackCallError,
    TtlCache,
    retry_handlers,
)
from cohortbot.adapters.slack.idempotency import LookBack, PostedMessages, metadata_for
from cohortbot.adapters.slack.render import attachment_names, render_form, render_message, to_mrkdwn
from cohortbot.adapters.slack.roles import USERGROUPS_UNAVAILABLE, SlackRoles
from cohortbot.adapters.slack.translate import interaction_context
from cohortbot.playbook.actions import (
    Action,
    AddReaction,
    CreateLiveSession,
    CreatePoll,
    GrantRole,
    OpenForm,
    PinMessage,
    PostMessage,
    RespondToInteraction,
    RevokeRole,
    SendDirectMessage,
    SendGroupMessage,
    StartThread,
)
from cohortbot.playbook.messages import Attachment, RichMessage
from cohortbot.playbook.refs import ChannelRef, MessageRef, Platform

__all__ = ["USERGROUPS_UNAVAILABLE", "SlackPerformer", "emoji_name"]  # USERGROUPS_UNAVAILABLE: roles.py

log = logging.getLogger(__name__)

# Slack names reactions; the engine may use the characters themselves.
_EMOJI_NAMES = {
    "👋": "wave",
    "✅": "white_check_mark",
    "🎉": "tada",
    "👍": "+1",
    "❤️": "heart",
    "❤": "heart",
    "🙌": "raised_hands",
    "👀": "eyes",
    "🔥": "fire",
    "⭐": "star",
    "🚀": "rocket",
    "💡": "bulb",
    "🙏": "pray",
    "👏": "clap",
    "🤔": "thinking_face",
    "😀": "grinning",
    "📌": "pushpin",
    "🌱": "seedling",
}
_MAX_GROUP_DM = 8  # conversations.open accepts up to 8 other users
# The bot can't share files in the interaction's channel: DM them to the member instead.
_CANNOT_SHARE_HERE = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})
_PROGRESS_TTL = 3600.0  # how long a half-done action remembers its finished steps
_UNCERTAIN_TTL = 86400.0  # how long a post that may be on Slack is looked for before a resend


@dataclass(frozen=True, slots=True)
class _FilesTo:
    """Where an interaction answer's files go, and what the answer says about them."""

    channel_id: str
    note: str  # the answer's context line about the files ("" when they follow right there)
    comment: str = ""  # initial_comment shared with the files (a DM needs to say what they are)
    in_channel: bool = False  # the interaction's own channel (a public answer)


def emoji_name(emoji: str) -> str:
    """``:wave:``, ``wave`` or ``👋`` -> ``wave`` (what reactions.add wants)."""
    value = emoji.strip()
    if value in _EMOJI_NAMES:
        return _EMOJI_NAMES[value]
    return value.strip(":")


class SlackPerformer:
    def __init__(
        self,
        api: SlackApi,
        *,
        now: Callable[[], datetime] | None = None,
        look_back: LookBack | None = None,
    ) -> None:
        self.api = api
        self.posted = PostedMessages(
            api, now=now or (lambda: datetime.now(UTC)), look_back=look_back or LookBack()
        )
        self.roles = SlackRoles(api)
        self._progress = TtlCache(_PROGRESS_TTL)  # action key -> {step: result} of steps done
        self._uncertain = TtlCache(_UNCERTAIN_TTL)  # action keys whose post may be on Slack
        self._found: dict[str, bool] = {}  # action keys whose post was found, not posted, just now
        self.bot_user_id = ""  # set once the adapter knows it (auth.test): who shared files

    async def perform(self, action: Action, *, resumed: bool = False) -> Delivered:
        if resumed:
            self._uncertain.put(action.key, True)  # its message may be there: look first
        return await self._perform(action)

    # ------------------------------------------------------------------ helpers

    async def _channel_id(self, channel: ChannelRef) -> str:
        return channel.id or await self.api.resolve_channel(channel.name)

    async def _channel_names_for(self, message: RichMessage) -> dict[str, str]:
        """The name->id directory, loaded only when the message links a channel."""
        texts = (message.text, message.footer, *(f.value for f in message.fields))
        if any("<#" in t for t in texts):
            return await self.api.channel_ids_or_empty()
        return {}

    async def _post(
        self,
        key: str,
        channel_id: str,
        message: RichMessage,
        *,
        thread_ts: str = "",
        refusals: frozenset[str] = frozenset(),
        files_note: str | None = None,
    ) -> str:
        """chat.postMessage with the action's key as metadata, once (see the module docstring)."""
        if self._uncertain.get(key):
            found = await self.posted.find(key, channel_id, thread_ts=thread_ts)
            if found:
                log.info("Slack: %s was already posted (%s); not posting it again", key, found)
                self._uncertain.forget(key)
                self._found[key] = True
                return found
        names = await self._channel_names_for(message)
        params: dict[str, Any] = {
            "channel": channel_id,
            **render_message(message, names, files_note=files_note),
            "metadata": metadata_for(key),
        }
        if thread_ts:
            params["thread_ts"] = thread_ts
        try:
            data = await self.api.call("chat.postMessage", refusals=refusals, **params)
        except MaybeCarriedOut as exc:
            # Slack may have posted it before failing. After a 5xx the request is finished:
            # look, and send again only if it isn't there. After a timeout or a dropped
            # connection it may still be in flight: the deliverer's retry, a little later,
            # looks first. A second failure goes to the deliverer as well.
            self._uncertain.put(key, True)
            if not exc.answered:
                raise
            log.info("Slack: posting %s failed (%s); checking whether it was posted", key, exc)
            found = await self.posted.find(key, channel_id, thread_ts=thread_ts)
            if found:
                self._uncertain.forget(key)
                self._found[key] = True
                return found
            data = await self.api.call("chat.postMessage", refusals=refusals, **params)
        self._uncertain.forget(key)
        return str(data.get("ts", ""))

    async def _step(self, key: str, step: str, run: Callable[[], Awaitable[str]]) -> str:
        """Run one step of a multi-request action once: a retry skips the steps already done."""
        done: dict[str, str] = self._progress.get(key) or {}
        if step in done:
            return done[step]
        result = await run()
        self._progress.put(key, {**done, step: result})
        return result

    async def _post_with_files(
        self,
        key: str,
        channel_id: str,
        message: RichMessage,
        *,
        thread_ts: str = "",
        refusals: frozenset[str] = frozenset(),
    ) -> str:
        """The message, then its attachments in the same conversation (thread); its ts."""
        if not message.attachments:
            ts = await self._post(key, channel_id, message, thread_ts=thread_ts, refusals=refusals)
            self._found.pop(key, None)
            return ts
        ts = await self._step(
            key,
            "post",
            lambda: self._post(
                key, channel_id, message, thread_ts=thread_ts, refusals=refusals, files_note=""
            ),
        )
        if self._found.pop(key, False) and await self.posted.files_shared_after(
            channel_id,
            ts,
            {f.filename for f in message.attachments},
            by_user=self.bot_user_id,
            thread_ts=thread_ts,
        ):
            log.info("Slack: the files of %s were shared already; not sharing them again", key)
        else:
            await self._step(
                key, "files", lambda: self._upload(message.attachments, channel_id, thread_ts=thread_ts)
            )
        self._progress.forget(key)
        return ts

    async def _upload(
        self, files: tuple[Attachment, ...], channel_id: str, *, thread_ts: str = "", comment: str = ""
    ) -> str:
        ids = await self.api.upload_files(
            files, channel_id=channel_id, thread_ts=thread_ts, initial_comment=comment
        )
        return ",".join(ids)

    # ------------------------------------------------------------------ dispatch

    @singledispatchmethod
    async def _perform(self, action: Action) -> Delivered:
        raise PermanentDeliveryError(f"Slack cannot perform {action.kind}")

    @_perform.register
    async def _dm(self, action: SendDirectMessage) -> Delivered:
        channel_id = await self.api.dm_channel((action.to.id,))
        ts = await self._post_with_files(action.key, channel_id, action.message, refusals=DM_REFUSALS)
        return Delivered(message=MessageRef(ChannelRef(Platform.SLACK, id=channel_id), ts))

    @_perform.register
    async def _group_dm(self, action: SendGroupMessage) -> Delivered:
        if len(action.to) > _MAX_GROUP_DM:
            raise PermanentDeliveryError(
                f"Slack group DMs hold at most {_MAX_GROUP_DM} members besides the bot, not {len(action.to)}"
            )
        channel_id = await self.api.dm_channel(tuple(u.id for u in action.to))
        ts = await self._post_with_files(action.key, channel_id, action.message, refusals=DM_REFUSALS)
        return Delivered(message=MessageRef(ChannelRef(Platform.SLACK, id=channel_id), ts))

    @_perform.register
    async def _post_message(self, action: PostMessage) -> Delivered:
        channel_id = await self._channel_id(action.channel)
        ts = await self._post_with_files(
            action.key, channel_id, action.message, thread_ts=action.thread.id if action.thread else ""
        )
        ref = ChannelRef(Platform.SLACK, id=channel_id, name=action.channel.name)
        return Delivered(message=MessageRef(ref, ts))

    @_perform.register
    async def _respond(self, action: RespondToInteraction) -> Delivered:
        url = action.interaction.token
        if not url:
            raise PermanentDeliveryError("Slack interaction has no response_url to answer")
        files = action.message.attachments
        if not files:
            await self._answer(url, action, files_note=None)
            return Delivered()
        # Where the files go is settled first: the answer says so.
        target = await self._files_target(action)
        note = target.note if target is not None else None
        await self._step(action.key, "answer", lambda: self._answer(url, action, files_note=note))
        if target is not None:
            await self._step(action.key, "files", lambda: self._share_answer_files(action, target))
        self._progress.forget(action.key)
        return Delivered()

    async def _files_target(self, action: RespondToInteraction) -> _FilesTo | None:
        user_id, channel_id = interaction_context(action.interaction)
        if not action.ephemeral and channel_id:
            return _FilesTo(channel_id, note="", in_channel=True)
        if not user_id:
            log.warning("Slack answer %s: no member to send its files to; listing them by name", action.key)
            return None
        try:
            dm = await self.api.dm_channel((user_id,))
        except DirectMessageRefused as exc:
            log.info("Slack answer %s: cannot DM the files (%s); listing them by name", action.key, exc)
            return None
        title = action.message.title
        comment = (
            f"Here are the files for *{to_mrkdwn(title)}*." if title else "Here are the files you asked for."
        )
        names = attachment_names(action.message)
        return _FilesTo(dm, note=f"Sent to you in a direct message: {names}", comment=comment)

    async def _share_answer_files(self, action: RespondToInteraction, target: _FilesTo) -> str:
        files = action.message.attachments
        user_id, _ = interaction_context(action.interaction)
        try:
            return await self._upload(files, target.channel_id, comment=target.comment)
        except SlackCallError as exc:
            if not (target.in_channel and user_id and exc.code in _CANNOT_SHARE_HERE):
                raise
            log.info(
                "Slack answer %s: cannot share files in %s (%s); DMing them",
                action.key,
                target.channel_id,
                exc.code,
            )
        dm = await self.api.dm_channel((user_id,))
        comment = (
            f"I can't share files in <#{target.channel_id}> (invite me there), so here they are: "
            f"{to_mrkdwn(attachment_names(action.message))}"
        )
        return await self._upload(files, dm, comment=comment)

    async def _answer(self, url: str, action: RespondToInteraction, *, files_note: str | None) -> str:
        """One POST to the response_url (it lives 30 minutes and takes five answers)."""
        names = await self._channel_names_for(action.message)
        body = {
            "response_type": "ephemeral" if action.ephemeral else "in_channel",
            "replace_original": False,
            **render_message(action.message, names, files_note=files_note),
        }
        webhook = AsyncWebhookClient(url, timeout=15, retry_handlers=retry_handlers())
        try:
            response = await webhook.send_dict(body)
        except Exception as exc:  # network errors of any kind; never echo the URL (a credential)
            raise RetryableDeliveryError(
                f"Slack response_url: network error ({type(exc).__name__})"
            ) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableDeliveryError(f"Slack response_url: HTTP {response.status_code}")
        if response.status_code != 200:
            # 404 expired_url: response URLs live 30 minutes and take 5 answers.
            raise PermanentDeliveryError(
                f"Slack response_url refused the answer: HTTP {response.status_code} {response.body[:80]!r}"
            )
        return ""

    @_perform.register
    async def _open_form(self, action: OpenForm) -> Delivered:
        trigger_id = action.interaction.trigger_id or action.interaction.id
        data = await self.api.call("views.open", trigger_id=trigger_id, view=render_form(action.form))
        return Delivered(platform_id=str((data.get("view") or {}).get("id", "")))

    @_perform.register
    async def _react(self, action: AddReaction) -> Delivered:
        channel_id = await self._channel_id(action.message.channel)
        try:
            await self.api.call(
                "reactions.add",
                channel=channel_id,
                timestamp=action.message.id,
                name=emoji_name(action.emoji),
            )
        except SlackCallError as exc:
            if exc.code != "already_reacted":
                raise
        return Delivered(message=action.message)

    @_perform.register
    async def _thread(self, action: StartThread) -> Delivered:
        # Slack threads are implicit: replying with thread_ts = the parent's ts starts one.
        return Delivered(message=action.message)

    @_perform.register
    async def _pin(self, action: PinMessage) -> Delivered:
        channel_id = await self._channel_id(action.message.channel)
        try:
            await self.api.call("pins.add", channel=channel_id, timestamp=action.message.id)
        except SlackCallError as exc:
            if exc.code != "already_pinned":
                raise
        return Delivered(message=action.message)

    @_perform.register
    async def _grant(self, action: GrantRole) -> Delivered:
        return await self.roles.set(action.role, action.member.id, member=True)

    @_perform.register
    async def _revoke(self, action: RevokeRole) -> Delivered:
        return await self.roles.set(action.role, action.member.id, member=False)

    @_perform.register
    async def _live_session(self, action: CreateLiveSession) -> Delivered:
        raise PermanentDeliveryError("Slack has no native scheduled events (the playbook posts an RSVP card)")

    @_perform.register
    async def _poll(self, action: CreatePoll) -> Delivered:
        raise PermanentDeliveryError("Slack has no native polls (the playbook posts buttons instead)")
