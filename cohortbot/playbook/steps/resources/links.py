"""A resource's fields as members and moderators type them: bounded, one line, http(s) links only."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from cohortbot.playbook.messages import literal

__all__ = [
    "MAX_NOTE",
    "MAX_TITLE",
    "MAX_TOPIC",
    "MAX_URL",
    "check_url",
    "clean",
    "link",
    "topic_name",
    "url_key",
    "words_in",
]

MAX_TITLE = 120
MAX_NOTE = 300
MAX_URL = 500
MAX_TOPIC = 40
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_REFUSED = re.compile(r"[\s<>\[\]|\\\"'`{}^]")  # never in a link the bot writes as markup
_TOPIC = re.compile(r"[^a-z0-9-]+")


def clean(text: str) -> str:
    """One line, no control characters, single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def topic_name(text: str) -> str:
    """A topic as typed ("Machine Learning") in its playbook spelling ("machine-learning")."""
    return _TOPIC.sub("-", text.strip().lower()).strip("-")


def check_url(raw: str) -> tuple[str, str | None]:
    """The link as kept (parentheses percent-encoded), or what is wrong with it."""
    url = raw.strip().replace("(", "%28").replace(")", "%29")
    if len(url) > MAX_URL:
        return url, f"That link is {len(url)} characters long; the most I keep is {MAX_URL}."
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or _CONTROL.search(url):
        return (
            url,
            f"A link must be a web address starting with https:// (got `{literal(raw.strip()[:60])}`).",
        )
    if _REFUSED.search(url):
        return url, "A link can't hold spaces, quotes, brackets or `<>|\\`: encode them (%20) or shorten it."
    return url, None


def url_key(url: str) -> str:
    """The same page however it was typed: scheme and host in lower case, no fragment, no final slash."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    host = (parts.hostname or "").removeprefix("www.")
    return urlunsplit(("https", host, path, parts.query, ""))


def link(title: str, url: str) -> str:
    """The resource: its title shown as typed, then its address written out (checked when it was
    kept). Never a masked link: a title someone typed does not hide where the link goes, and
    member text stays out of link labels, which not every renderer reads escapes in."""
    return f"**{literal(title)}** {url}"


def words_in(text: str) -> str:
    """``text`` lower-cased with single spaces between words, padded: for whole-word matching."""
    return " " + " ".join(re.findall(r"[\w+#]+(?:[.-][\w+#]+)*", text.lower())) + " "
