"""Sentiment with VADER (a lexicon model, offline): the engine's SentimentAnalyzer port."""

from __future__ import annotations

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = ["VaderSentiment"]


class VaderSentiment:
    def __init__(self) -> None:
        self._analyzer = SentimentIntensityAnalyzer()

    def score(self, text: str) -> float:
        """VADER's compound score, -1 (negative) to +1 (positive)."""
        return float(self._analyzer.polarity_scores(text)["compound"])
