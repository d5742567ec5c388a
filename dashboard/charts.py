"""The dashboard's charts: the look of official documents (documents/charts.py),
SVG embedded as data: URI images, no JavaScript, Chinese labels.

The category chart is the bulletin's own; the trend charts are new here and draw
the rounds the selector gives (the latest dashboard.selectors.TREND_ROUNDS). Each
chart is drawn from hashable figures and kept (CACHED_CHARTS): the same figures
give the same picture.
"""

import functools
from typing import Any

import pygal

from bulletins.charts import category_progress
from bulletins.sections import SCHEDULES
from dashboard.figures import TrendRow
from documents.charts import (
    GREEN,
    GREY,
    RED,
    SCHEDULE_COLORS,
    YELLOW,
    chart_config,
    count_axis,
    count_bars,
    data_uri,
)
from rounds.category_progress import CategoryRow

# Rounds on the axis before their labels are tilted so they do not run into each other.
UPRIGHT_LABELS = 6
LIGHT_SERIES = (("red", "红灯"), ("yellow", "黄灯"), ("green", "绿灯"), ("done", "已完成"))
# Drawn charts kept, by the figures they show: a dashboard is looked at again and again
# between two changes of its figures, and pygal takes longer than all the page's SQL.
CACHED_CHARTS = 256
Series = tuple[tuple[str, tuple[int | None, ...]], ...]


def categories_chart(rows: list[CategoryRow]) -> str | None:
    """The current round's tasks by category, stacked by progress: the bulletin's chart."""
    if not rows:
        return None
    return _categories_svg(
        tuple((row.number, row.title, row.tasks, tuple(sorted(row.counts.items()))) for row in rows)
    )


@functools.lru_cache(maxsize=CACHED_CHARTS)
def _categories_svg(rows: tuple[tuple[int, str, int, tuple[tuple[str, int], ...]], ...]) -> str:
    return category_progress(
        {
            "categories": [
                {"number": number, "title": title, "tasks": tasks, "counts": dict(counts)}
                for number, title, tasks, counts in rows
            ]
        }
    )


def _span(rows: list[TrendRow]) -> str:
    return f"近{len(rows)}期" if len(rows) > 1 else rows[0].round.period


def schedule_trend(rows: list[TrendRow]) -> str | None:
    """The tasks of each round stacked by progress against the schedule."""
    if not rows:
        return None
    series = tuple(
        (word, tuple(count_bars([row.schedule.get(key, 0) for row in rows])))
        for key, word in SCHEDULES
    )
    return _trend_svg(
        "schedule",
        f"各期序时进度（{_span(rows)}，项）",
        tuple(row.round.period for row in rows),
        series,
        max(row.tasks for row in rows),
    )


def light_trend(rows: list[TrendRow]) -> str | None:
    """The tasks of each round stacked by light (red at the foot, where a change shows);
    a round with no stored light has no bar."""
    if not any(row.lights for row in rows):
        return None
    series = tuple(
        (word, tuple(count_bars([(row.lights or {}).get(key, 0) for row in rows])))
        for key, word in LIGHT_SERIES
    )
    return _trend_svg(
        "lights",
        f"各期任务预警（{_span(rows)}，项）",
        tuple(row.round.period for row in rows),
        series,
        max(sum(row.lights.values()) for row in rows if row.lights),
    )


PALETTES = {
    "schedule": SCHEDULE_COLORS,
    "lights": (RED, YELLOW, GREEN, GREY),
}


@functools.lru_cache(maxsize=CACHED_CHARTS)
def _trend_svg(palette: str, title: str, labels: tuple[str, ...], series: Series, top: int) -> str:
    """Bars per round, stacked by the series."""
    axis: dict[str, Any] = {} if len(labels) <= UPRIGHT_LABELS else {"x_label_rotation": 30}
    chart = pygal.StackedBar(
        **chart_config(
            PALETTES[palette],
            title=title,
            # One legend row: pygal counts the rows as series // columns, none for
            # fewer series than columns, and the legend falls off the picture.
            legend_at_bottom_columns=len(series),
            **axis,
            **count_axis(top),
        )
    )
    chart.x_labels = list(labels)
    for word, values in series:
        chart.add(word, list(values))
    return data_uri(chart)


def clear_cache() -> None:
    """Forget the drawn charts (the benchmark measures drawing them too)."""
    _categories_svg.cache_clear()
    _trend_svg.cache_clear()
