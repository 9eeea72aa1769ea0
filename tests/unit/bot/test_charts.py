"""Charts are drawn by matplotlib: a real PNG of the chart asked for, titled and described."""

from __future__ import annotations

import io

import matplotlib.image as mpimg
import pytest

from cohortbot.bot.charts import MatplotlibCharts
from cohortbot.playbook.charts import Chart, Series

WEEKS = tuple(f"W{n}" for n in range(1, 9))


@pytest.fixture(scope="module")
def charts() -> MatplotlibCharts:
    return MatplotlibCharts()


@pytest.mark.parametrize(
    "series",
    [
        (Series(name="posts", values=tuple(range(8)), style="bar"),),
        (
            Series(name="active members", values=(3, 5, 8, 8, 9, 12, 11, 14)),
            Series(name="sentiment", values=(0.1, 0.2, -0.1, 0.3, 0.2, 0.4, 0.5, 0.1), axis="right"),
        ),
    ],
    ids=["bars", "lines on two axes"],
)
def test_a_chart_becomes_a_png_with_its_title_and_description(
    charts: MatplotlibCharts, series: tuple[Series, ...]
) -> None:
    chart = Chart(
        title="Participation",
        labels=WEEKS,
        series=series,
        y_label="members",
        y2_label="sentiment",
        filename="participation.png",
        alt_text="Active members rose from 3 to 14 over eight weeks.",
    )
    attachment = charts.render(chart)
    assert (attachment.filename, attachment.content_type) == ("participation.png", "image/png")
    image = mpimg.imread(io.BytesIO(attachment.data), format="png")
    height, width = image.shape[:2]
    assert width > 400 and height > 200
    assert image.std() > 0  # something was drawn, not a blank canvas
    assert b"Participation" in attachment.data and b"rose from 3 to 14" in attachment.data


def test_different_data_draws_a_different_picture(charts: MatplotlibCharts) -> None:
    def draw(values: tuple[float, ...]) -> bytes:
        return charts.render(Chart(title="t", labels=WEEKS, series=(Series(name="n", values=values),))).data

    assert draw((1, 2, 3, 4, 5, 6, 7, 8)) != draw((8, 7, 6, 5, 4, 3, 2, 1))
