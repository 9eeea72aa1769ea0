"""Sentiment with VADER (a lexicon model, offline): the engine's SentimentAnalyzer port."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["VaderSentiment"]


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    # Reading the lexicon takes ~20 ms; the analyzer is read-only afterwards, so one per process,
    # made at the first message scored rather than at start.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


class VaderSentiment:
    def score(self, text: str) -> float:
        """VADER's compound score, -1 (negative) to +1 (positive)."""
        return float(_analyzer().polarity_scores(text)["compound"])
