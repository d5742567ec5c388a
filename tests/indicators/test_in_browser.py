"""An indicator page in Chromium, on the demo's history
(three past quarters worked through the services, and the current round)."""

import io
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from demo.management.commands.load_demo import DEMO_PASSWORD
from departments.models import User
from indicators.models import Indicator
from plans.models import Plan
from tests.browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(transactional_db: None, settings) -> Iterator[Plan]:  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", stdout=io.StringIO())
    yield Plan.objects.get()


def test_an_indicator_page_shows_values_against_target_and_time_proportional_line(
    page: Page, live_server, demo: Plan, screenshot_dir
) -> None:
    log_in(page, live_server.url, "leadership", DEMO_PASSWORD)
    page.goto(live_server.url + reverse("plan_detail", args=[demo.pk]))
    page.get_by_test_id("indicators").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("指标")
    section = page.get_by_test_id("section-indicators")
    expect(section).to_contain_text("制造业产品质量合格率")
    page.screenshot(path=str(screenshot_dir / "indicators.png"), full_page=True)

    standards_name = "新增主导或参与国际、国家、行业、团体标准和省(市)地方标准"
    section.get_by_role("link", name=standards_name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("新增主导或参与")
    chart = page.get_by_test_id("indicator-chart").locator("img")
    expect(chart).to_be_visible()
    # The SVG drew: it is laid out at its width, not as a broken image's icon.
    assert chart.evaluate("img => img.complete && img.getBoundingClientRect().width") > 600
    expect(page.get_by_test_id("expected-now")).not_to_have_text("—")
    values = page.get_by_test_id("values")
    expect(values.locator("tr[data-round]")).to_have_count(4)
    expect(values).to_contain_text("2026年第三季度")
    page.screenshot(path=str(screenshot_dir / "indicator.png"), full_page=True)

    # A liaison of a unit that owns none of the plan's headline numbers cannot open it.
    standards = Indicator.objects.get(plan=demo, task=None, name__startswith="新增主导")
    page.context.clear_cookies()
    log_in(page, live_server.url, "gongxin.liaison", DEMO_PASSWORD)
    response = page.goto(live_server.url + reverse("indicator_detail", args=[standards.pk]))
    assert response is not None and response.status == 404
    assert User.objects.get(username="gongxin.liaison").unit.code == "gongxin"


def test_indicator_figures_stay_on_one_line_and_the_pages_fit_a_phone(
    page: Page, live_server, demo: Plan, screenshot_dir
) -> None:
    log_in(page, live_server.url, "leadership", DEMO_PASSWORD)
    projects = Indicator.objects.get(plan=demo, name="实施技改项目")
    pages = {
        "list": reverse("plan_indicators", args=[demo.pk]),
        "detail": reverse("indicator_detail", args=[projects.pk]),
    }
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(live_server.url + pages["list"])
    target = page.locator(f'tr[data-indicator="{projects.pk}"] [data-testid="target"] .figure')
    expect(target).to_have_text(re.compile(r"^不低于 ?500项$"))
    # "不低于500项" is one line: one box, no taller than a line of text.
    assert target.evaluate("el => el.getClientRects().length") == 1
    figures = page.locator("table .figure")
    lines = figures.evaluate_all(
        "els => els.map(el => el.getClientRects().length).filter(n => n > 1).length"
    )
    assert lines == 0
    page.goto(live_server.url + pages["detail"])
    yearly = page.get_by_test_id("targets").locator(".figure").first
    assert yearly.evaluate("el => el.getClientRects().length") == 1
    page.set_viewport_size({"width": 390, "height": 844})
    for name, url in pages.items():
        page.goto(live_server.url + url)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, name
        page.screenshot(path=str(screenshot_dir / f"indicators-{name}-390.png"), full_page=True)
