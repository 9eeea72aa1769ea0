"""Slack: slack-bolt's AsyncApp in (Socket Mode or HTTP), the Web API out."""

from __future__ import annotations

from cohortbot.adapters.slack.adapter import SlackAdapter, SlackConfig, SlackStartupError

__all__ = ["SlackAdapter", "SlackConfig", "SlackStartupError"]
