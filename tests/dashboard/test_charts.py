"""The dashboard's charts: the bulletins' look, Chinese labels, drawn once per figures."""

import base64
import datetime
import re

from dashboard import charts
from dashboard.figures import CategoryRow, RoundRef, TrendRow

DAY = datetime.date(2026, 4, 1)


def svg(uri: str) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    return base64.b64decode(uri[len(prefix) :]).decode()


def trend(*rows: tuple[str, dict[str, int], dict[str, int] | None]) -> list[TrendRow]:
    return [
        TrendRow(
            round=RoundRef(pk=n, period=period, opens_on=DAY, deadline=DAY),
            tasks=sum(schedule.values()),
            schedule=schedule,
            lights=lights,
        )
        for n, (period, schedule, lights) in enumerate(rows, start=1)
    ]


def test_the_trend_charts_name_the_rounds_and_the_series_in_chinese() -> None:
    charts.clear_cache()
    rows = trend(
        ("2026年1月", {"done": 1, "on": 2, "behind": 1, "": 1}, {"red": 1, "green": 4}),
        ("2026年2月", {"done": 2, "on": 2, "behind": 0, "": 1}, None),
    )
    bars = svg(charts.schedule_trend(rows))
    for label in (
        "各期序时进度（近2期，项）",
        "2026年1月",
        "2026年2月",
        "已完成",
        "欠进度",
        "未报送",
    ):
        assert label in bars
    lines = svg(charts.light_trend(rows))
    for label in ("各期任务预警", "红灯", "黄灯", "绿灯"):
        assert label in lines
    assert "<script" not in bars + lines


def test_no_stored_light_draws_no_light_chart() -> None:
    rows = trend(("2026年1月", {"on": 1}, None))
    assert charts.light_trend(rows) is None
    assert charts.schedule_trend([]) is None
    assert charts.categories_chart([]) is None


def test_a_chart_is_drawn_once_for_the_same_figures_and_again_when_they_change() -> None:
    charts.clear_cache()
    row = CategoryRow(pk=1, number=2, title="强化质量动能", tasks=3, counts={"done": 1, "": 2})
    first = charts.categories_chart([row])
    assert charts.categories_chart([row]) is first
    assert "分类推进情况" in svg(first)
    row.counts = {"done": 2, "": 1}
    assert charts.categories_chart([row]) != first


def test_the_legend_stays_inside_the_picture_with_fewer_series_than_columns() -> None:
    charts.clear_cache()
    rows = trend(("2026年1月", {"on": 1}, {"red": 1, "green": 4}))
    for picture in (svg(charts.light_trend(rows)), svg(charts.schedule_trend(rows))):
        legend = re.search(r'transform="translate\([\d.]+, ([\d.]+)\)" class="legends"', picture)
        # The legend row (a 12-pixel box and its label) ends above the 360-pixel foot.
        assert float(legend[1]) + 18 <= 360, legend[0]
