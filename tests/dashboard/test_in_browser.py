"""The dashboard looked at in a real browser: Debian's chromium through Playwright,
against a live server, on the hand-made rounds of tests/dashboard/base.py."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser import log_in
from tests.bulletins.base import at
from tests.dashboard.base import TODAY, DashboardTestCase

pytestmark = pytest.mark.browser


@pytest.fixture
def rounds(transactional_db: None) -> Iterator[Any]:
    """The test case's data, made in the live server's database, on TODAY."""
    data = type("BrowserRounds", (DashboardTestCase,), {})
    with time_machine.travel(at(TODAY, 10), tick=True):
        data.setUpTestData()
        yield data


def images_drawn(page: Page) -> list[int]:
    """The natural width of each chart image: 0 for one the browser could not draw."""
    return page.locator(".dash-chart img").evaluate_all("images => images.map(i => i.naturalWidth)")


def test_a_supervisor_reads_the_city_dashboard_and_follows_a_figure(
    page: Page, live_server: Any, rounds: Any, screenshot_dir: Path
) -> None:
    log_in(page, live_server.url, rounds.supervisor.username)
    page.goto(live_server.url + reverse("plan_dashboard", args=[rounds.plan.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text("工作看板")
    expect(page.get_by_test_id("task-total")).to_have_text("27")
    widths = images_drawn(page)
    assert len(widths) == 3 and all(width > 0 for width in widths), widths
    # Nothing runs off the side of the page.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow
    page.screenshot(path=str(screenshot_dir / "dashboard-city.png"), full_page=True)

    # The red count leads to the ledger's red rows of the round.
    page.get_by_test_id("lights").locator('tr[data-light="red"] a').click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("工作台账")
    assert "light=red" in page.url
    rows = page.locator("table.ledger tr[data-task]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-task", "5")


def test_a_liaison_sees_their_units_view_and_not_anothers(
    page: Page, live_server: Any, rounds: Any, screenshot_dir: Path
) -> None:
    log_in(page, live_server.url, rounds.lead_liaison.username)
    page.goto(live_server.url + reverse("plan_dashboard", args=[rounds.plan.pk]))
    expect(page.get_by_test_id("scope")).to_contain_text("市工业和信息化局")
    expect(page.get_by_test_id("own-light")).to_contain_text("绿灯")
    assert all(width > 0 for width in images_drawn(page))
    page.screenshot(path=str(screenshot_dir / "dashboard-unit.png"), full_page=True)
    other = reverse("unit_dashboard", args=[rounds.plan.pk, rounds.keji.pk])
    response = page.goto(live_server.url + other)
    assert response is not None and response.status == 404
