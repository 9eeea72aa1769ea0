"""What other steps may use of the surveys step (its published API).

- :class:`SurveyRequested`: publish it (``ctx.publish``) to have the surveys step invite
  exactly those members to a round of a survey, in the same transaction (the sessions step
  does, for a session's attendees).
- :func:`survey_headlines`: one line per survey with answers, for the health report.
- :func:`is_survey_answer`: whether a DM to the bot is the answer to the question a member
  is on (the welcome step forwards the other DMs to the moderators).
"""

from __future__ import annotations

from dataclasses import dataclass

from cohortbot.playbook.ports import Member, UnitOfWork
from cohortbot.playbook.refs import CommunityRef, UserRef
from cohortbot.playbook.step import DocumentStore, LoadedPlaybook, StepMessage
from cohortbot.playbook.steps.surveys.answering import expected_answer
from cohortbot.playbook.steps.surveys.config import SurveysConfig
from cohortbot.playbook.steps.surveys.model import STEP_NAME, SurveysMember
from cohortbot.playbook.steps.surveys.rounds import load_summary

__all__ = ["SurveyRequested", "is_survey_answer", "survey_headlines"]


@dataclass(frozen=True, kw_only=True)
class SurveyRequested(StepMessage):
    """Invite ``members`` to a round of the survey named ``survey``.

    ``round`` is a stable hint (``"session-<session id>"``): the same hint is the same round,
    so a member is invited once however often it is asked. Members who left and bots are
    skipped; an unknown survey is logged and ignored.
    """

    survey: str
    members: tuple[UserRef, ...]
    round: str
    reason: str = ""


async def survey_headlines(uow: UnitOfWork, community: CommunityRef, loaded: LoadedPlaybook) -> list[str]:
    """One line per survey with answers: responses, rate, scale means, NPS.

    An anonymous survey's scores come only from rounds with ``min_respondents`` responses.
    """
    cfg = loaded.steps.get(STEP_NAME)
    if not isinstance(cfg, SurveysConfig) or not cfg.enabled:
        return []
    docs = DocumentStore(uow.state, community, STEP_NAME)
    lines = []
    for survey in cfg.surveys:
        summary = await load_summary(docs, survey, minimum=cfg.minimum(survey))
        if summary.responses:
            lines.append(f"- {summary.headline()}")
    return lines


async def is_survey_answer(uow: UnitOfWork, loaded: LoadedPlaybook, member: Member, text: str) -> bool:
    """Whether the surveys step takes ``text``, a DM from ``member``, as an answer.

    Asked before the surveys step sees the DM (steps see an event in order): the same test
    it applies to the question the member is on.
    """
    cfg = loaded.steps.get(STEP_NAME)
    if not isinstance(cfg, SurveysConfig) or not cfg.enabled:
        return False
    section = SurveysMember.model_validate(member.data.get(STEP_NAME) or {})
    docs = DocumentStore(uow.state, member.community, STEP_NAME)
    return await expected_answer(docs, cfg, member, section, text) is not None
