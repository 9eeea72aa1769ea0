"""PNG charts with matplotlib (headless Agg backend): the engine's ChartRenderer port."""

from __future__ import annotations

import io
from functools import cache
from types import ModuleType
from typing import Any

from cohortbot.playbook.charts import Chart
from cohortbot.playbook.messages import Attachment

__all__ = ["MatplotlibCharts"]

# Colour-blind safe (Okabe-Ito), so charts stay readable for everyone.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


@cache
def _matplotlib() -> tuple[ModuleType, ModuleType]:
    """matplotlib's figure and ticker modules, imported at the first chart: the import takes
    most of a second, which a bot that draws a chart once a week should not spend at start."""
    import matplotlib

    matplotlib.use("Agg")  # no display here or in production containers
    import matplotlib.figure
    import matplotlib.ticker

    return matplotlib.figure, matplotlib.ticker


class MatplotlibCharts:
    def __init__(self, *, width: float = 8.0, height: float = 4.0, dpi: int = 110) -> None:
        self.size = (width, height)
        self.dpi = dpi

    def render(self, chart: Chart) -> Attachment:
        figures, ticker = _matplotlib()
        # Figure() rather than pyplot: no global state, safe in a long-running process.
        figure = figures.Figure(figsize=self.size, dpi=self.dpi)
        left = figure.add_subplot(1, 1, 1)
        right = left.twinx() if any(s.axis == "right" for s in chart.series) else None
        positions = list(range(len(chart.labels)))
        bars = [s for s in chart.series if s.style == "bar"]
        width = 0.8 / max(1, len(bars))
        handles: list[Any] = []
        for index, series in enumerate(chart.series):
            axes = right if (series.axis == "right" and right is not None) else left
            colour = PALETTE[index % len(PALETTE)]
            if series.style == "bar":
                offset = (bars.index(series) - (len(bars) - 1) / 2) * width
                handles.append(
                    axes.bar(
                        [p + offset for p in positions], series.values, width, label=series.name, color=colour
                    )
                )
            else:
                handles += axes.plot(positions, series.values, marker="o", label=series.name, color=colour)
        left.set_title(chart.title)
        left.set_xticks(positions, chart.labels, rotation=30 if len(chart.labels) > 6 else 0, ha="right")
        left.set_ylabel(chart.y_label)
        left.grid(axis="y", alpha=0.3)
        left.margins(y=0.15)  # headroom above the tallest bar for the legend
        if all(v >= 0 for s in chart.series if s.axis == "left" for v in s.values):
            left.set_ylim(bottom=0)  # counts never go below zero
        if all(float(v).is_integer() for s in chart.series if s.axis == "left" for v in s.values):
            left.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))  # counts: no 1.25 ticks
        if right is not None:
            right.set_ylabel(chart.y2_label)
        if len(handles) > 1:
            left.legend(handles=handles, loc="best", fontsize="small", framealpha=0.85)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Title": chart.title, "Description": chart.alt_text})
        return Attachment(filename=chart.filename, content_type="image/png", data=buffer.getvalue())
