"""Sentiment with VADER (a lexicon model, offline): the engine's SentimentAnalyzer port."""

from __future__ import annotations

from functools import cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["VaderSentiment"]


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    # Reading the lexicon takes ~20 ms; the analyzer is read-only afterwards, so one per process.
    return SentimentIntensityAnalyzer()


class VaderSentiment:
    def __init__(self) -> None:
        self._analyzer = _analyzer()

    def score(self, text: str) -> float:
        """VADER's compound score, -1 (negative) to +1 (positive)."""
        return float(self._analyzer.polarity_scores(text)["compound"])
