"""The community's library: the playbook's links taken in, resources shown, questions matched."""

from __future__ import annotations

from collections.abc import Sequence

from cohortbot.playbook.messages import literal
from cohortbot.playbook.step import StepContext
from cohortbot.playbook.steps.resources.config import ResourcesConfig
from cohortbot.playbook.steps.resources.links import link, url_key, words_in
from cohortbot.playbook.steps.resources.model import Library, Resource

__all__ = ["Ctx", "line", "load_library", "matching", "topics_text"]

Ctx = StepContext[ResourcesConfig]


def _sync(library: Library, config: ResourcesConfig, ctx: Ctx) -> bool:
    """Take the playbook's links in (once each) and follow its changes to those nobody edited."""
    changed = False
    for name, topic in config.topics.items():
        for seed in topic.resources:
            key = url_key(seed.url)
            fields = {"topic": name, "title": seed.title, "note": seed.note, "keywords": list(seed.keywords)}
            if key in library.seeded:
                kept = next(
                    (r for r in library.resources if r.source == "playbook" and url_key(r.url) == key), None
                )
                if (
                    kept is not None
                    and not kept.edited
                    and any(getattr(kept, f) != v for f, v in fields.items())
                ):
                    for field, value in fields.items():
                        setattr(kept, field, value)
                    changed = True
                continue
            library.seeded.append(key)
            changed = True
            if library.holding(seed.url) is None:
                library.resources.append(
                    Resource(id=library.new_id(), url=seed.url, source="playbook", added_at=ctx.now, **fields)
                )
    return changed


async def load_library(ctx: Ctx) -> Library:
    """The library with the playbook's current links in it (stored when that changed it)."""
    library = await ctx.load(Library)
    if _sync(library, ctx.config, ctx):
        await ctx.store(library)
    return library


def line(resource: Resource, *, ids: bool = True, notes: bool = True) -> str:
    head = f"`#{resource.id}` " if ids else ""
    note = f" — {literal(resource.note)}" if notes and resource.note else ""
    return f"- {head}{link(resource.title, resource.url)}{note}"


def topics_text(config: ResourcesConfig) -> str:
    return ", ".join(f"`{t}`" for t in config.topics) or "none (the playbook names no topic)"


def _has(words: str, keyword: str) -> bool:
    return words_in(keyword).strip() != "" and words_in(keyword) in words


def matching(config: ResourcesConfig, library: Library, text: str, limit: int) -> Sequence[Resource]:
    """Up to ``limit`` live resources for a question: topics whose name or keywords it names, the
    resources naming its words first, then the order they were added, one per page."""
    words = words_in(text)
    found: list[tuple[int, int, int, Resource]] = []
    for order, (name, topic) in enumerate(config.topics.items()):
        hits = sum(_has(words, k) for k in [name.replace("-", " "), *topic.keywords])
        if not hits:
            continue
        for resource in library.live(name):
            own = sum(_has(words, k) for k in resource.keywords)
            found.append((-own, -hits, order, resource))
    found.sort(key=lambda f: (f[0], f[1], f[2], f[3].id))
    chosen: dict[str, Resource] = {}
    for *_, resource in found:
        chosen.setdefault(url_key(resource.url), resource)
    return list(chosen.values())[:limit]
