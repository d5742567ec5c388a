"""Charts as official documents and pages draw them: pygal, SVG, Chinese labels.

One look for the bulletins, the dashboard and the indicator pages: each chart is an
SVG document embedded as a data: URI image, which browsers show and WeasyPrint
renders (it fetches data: URLs only besides local files). No JavaScript: the PDF has
none and the pages load no remote scripts. Labels are Chinese, so the fonts are the
CJK stack of the official documents.
"""

import base64
import functools
import math
import re
import unicodedata
from typing import Any

from pygal.graph.horizontal import HorizontalGraph
from pygal.graph.line import Line
from pygal.style import Style

FONT_STACK = '"黑体", "SimHei", "FandolHei", "WenQuanYi Zen Hei", "AR PL UMing CN", sans-serif'
GREEN, YELLOW, RED, GREY, BLUE = "#3a8d3a", "#e0a800", "#d62020", "#9a9a9a", "#2f5597"
LIGHT_BLUE = "#6fa8dc"
# Progress against the schedule: done, ahead, on, behind, not reported.
SCHEDULE_COLORS = (GREEN, BLUE, LIGHT_BLUE, RED, GREY)

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


@functools.cache
def _style(colors: tuple[str, ...]) -> Style:
    # One Style per palette and process: building one walks every field and colour.
    return Style(colors=colors, **STYLE_FIELDS)


def chart_config(colors: tuple[str, ...], **extra: Any) -> dict[str, Any]:
    """A pygal chart's options in the house look, the series in `colors`; `extra`
    adds or overrides options (title, height, axes)."""
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


def _option(chart: Any, name: str) -> Any:
    """A pygal option as the chart will render it: set on the chart, else its config."""
    return chart.__dict__.get(name, getattr(chart.config, name))


def fit_legend(chart: Any) -> None:
    """Reserve room at the foot of `chart` for the legend rows pygal draws there.

    pygal 3 reserves `series // columns` rows but draws `ceil(series / columns)`:
    with fewer series than columns it reserves less than nothing, and the legend
    is drawn below the picture's edge (cut off in the PDF). The columns become the
    series when fewer, and the bottom margin takes any row pygal left out.
    """
    if not (_option(chart, "show_legend") and _option(chart, "legend_at_bottom")):
        return
    series = len(chart.raw_series)
    if not series:
        return
    columns = _option(chart, "legend_at_bottom_columns") or math.ceil(math.sqrt(series))
    chart.legend_at_bottom_columns = columns = min(columns, series)
    missing_rows = math.ceil(series / columns) - series // columns
    if missing_rows:
        row = max(_option(chart, "legend_box_size"), _option(chart, "style").legend_font_size)
        bottom = _option(chart, "margin_bottom") or _option(chart, "margin")
        chart.margin_bottom = bottom + math.ceil(1.5 * row * missing_rows)


def text_px(text: str, font_size: float) -> float:
    """A label's width in pixels as the charts' CJK fonts set it: a full-width
    character one em, any other about 0.6 em (pygal counts 0.6 em for every one)."""
    return sum(
        font_size if unicodedata.east_asian_width(ch) in "WFA" else 0.6 * font_size for ch in text
    )


def fit_edges(chart: Any) -> None:
    """Widen the margins of `chart` for the labels that stand on its edges: tilted x
    labels, which pygal measures at 0.6 em a character where a Chinese one takes a
    full em, the last value label of a horizontal chart, centred on the edge
    ("500%"), and a line's first and last x labels, centred on the plot's edges."""
    size = _option(chart, "style").label_font_size
    rotation = _option(chart, "x_label_rotation") or 0
    need = 0.0
    if isinstance(chart, HorizontalGraph):
        formatter = _option(chart, "value_formatter") or str
        values = _option(chart, "y_labels") or []
        need = max((text_px(formatter(value), size) / 2 for value in values), default=0.0)
    elif rotation and rotation % 180 < 90:
        labels = [str(label) for label in _option(chart, "x_labels") or []]
        cos = math.cos(math.radians(rotation))
        need = max((text_px(label, size) * cos for label in labels), default=0.0)
    elif isinstance(chart, Line):
        # A line's first and last x labels are centred on the plot's edges: half
        # of each stands outside it ("2026年第一季度" under a narrow y axis).
        labels = [str(label) for label in _option(chart, "x_labels") or []]
        if labels:
            need = text_px(labels[-1], size) / 2
            left = _option(chart, "margin_left") or _option(chart, "margin")
            chart.margin_left = max(left, MARGIN + math.ceil(text_px(labels[0], size) / 2))
    if need:
        right = _option(chart, "margin_right") or _option(chart, "margin")
        chart.margin_right = max(right, MARGIN + math.ceil(need))


def data_uri(chart: Any) -> str:
    """The chart as an SVG data: URI, without the nodes nobody sees; its legend and
    labels always inside the picture (fit_legend, fit_edges)."""
    fit_legend(chart)
    fit_edges(chart)
    svg = _EMPTY_BAR.sub("", _UNDRAWN.sub("", chart.render(is_unicode=True)))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def short_label(text: str, length: int = 8) -> str:
    """`text` cut to `length` characters, the last an ellipsis."""
    return text if len(text) <= length else text[: length - 1] + "…"


def count_axis(largest: int) -> dict[str, Any]:
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


def count_bars(values: list[int]) -> list[int | None]:
    """Counts as a series of bars: a zero draws no bar, so None leaves its node out."""
    return [value or None for value in values]


def label_room(labels: list[str], font_size: int = STYLE_FIELDS["label_font_size"]) -> int:
    """The left margin that CJK labels need: pygal reserves 0.6 em a character, a
    Chinese character takes a full em."""
    longest = max((len(label) for label in labels), default=0)
    return MARGIN + math.ceil(0.45 * font_size * longest)
