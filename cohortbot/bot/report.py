"""``cohortbot report``: the health report as files (HTML with embedded charts, PNGs, CSV).

It reads the database and the playbooks like the bot does and builds the very report the
weekly digest shows (the health step's ``api.load_report``), for the local days
``since..until`` (both included) of each community.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import html
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cohortbot.bot.charts import MatplotlibCharts
from cohortbot.bot.progress import Progress, quiet
from cohortbot.config.playbook import load_playbooks
from cohortbot.playbook.messages import ESCAPE_PATTERN, TOKEN_PATTERN
from cohortbot.playbook.refs import CommunityRef
from cohortbot.playbook.steps.health.api import STEP_NAME as HEALTH
from cohortbot.playbook.steps.health.api import HealthConfig, HealthReport, load_report
from cohortbot.storage.database import Database

__all__ = ["FORMATS", "ReportInputError", "write_reports"]

FORMATS = ("html", "png", "csv")
BOLD = re.compile(r"\*\*(.+?)(?<!\\)\*\*")  # the closing ** is not an escaped star's
# An escape (the moderators' and members' text, see ``messages.literal``) or a chat token.
ESCAPE_OR_TOKEN = re.compile(f"{ESCAPE_PATTERN.pattern}|{TOKEN_PATTERN.pattern}")


class ReportInputError(ValueError):
    """Bad input (exit code 2): an unknown community, an empty database, a reversed period."""


def plain(text: str, *, names: dict[str, str], zone: ZoneInfo) -> str:
    """Chat tokens as readable text: ``@name``, ``#channel``, local date and time; no ``**``;
    escaped text as typed (a cohort's title ``Spring <2026>``, never a token)."""

    def token(match: re.Match[str]) -> str:
        if match.group("char") is not None:
            return match.group("char")
        kind, value = match.group("kind"), match.group("value")
        if kind == "@":
            return "@" + names.get(value, value)
        if kind == "#":
            return "#" + value
        when = datetime.fromtimestamp(int(value.split(":")[0]), UTC).astimezone(zone)
        return when.strftime("%Y-%m-%d %H:%M")

    return ESCAPE_OR_TOKEN.sub(token, BOLD.sub(r"\1", text))


def to_html(report: HealthReport, pngs: Sequence[tuple[str, str, bytes]], clean: Callable[[str], str]) -> str:
    """One self-contained page: headline table, sections, charts embedded as PNG data URLs."""
    e = html.escape
    rows = "".join(
        f"<tr><th>{e(h.heading)}</th><td>{e(clean(h.value))}</td><td>{e(h.change)}</td></tr>"
        for h in report.headline
    )
    sections = "".join(
        f"<section><h2>{e(heading)}</h2><ul>"
        + "".join(f"<li>{e(clean(line).removeprefix('- '))}</li>" for line in body if line)
        + "</ul></section>"
        for heading, body in report.sections
    )
    figures = "".join(
        f'<figure><img src="data:image/png;base64,{base64.b64encode(data).decode()}" alt="{e(alt)}">'
        f"<figcaption>{e(alt)}</figcaption></figure>"
        for _name, alt, data in pngs
    )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse}th,td{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}"
        "img{max-width:100%}figcaption{font-size:.85em;color:#555}"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(report.title)}</title>'
        f"<style>{style}</style></head><body><h1>{e(report.title)}</h1><table>{rows}</table>"
        f"{sections}<h2>Charts</h2>{figures}</body></html>\n"
    )


def to_csv(report: HealthReport, community: CommunityRef, clean: Callable[[str], str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["community", "since", "until", "section", "metric", "value"])
    last = report.until.toordinal() - 1
    for section, metric, value in report.rows:
        writer.writerow(
            [
                str(community),
                report.since.isoformat(),
                date.fromordinal(last).isoformat(),
                section,
                metric,
                clean(value),
            ]
        )
    return buffer.getvalue()


@dataclass(frozen=True)
class _Read:
    community: CommunityRef
    report: HealthReport
    names: dict[str, str]
    zone: ZoneInfo


async def _read_reports(
    database_url: str,
    playbook_paths: Sequence[Path],
    *,
    since: date,
    until: date,
    community: str | None,
    progress: Progress,
) -> list[_Read]:
    playbooks = load_playbooks(playbook_paths)
    database = Database(database_url)
    found: list[_Read] = []
    try:
        if await database.current_revision() is None:
            raise ReportInputError(
                f"no cohortbot database at {database.safe_url}: no activity for any community yet "
                "(run the bot first, or set COHORTBOT_DATABASE_URL)"
            )
        # Read-only units of work (on SQLite a deferred BEGIN: a bot running on the same file
        # goes on writing while the report reads its snapshot).
        async with database.read_unit_of_work() as uow:
            known = await uow.communities.list()
        chosen = [ref for ref, _ in known if community is None or str(ref) == community]
        if not chosen:
            seen = ", ".join(str(ref) for ref, _ in known) or "none yet"
            wanted = f"community {community!r}" if community else "any community"
            raise ReportInputError(f"the database has no activity for {wanted} (communities: {seen})")
        for done, ref in enumerate(chosen):
            loaded = playbooks.for_community(ref)
            if loaded is None:
                progress(f"skipping {ref}: no playbook applies to it")
                continue
            progress(f"reading {ref} ({since} to {until})...", done=done, total=len(chosen))
            cfg = loaded.steps.get(HEALTH)
            cfg = cfg if isinstance(cfg, HealthConfig) else HealthConfig()
            async with database.read_unit_of_work() as uow:
                report = await load_report(
                    uow, ref, loaded, cfg, since=since, until=until + timedelta(days=1)
                )
                members = await uow.members.list(ref, present_only=False)
            names = {m.user.id: m.display_name for m in members}
            found.append(_Read(ref, report, names, loaded.community.zone))
    finally:
        await database.dispose()
    return found


def write_reports(
    database_url: str,
    playbook_paths: Sequence[Path],
    *,
    since: date,
    until: date,
    formats: Sequence[str],
    out: Path,
    community: str | None = None,
    progress: Progress = quiet,
) -> list[Path]:
    """Write the report files of each community (or the one asked for); returns their paths."""
    if until < since:
        raise ReportInputError(f"--until {until} is before --since {since}")
    reads = asyncio.run(
        _read_reports(
            database_url, playbook_paths, since=since, until=until, community=community, progress=progress
        )
    )
    out.mkdir(parents=True, exist_ok=True)
    charts = MatplotlibCharts()
    written: list[Path] = []
    for done, read in enumerate(reads):
        report, ref = read.report, read.community

        def clean(text: str, read: _Read = read) -> str:
            return plain(text, names=read.names, zone=read.zone)

        stem = f"health-{ref.platform}-{re.sub(r'[^A-Za-z0-9_-]', '_', ref.id)}-{since}-{until}"
        progress(f"drawing {len(report.charts)} chart(s) for {ref}...", done=done, total=len(reads))
        pngs = [(c.filename, c.alt_text or c.title, charts.render(c).data) for c in report.charts]
        files: list[tuple[Path, bytes]] = []
        if "html" in formats:
            files.append((out / f"{stem}.html", to_html(report, pngs, clean).encode()))
        if "csv" in formats:
            files.append((out / f"{stem}.csv", to_csv(report, ref, clean).encode()))
        if "png" in formats:
            files += [(out / f"{stem}-{name}", data) for name, _alt, data in pngs]
        for path, data in files:
            path.write_bytes(data)
            progress(f"wrote {path}")
            written.append(path)
    return written
