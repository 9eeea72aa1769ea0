"""Chart specifications: pure data the health step builds and a renderer turns into PNGs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Chart", "Series"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Series:
    name: str
    values: tuple[float, ...]
    axis: Literal["left", "right"] = "left"  # a second y axis (e.g. sentiment beside volume)
    style: Literal["line", "bar"] = "line"


@dataclass(frozen=True, kw_only=True, slots=True)
class Chart:
    title: str
    labels: tuple[str, ...]  # x axis: weeks, days, channels...
    series: tuple[Series, ...]
    y_label: str = ""
    y2_label: str = ""
    filename: str = "chart.png"
    alt_text: str = ""  # a text description, for accessibility
