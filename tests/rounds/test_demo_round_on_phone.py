"""The demo's open round on a phone, as two liaisons meet it: a department that
leads four tasks and helps on seven, and a county government asked on 27."""

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from demo.management.commands.load_demo import DEMO_PASSWORD
from plans.models import Measure
from rounds.models import Round, UnitReport
from tests.browser import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
COLLAPSE = "document.querySelectorAll('form.report-form details').forEach(d => d.open = false)"


def _report_form(browser: Browser, base_url: str, username: str, report: UnitReport) -> Page:
    """Log in on a phone and open the unit's report from 我的待办 (one button)."""
    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    page.set_default_timeout(15_000)
    log_in(page, base_url, username, DEMO_PASSWORD)
    page.goto(base_url + reverse("my_tasks"))
    row = page.locator("[data-testid=inbox] tr", has_text=report.round.period).first
    row.get_by_role("button", name="办理").or_(row.get_by_role("link", name="办理")).click()
    expect(page.locator("form.report-form")).to_be_visible()
    return page


def test_the_demo_round_is_short_on_a_phone_and_says_what_each_unit_is_asked(
    browser: Browser, live_server, demo, screenshot_dir
) -> None:
    rnd = Round.objects.filter(status=Round.Status.OPEN).order_by("-opens_on").first()

    gongxin = UnitReport.objects.get(round=rnd, unit__code="gongxin")
    page = _report_form(browser, live_server.url, "gongxin.liaison", gongxin)
    assert page.locator("details.entry").count() == 11
    page.evaluate(COLLAPSE)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=str(screenshot_dir / "demo-gongxin-collapsed.png"), full_page=True)
    assert height < 6000, height
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The buttons stay in reach at the bottom of the screen wherever one is.
    bar = page.get_by_test_id("form-bar").bounding_box()
    assert bar is not None and bar["y"] + bar["height"] <= PHONE["height"] + 1

    county = UnitReport.objects.get(round=rnd, unit__code="lincheng")
    page = _report_form(browser, live_server.url, "lincheng.liaison", county)
    entries = page.locator("details.entry")
    assert entries.count() == county.entries.count() == 27
    # Each entry says what the county is asked to do: the clauses that name it
    # (or its group), else the task's clauses, for which the plan names it.
    for entry in county.entries.select_related("task"):
        named = Measure.objects.filter(
            task=entry.task, units__members=county.unit
        ) | Measure.objects.filter(task=entry.task, units=county.unit)
        expected = list(named.distinct()) or list(entry.task.measures.all())
        clauses = page.locator(f"#task-{entry.task.number} ol.clauses > li")
        assert clauses.count() == len(expected), entry.task.number
        assert clauses.first.text_content().strip() == expected[0].text.strip()
    page.evaluate(COLLAPSE)
    page.screenshot(path=str(screenshot_dir / "demo-county-collapsed.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollHeight") < 6000
