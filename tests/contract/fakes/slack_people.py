"""The fake Slack's people: emails as Slack shows them, ``users.lookupByEmail``, join payloads.

- A user's ``profile.email`` is in the fake's answers (``users.info``, ``users.list``,
  ``users.lookupByEmail``, :meth:`SlackPeople.team_join`) only while the token has
  ``users:read.email``, as Slack does.
- ``users.lookupByEmail`` (Tier 3): needs ``users:read.email`` (``missing_scope`` with
  ``needed`` otherwise); the user whose profile email is ``email``, case-insensitively, else
  ``users_not_found``. Deleted users and bots are not found. A missing ``email`` is
  ``invalid_arguments``.
- :meth:`SlackPeople.add_person` adds a workspace member with a handle (``name``), a display
  name and an email; :meth:`SlackPeople.team_join` is the ``team_join`` event Slack sends for
  them. Mixed into :class:`~tests.contract.fakes.slack_fake.FakeSlack` (its ``users`` and
  ``scopes``).
"""

from __future__ import annotations

import copy
import itertools
import time
from typing import Any

__all__ = ["EMAIL_SCOPE", "SlackPeople"]

EMAIL_SCOPE = "users:read.email"
_EVENT_IDS = itertools.count(1)


class SlackPeople:
    team_id: str
    bot_user_id: str
    users: dict[str, dict[str, Any]]
    scopes: set[str]

    def add_person(
        self,
        user_id: str,
        handle: str,
        *,
        display_name: str = "",
        email: str = "",
        updated: int | None = None,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """A member of the workspace (no event: see :meth:`team_join`)."""
        profile: dict[str, Any] = {"display_name": display_name or handle, "real_name": display_name}
        if email:
            profile["email"] = email
        user = {
            "id": user_id,
            "team_id": self.team_id,
            "name": handle,
            "deleted": deleted,
            "real_name": display_name,
            "profile": profile,
            "is_bot": False,
            "is_app_user": False,
            "updated": updated if updated is not None else int(time.time()),
        }
        self.users[user_id] = user
        return user

    def shown(self, user: dict[str, Any]) -> dict[str, Any]:
        """A user as Slack answers this token: without the email unless it has users:read.email."""
        if EMAIL_SCOPE in self.scopes or "email" not in (user.get("profile") or {}):
            return user
        hidden = copy.deepcopy(user)
        del hidden["profile"]["email"]
        return hidden

    def team_join(self, user_id: str) -> dict[str, Any]:
        """The Events API body of ``user_id``'s ``team_join``, as Slack sends it to this app."""
        user = self.shown(self.users[user_id])
        now = int(time.time())
        return {
            "token": "XXYYZZ",
            "team_id": self.team_id,
            "api_app_id": "A0COHORT",
            "event": {"type": "team_join", "user": user, "event_ts": f"{now}.000100"},
            "type": "event_callback",
            "event_id": f"Ev0JOIN{next(_EVENT_IDS):05d}",
            "event_time": now,
            "authorizations": [
                {"enterprise_id": None, "team_id": self.team_id, "user_id": self.bot_user_id, "is_bot": True}
            ],
        }

    def _m_users_lookupByEmail(self, p: dict[str, Any]) -> dict[str, Any]:
        if EMAIL_SCOPE not in self.scopes:
            return {
                "ok": False,
                "error": "missing_scope",
                "needed": EMAIL_SCOPE,
                "provided": ",".join(sorted(self.scopes)),
            }
        wanted = str(p.get("email") or "").strip().casefold()
        if not wanted:
            return {"ok": False, "error": "invalid_arguments"}
        for user in self.users.values():
            email = str((user.get("profile") or {}).get("email") or "").casefold()
            if email == wanted and not user.get("deleted") and not user.get("is_bot"):
                return {"ok": True, "user": self.shown(user)}
        return {"ok": False, "error": "users_not_found"}
