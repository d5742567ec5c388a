"""Every chart the bulletin, the dashboard and the indicator pages draw keeps all it
draws (title, axis labels, bars, legend) inside its picture, whatever the data: many
units with long names, many categories, many rounds, indicators far past target.

A legend drawn below the viewBox is cut off in the PDF (pygal reserved no row for a
legend of fewer series than columns): documents.charts.fit_legend."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pygal
import pytest

from bulletins import charts as bulletin_charts
from dashboard import charts as dashboard_charts
from dashboard.figures import CategoryRow, RoundRef, TrendRow
from documents.charts import GREEN, RED, YELLOW, chart_config, data_uri
from indicators.charts import indicator_chart
from tests.documents.svg_bounds import drawn_boxes, outside, svg_of

LONG_UNIT = "人行邢台市中心支行营业管理部"
CATEGORY_TITLES = [
    "强化标准化建设引领作用",
    "强化质量动能提升引擎作用",
    "推动产品质量提升",
    "推动工程质量提升",
    "推动服务质量提升",
    "推动企业质量和品牌提升",
    "推动质量基础建设提升",
    "全面提升质量治理效能",
    "加强组织领导和统筹协调工作",
    "强化督导考核和宣传引导",
]
COUNTS = {"done": 3, "ahead": 2, "on": 5, "behind": 4, "": 13}


def categories(count: int) -> list[dict]:
    return [
        {"number": n, "title": CATEGORY_TITLES[(n - 1) % 10], "tasks": 27, "counts": COUNTS}
        for n in range(1, count + 1)
    ]


def units(count: int) -> list[dict]:
    lights = ["green", "yellow", "red", "done"]
    return [
        {
            "unit": LONG_UNIT if n % 5 == 0 else f"第{n}县（市、区）政府",
            "tasks": 27 if n > 18 else n,
            "light": lights[n % 4],
        }
        for n in range(1, count + 1)
    ]


def indicators(count: int) -> list[dict]:
    return [
        {
            "task": str(n),
            "indicator": "规模以上工业企业研发机构覆盖率提升情况",
            "target_value": 80.0,
            "value_number": 80.0 * n / 3,  # up to five times the target
            "expected": "60",
        }
        for n in range(1, count + 1)
    ]


def rounds(count: int) -> list[TrendRow]:
    day = datetime.date(2026, 4, 1)
    return [
        TrendRow(
            round=RoundRef(
                pk=n, period=f"{2023 + n // 12}年第{n % 12 + 1}月调度", opens_on=day, deadline=day
            ),
            tasks=45,
            schedule=dict(COUNTS),
            lights={"red": 5, "yellow": 10, "green": 20, "done": 10},
        )
        for n in range(count)
    ]


def indicator_row(points: int, period: str = "2026年第{n}期", scale: int = 13) -> SimpleNamespace:
    return SimpleNamespace(
        indicator=SimpleNamespace(
            name="每年新增工业企业研发机构数量（省级以上）及其覆盖率", unit_of_measure="家"
        ),
        points=[
            SimpleNamespace(
                period=period.format(n=n + 1),
                value=Decimal(n * scale),
                target=Decimal(80 if scale > 5 else 20),
                expected=Decimal(n * scale // 2),
            )
            for n in range(points)
        ],
    )


def every_chart() -> list[tuple[str, str | None]]:
    return [
        (
            "bulletin categories, 8",
            bulletin_charts.category_progress({"categories": categories(8)}),
        ),
        (
            "bulletin categories, 3",
            bulletin_charts.category_progress({"categories": categories(3)}),
        ),
        (
            "bulletin categories, 1",
            bulletin_charts.category_progress({"categories": categories(1)}),
        ),
        ("bulletin lights, 45 units", bulletin_charts.lights_by_unit({"units": units(45)})),
        ("bulletin lights, 1 unit", bulletin_charts.lights_by_unit({"units": units(1)})),
        (
            "bulletin indicators, 15",
            bulletin_charts.indicator_against_target({"indicators": indicators(15)}),
        ),
        (
            "bulletin indicators, 1",
            bulletin_charts.indicator_against_target({"indicators": indicators(1)}),
        ),
        (
            "dashboard categories, 10",
            dashboard_charts.categories_chart(
                [
                    CategoryRow(
                        pk=r["number"],
                        number=r["number"],
                        title=r["title"],
                        tasks=r["tasks"],
                        counts=r["counts"],
                    )
                    for r in categories(10)
                ]
            ),
        ),
        ("dashboard schedule trend, 12", dashboard_charts.schedule_trend(rounds(12))),
        ("dashboard schedule trend, 2", dashboard_charts.schedule_trend(rounds(2))),
        ("dashboard light trend, 12", dashboard_charts.light_trend(rounds(12))),
        ("dashboard light trend, 3", dashboard_charts.light_trend(rounds(3))),
        ("indicator, 20 rounds", indicator_chart(indicator_row(20))),
        ("indicator, 3 rounds", indicator_chart(indicator_row(3))),
        ("indicator, 1 round", indicator_chart(indicator_row(1))),
        (
            "indicator, 4 quarters, a narrow axis",
            indicator_chart(indicator_row(4, "2026年第{n}季度", scale=5)),
        ),
    ]


def test_every_chart_draws_inside_its_picture() -> None:
    dashboard_charts.clear_cache()
    drawn = every_chart()
    assert all(uri for _name, uri in drawn)
    problems = {name: outside(uri) for name, uri in drawn}
    assert {name: found for name, found in problems.items() if found} == {}


def test_every_chart_has_its_legend() -> None:
    for name, uri in every_chart():
        _view, boxes = drawn_boxes(svg_of(uri))
        legend = {"绿灯", "红灯", "已完成", "本期值", "实际值"} & {
            box.what.removeprefix("text ").strip("'") for box in boxes
        }
        assert legend, name


@pytest.mark.parametrize("series", [1, 2, 3, 4, 5, 6, 7, 11])
def test_a_legend_of_any_number_of_series_fits(series: int) -> None:
    chart = pygal.Bar(**chart_config((GREEN, YELLOW, RED), title="图例"))
    for n in range(series):
        chart.add(f"系列{n + 1}", [n + 1])
    assert outside(data_uri(chart)) == []


def test_the_check_finds_a_legend_below_the_picture() -> None:
    # Drawn by pygal alone (without fit_legend): three series, five columns.
    chart = pygal.HorizontalStackedBar(**chart_config((GREEN, YELLOW, RED), title="各单位预警情况"))
    chart.x_labels = ["市发展改革委"]
    for word in ("绿灯", "黄灯", "红灯"):
        chart.add(word, [1])
    found = outside(chart.render(is_unicode=True))
    assert any("绿灯" in line for line in found)
