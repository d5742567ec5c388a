"""The bulletin's charts as SVG, drawn by pygal from the gathered data in the look of
documents.charts: one code path for the web page and the PDF."""

import math
from typing import Any

import pygal

from bulletins.sections import SCHEDULES
from documents.charts import (
    BLUE,
    GREEN,
    GREY,
    HEIGHT,
    RED,
    SCHEDULE_COLORS,
    YELLOW,
    chart_config,
    count_axis,
    count_bars,
    data_uri,
    label_room,
    short_label,
)
from plans.models import cn_numeral

# Unit names longer than this end in an ellipsis on the lights chart.
UNIT_LABEL_LENGTH = 12
# At most this many indicators on the chart (the table above lists them all).
INDICATORS_CHARTED = 15


def category_progress(data: dict[str, Any]) -> str:
    """Tasks by category, stacked by progress against the schedule."""
    categories = data["categories"]
    chart = pygal.StackedBar(
        **chart_config(
            SCHEDULE_COLORS,
            title="分类推进情况（项）",
            **count_axis(max((row["tasks"] for row in categories), default=1)),
        )
    )
    # Many categories: their numbers only, as the table just above names them
    # (tilted names would run into the legend); a few: their short names.
    many = len(categories) > 4
    chart.x_labels = [
        f"（{cn_numeral(row['number'])}）"
        if many
        else short_label(f"（{cn_numeral(row['number'])}）{row['title']}", 9)
        for row in categories
    ]
    for key, word in SCHEDULES:
        chart.add(word, count_bars([row["counts"].get(key, 0) for row in categories]))
    return data_uri(chart)


def lights_by_unit(data: dict[str, Any]) -> str:
    """Each unit's tasks in the round, stacked by the light of its report: horizontal
    bars, the unit names on the left with the room they need (the longest cut with
    an ellipsis)."""
    units = list(reversed(data["units"]))
    labels = [short_label(row["unit"], UNIT_LABEL_LENGTH) for row in units]
    chart = pygal.HorizontalStackedBar(
        **chart_config(
            (GREEN, YELLOW, RED),
            title="各单位预警情况（项）",
            height=max(HEIGHT, 110 + 30 * len(units)),
            margin_left=label_room(labels),
            **count_axis(max((row["tasks"] for row in units), default=1)),
        )
    )
    chart.x_labels = labels
    for color, word in (("green", "绿灯"), ("yellow", "黄灯"), ("red", "红灯")):
        chart.add(word, count_bars([row["tasks"] if _light(row) == color else 0 for row in units]))
    return data_uri(chart)


def _light(row: dict[str, Any]) -> str:
    return "green" if row["light"] == "done" else row["light"]


def indicator_against_target(data: dict[str, Any]) -> str | None:
    """Each indicator's value this period and the time-proportional expectation, both
    as a share of the year's target: horizontal bars, the names on the left."""
    rows = [row for row in data["indicators"] if row.get("target_value")][:INDICATORS_CHARTED]
    if not rows:
        return None
    rows = list(reversed(rows))  # pygal draws the first row at the bottom
    labels = [
        short_label(f"{row['task']}.{row['indicator']}" if row["task"] else row["indicator"], 14)
        for row in rows
    ]
    chart = pygal.HorizontalBar(
        **chart_config(
            (BLUE, GREY),
            title="指标完成情况（占年度目标%）",
            height=max(HEIGHT, 120 + 44 * len(rows)),
            margin_left=label_room(labels),
            value_formatter=_percent,
            legend_at_bottom_columns=2,
        )
    )
    chart.x_labels = labels

    def share(value: Any, target: float) -> float | None:
        return None if value in (None, "") else round(float(value) / target * 100, 1)

    values = [share(row["value_number"], row["target_value"]) for row in rows]
    expected = [share(row.get("expected"), row["target_value"]) for row in rows]
    largest = max((v for v in values + expected if v is not None), default=100)
    top = 20 * math.ceil(max(largest, 100) / 20)
    chart.y_labels = list(range(0, top + 1, 20 if top <= 200 else 50))
    chart.range = (0, top)
    chart.add("本期值", values)
    chart.add("序时进度", expected)
    return data_uri(chart)


def _percent(value: float) -> str:
    return f"{value:g}%"


def all_charts(data: dict[str, Any]) -> dict[str, str | None]:
    return {
        "categories": category_progress(data) if data["categories"] else None,
        "lights": lights_by_unit(data) if data["units"] else None,
        "indicator": indicator_against_target(data),
    }
