"""Which playbook a community runs: the first that names it (by id or by platform), else the default."""

from __future__ import annotations

from cohortbot.playbook.engine import PlaybookSet
from cohortbot.playbook.model import CommunityPlaybook
from cohortbot.playbook.refs import CommunityRef, Platform
from cohortbot.playbook.step import LoadedPlaybook


def playbook(name: str, *communities: str, default: bool = False) -> LoadedPlaybook:
    return LoadedPlaybook(
        community=CommunityPlaybook(name=name, communities=list(communities), default=default), steps={}
    )


def runs(playbooks: PlaybookSet, platform: Platform, ident: str) -> str | None:
    loaded = playbooks.for_community(CommunityRef(platform, ident))
    return loaded.name if loaded else None


def test_the_first_playbook_naming_a_community_wins_whether_by_id_or_by_platform() -> None:
    whole_first = PlaybookSet([playbook("all of Slack", "slack"), playbook("T1", "slack:T1")])
    id_first = PlaybookSet([playbook("T1", "slack:T1"), playbook("all of Slack", "slack")])
    assert runs(whole_first, Platform.SLACK, "T1") == "all of Slack"
    assert runs(id_first, Platform.SLACK, "T1") == "T1"
    assert runs(id_first, Platform.SLACK, "T2") == "all of Slack"


def test_a_community_no_playbook_names_runs_the_default_or_nothing() -> None:
    named = [playbook("one", "discord:1"), playbook("console", "console")]
    assert runs(PlaybookSet([*named, playbook("rest", default=True)]), Platform.DISCORD, "2") == "rest"
    assert runs(PlaybookSet(named), Platform.DISCORD, "2") is None
    assert runs(PlaybookSet(named), Platform.SLACK, "1") is None   # the same id on another platform


def test_it_agrees_with_each_playbook_saying_whether_it_applies() -> None:
    playbooks = [
        playbook(f"p{n}", f"discord:{n}", f"slack:{n % 7}", *(["console"] if n == 30 else []))
        for n in range(50)
    ]
    found = PlaybookSet(playbooks)
    for platform in (Platform.DISCORD, Platform.SLACK, Platform.CONSOLE):
        for ident in map(str, range(60)):
            community = CommunityRef(platform, ident)
            scanned = next((p for p in playbooks if p.community.applies_to(community)), None)
            assert found.for_community(community) is scanned, community
