"""The bulletin's charts as SVG, drawn by pygal from the gathered data.

One code path for the web page and the PDF: each chart is an SVG document embedded
as a data: URI image, which browsers show and WeasyPrint renders (it fetches data:
URLs only besides local files). Labels are Chinese, so the fonts are the CJK stack
of the documents layer.
"""

import base64
import functools
import math
import re
from typing import Any

import pygal
from pygal.style import Style

from plans.models import cn_numeral

FONT_STACK = '"黑体", "SimHei", "WenQuanYi Zen Hei", "AR PL UMing CN", sans-serif'
GREEN, YELLOW, RED, GREY, BLUE = "#3a8d3a", "#e0a800", "#d62020", "#9a9a9a", "#2f5597"

STYLE_FIELDS: dict[str, Any] = dict(
    font_family=FONT_STACK,
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#000",
    foreground_subtle="#bbb",
    label_font_size=18,
    major_label_font_size=18,
    legend_font_size=18,
    title_font_size=22,
    value_font_size=12,
    tooltip_font_size=12,
    opacity="1",
    opacity_hover="1",
)
WIDTH, HEIGHT = 760, 360
MARGIN = 12
# Unit names longer than this end in an ellipsis on the lights chart.
UNIT_LABEL_LENGTH = 12
# At most this many indicators on the chart (the table above lists them all).
INDICATORS_CHARTED = 15
SCHEDULE_SERIES = (
    ("done", "已完成"),
    ("ahead", "超进度"),
    ("on", "达进度"),
    ("behind", "欠进度"),
    ("", "未报送"),
)


@functools.cache
def _style(colors: tuple[str, ...]) -> Style:
    # One Style per palette and process: building one walks every field and colour.
    return Style(colors=colors, **STYLE_FIELDS)


def _config(colors: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    # No JavaScript: the PDF has none and the pages load no remote scripts.
    return {
        "style": _style(colors),
        "width": WIDTH,
        "height": HEIGHT,
        "js": [],
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 5,
        "print_values": False,
        "show_y_guides": True,
        "truncate_label": -1,
        "truncate_legend": -1,
        "margin": MARGIN,
        "disable_xml_declaration": True,
        **extra,
    }


# What only the interactive tooltips read (a bar's value, position and label as
# <desc>, the <title> of each point), the empty script tag and pygal's comments:
# nothing that is drawn, but WeasyPrint parses and walks every node of an image,
# and they were four in five of the nodes of the lights chart.
_UNDRAWN = re.compile(
    r"<desc\b[^>]*>.*?</desc>|<title>.*?</title>|<script\b[^>]*>.*?</script>|"
    r"<script\b[^>]*/>|<!--.*?-->",
    re.S,
)


# A bar of zero (pygal draws stacked zeros as rects without a width or height).
_EMPTY_BAR = re.compile(
    r'<g class="bar"><rect (?:[^>]*\s(?:width|height)="0(?:\.0)?"|'
    r"(?![^>]*\swidth=)|(?![^>]*\sheight=))[^>]*/></g>"
)


def _data_uri(chart: Any) -> str:
    svg = _EMPTY_BAR.sub("", _UNDRAWN.sub("", chart.render(is_unicode=True)))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _short(text: str, length: int = 8) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _count_axis(largest: int) -> dict[str, Any]:
    """Options for an axis of counts: whole numbers only, at most about ten ticks."""
    largest = max(1, int(largest))
    step = max(1, math.ceil(largest / 10))
    top = step * math.ceil(largest / step)
    return {
        "y_labels": list(range(0, top + 1, step)),
        "range": (0, top),
        "value_formatter": _whole,
    }


def _whole(value: float) -> str:
    return f"{value:.0f}"


def _counts(values: list[int]) -> list[int | None]:
    # A zero draws no bar; None leaves the node out altogether.
    return [value or None for value in values]


def _label_room(labels: list[str], font_size: int) -> int:
    """Extra left margin so that CJK labels fit: pygal reserves 0.6 em a character, a
    Chinese character takes a full em."""
    longest = max((len(label) for label in labels), default=0)
    return MARGIN + math.ceil(0.45 * font_size * longest)


def category_progress(data: dict[str, Any]) -> str:
    """Tasks by category, stacked by progress against the schedule."""
    categories = data["categories"]
    chart = pygal.StackedBar(
        **_config(
            (GREEN, BLUE, "#6fa8dc", RED, GREY),
            title="分类推进情况（项）",
            **_count_axis(max((row["tasks"] for row in categories), default=1)),
        )
    )
    # Many categories: their numbers only, as the table just above names them
    # (tilted names would run into the legend); a few: their short names.
    many = len(categories) > 4
    chart.x_labels = [
        f"（{cn_numeral(row['number'])}）"
        if many
        else _short(f"（{cn_numeral(row['number'])}）{row['title']}", 9)
        for row in categories
    ]
    for key, word in SCHEDULE_SERIES:
        chart.add(word, _counts([row["counts"].get(key, 0) for row in categories]))
    return _data_uri(chart)


def lights_by_unit(data: dict[str, Any]) -> str:
    """Each unit's tasks in the round, stacked by the light of its report: horizontal
    bars, the unit names on the left with the room they need (the longest cut with
    an ellipsis)."""
    units = list(reversed(data["units"]))
    labels = [_short(row["unit"], UNIT_LABEL_LENGTH) for row in units]
    chart = pygal.HorizontalStackedBar(
        **_config(
            (GREEN, YELLOW, RED),
            title="各单位预警情况（项）",
            height=max(HEIGHT, 110 + 30 * len(units)),
            margin_left=_label_room(labels, STYLE_FIELDS["label_font_size"]),
            **_count_axis(max((row["tasks"] for row in units), default=1)),
        )
    )
    chart.x_labels = labels
    for color, word in (("green", "绿灯"), ("yellow", "黄灯"), ("red", "红灯")):
        chart.add(word, _counts([row["tasks"] if _light(row) == color else 0 for row in units]))
    return _data_uri(chart)


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
        _short(f"{row['task']}.{row['indicator']}" if row["task"] else row["indicator"], 14)
        for row in rows
    ]
    chart = pygal.HorizontalBar(
        **_config(
            (BLUE, GREY),
            title="指标完成情况（占年度目标%）",
            height=max(HEIGHT, 120 + 44 * len(rows)),
            margin_left=_label_room(labels, STYLE_FIELDS["label_font_size"]),
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
    return _data_uri(chart)


def _percent(value: float) -> str:
    return f"{value:g}%"


def all_charts(data: dict[str, Any]) -> dict[str, str | None]:
    return {
        "categories": category_progress(data) if data["categories"] else None,
        "lights": lights_by_unit(data) if data["units"] else None,
        "indicator": indicator_against_target(data),
    }
