"""The bulletin's charts as SVG, drawn by pygal from the gathered data.

One code path for the web page and the PDF: each chart is an SVG document embedded
as a data: URI image, which browsers show and WeasyPrint renders (it fetches data:
URLs only besides local files). Labels are Chinese, so the fonts are the CJK stack
of the documents layer.
"""

import base64
from typing import Any

import pygal
from pygal.style import Style

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


def _config(colors: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    # No JavaScript: the PDF has none and the pages load no remote scripts.
    return {
        "style": Style(colors=colors, **STYLE_FIELDS),
        "width": WIDTH,
        "height": HEIGHT,
        "js": [],
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 5,
        "print_values": False,
        "show_y_guides": True,
        "truncate_label": -1,
        "truncate_legend": -1,
        "margin": 12,
        **extra,
    }


def _data_uri(chart: Any) -> str:
    svg = chart.render()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _short(text: str, length: int = 8) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def category_progress(data: dict[str, Any]) -> str:
    """Tasks by category, stacked by progress against the schedule."""
    chart = pygal.StackedBar(
        **_config((GREEN, BLUE, "#6fa8dc", RED, GREY), title="分类推进情况（项）")
    )
    categories = data["categories"]
    chart.x_labels = [f"{row['number']}" for row in categories]
    for key, word in (
        ("done", "已完成"),
        ("ahead", "超进度"),
        ("on", "达进度"),
        ("behind", "欠进度"),
        ("", "未报送"),
    ):
        chart.add(word, [row["counts"].get(key, 0) for row in categories])
    return _data_uri(chart)


def lights_by_unit(data: dict[str, Any]) -> str:
    """Each unit's tasks in the round, stacked by the light of its report."""
    chart = pygal.HorizontalStackedBar(
        **_config(
            (GREEN, YELLOW, RED),
            title="各单位预警情况（项）",
            height=max(HEIGHT, 110 + 30 * len(data["units"])),
        )
    )
    units = list(reversed(data["units"]))
    chart.x_labels = [_short(row["unit"], 10) for row in units]
    for color, word in (("green", "绿灯"), ("yellow", "黄灯"), ("red", "红灯")):
        chart.add(word, [row["tasks"] if _light(row) == color else 0 for row in units])
    return _data_uri(chart)


def _light(row: dict[str, Any]) -> str:
    return "green" if row["light"] == "done" else row["light"]


def indicator_against_target(data: dict[str, Any]) -> str | None:
    """The reported indicators as a share of their targets, against the 100% line."""
    rows = [row for row in data["indicators"] if row["target_value"] and row["met"] is not None][
        :12
    ]
    if not rows:
        return None
    chart = pygal.Line(
        **_config((BLUE, RED), title="指标完成情况（占目标值%）", x_label_rotation=20)
    )
    chart.x_labels = [_short(f"{row['task']}.{row['indicator']}", 12) for row in rows]
    shares = [round(row["value_number"] / row["target_value"] * 100, 1) for row in rows]
    chart.add("完成值", shares, stroke=False, dots_size=7)
    chart.add(
        "目标值", [100] * len(rows), show_dots=False, stroke_style={"width": 3, "dasharray": "8,5"}
    )
    return _data_uri(chart)


def all_charts(data: dict[str, Any]) -> dict[str, str | None]:
    return {
        "categories": category_progress(data) if data["categories"] else None,
        "lights": lights_by_unit(data) if data["units"] else None,
        "indicator": indicator_against_target(data),
    }
