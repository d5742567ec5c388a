"""An indicator's values over the rounds against its target line and the
time-proportional line (序时进度): the pygal look of documents.charts, SVG, Chinese
labels."""

import pygal

from documents.charts import BLUE, GREY, RED, chart_config, data_uri, short_label
from indicators.selectors import IndicatorRow


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def indicator_chart(row: IndicatorRow) -> str | None:
    """Reported values (dots), the year's target (dashed) and the expectation by each
    period's end (grey), one point per round; None when the plan has no round yet."""
    points = row.points
    if not points:
        return None
    unit = row.indicator.unit_of_measure
    chart = pygal.Line(
        **chart_config(
            (BLUE, RED, GREY),
            title=short_label(row.indicator.name, 30) + (f"（{unit}）" if unit else ""),
            height=400,
            # Room for the last period's label, centred on the right edge.
            margin_right=70,
            legend_at_bottom_columns=3,
            x_label_rotation=20 if len(points) > 6 else 0,
            allow_interruptions=True,
            show_minor_x_labels=len(points) <= 16,
            x_labels_major_every=max(1, len(points) // 8),
        )
    )
    chart.x_labels = [point.period for point in points]
    chart.add("实际值", [_float(p.value) for p in points], dots_size=6, stroke=len(points) > 1)
    chart.add(
        "目标值",
        [_float(p.target) for p in points],
        show_dots=False,
        stroke_style={"width": 3, "dasharray": "8,5"},
    )
    chart.add(
        "序时进度",
        [_float(p.expected) for p in points],
        show_dots=False,
        stroke_style={"width": 2},
    )
    return data_uri(chart)
