"""The README's Discord invite URL asks for exactly the permissions it lists."""

from __future__ import annotations

import re
from pathlib import Path

import discord

README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_invite_permissions_integer_matches_the_listed_permissions() -> None:
    text = README.read_text()
    value = int(re.search(r"permissions=(\d+)", text).group(1))  # type: ignore[union-attr]
    granted = {name for name, on in discord.Permissions(value) if on}
    assert granted >= {
        "read_messages",
        "send_messages",
        "send_messages_in_threads",
        "create_public_threads",
        "create_private_threads",
        "embed_links",
        "attach_files",
        "add_reactions",
        "read_message_history",
        "manage_messages",
        "manage_roles",
        "manage_events",
    }
    assert "administrator" not in granted and "manage_guild" not in granted
