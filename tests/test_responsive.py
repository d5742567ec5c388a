"""Every page a person reaches from the top bar fits a phone (390×844) as well as a
desktop (1366×768): nothing widens the page past the screen, and on the phone the
top bar's links wait behind a menu button while the brand and the unread count stay.

Run on the demo (a plan with three past rounds and an open one), once per role; a
full-page screenshot of each page goes to var/screenshots/responsive/ for a person
to look at.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from demo.management.commands.load_demo import DEMO_PASSWORD
from tests.browser import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots" / "responsive"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}

# One person of each kind, as the demo names them.
PEOPLE = {
    "liaison": "gongxin.liaison",
    "county": "lincheng.liaison",
    "leader": "gongxin.leader",
    "supervisor": "supervisor",
    "leadership": "leadership",
}

NAV_LINKS = "header.topbar nav a[href]"
# How much wider than the window a page may be: none.
TOO_WIDE = "document.documentElement.scrollWidth - window.innerWidth"
# The page's controls a thumb must hit, shown and lower than 40 px: [what, height].
SMALL_CONTROLS = """() => [...document.querySelectorAll(
    'main :is(button, a.primary, a.button, select, textarea, '
    + 'input:not([type=checkbox]):not([type=radio]):not([type=hidden]))')]
  .filter(control => control.getClientRects().length > 0)
  .map(control => [control.outerHTML.slice(0, 60), control.getBoundingClientRect().height])
  .filter(([what, height]) => height < 40)"""


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def href(page: Page, selector: str) -> str | None:
    """The path of the first link the selector finds on the page, if any."""
    link = page.locator(selector).first
    if not link.count():
        return None
    return urlsplit(link.get_attribute("href") or "").path or None


def the_menu_opens(page: Page) -> None:
    """On the phone the top bar shows the brand, the unread count and the menu
    button; the links appear, each big enough for a thumb, when the menu opens."""
    expect(page.locator("header.topbar a.brand")).to_be_visible()
    if page.locator("header.topbar nav .badge").count():
        expect(page.get_by_test_id("unread-badge")).to_be_visible()
    button = page.get_by_test_id("menu-button")
    expect(button).to_be_visible()
    links = page.locator(NAV_LINKS)
    expect(links.first).to_be_hidden()
    button.click()
    for index in range(links.count()):
        link = links.nth(index)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None, link
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert box["height"] >= 40, (link.get_attribute("href"), box)
    expect(page.get_by_test_id("who")).to_be_visible()


def the_bar_is_open(page: Page) -> None:
    """On a desktop the links stand in the bar itself, with no menu to open."""
    expect(page.get_by_test_id("menu-button")).to_be_hidden()
    links = page.locator(NAV_LINKS)
    for index in range(links.count()):
        expect(links.nth(index)).to_be_visible()


def nav_links(page: Page) -> dict[str, str]:
    """The top bar's links (shown or behind the menu), by a short name."""
    names = {
        reverse("plan_list"): "plans",
        reverse("my_tasks"): "my-steps",
        reverse("supervision_board"): "board",
        reverse("notice_list"): "notices",
    }
    paths = page.locator(NAV_LINKS).evaluate_all(
        "links => links.map(a => new URL(a.href).pathname)"
    )
    return {names.get(path, slug(path)): path for path in paths}


def pages_to_visit(page: Page, base_url: str) -> dict[str, str]:
    """Home and the top bar's links, then what a person opens from home: the plan,
    one of its tasks, the links under the plan's title (rounds, ledger, meetings,
    bulletins, indicators, dashboard, assessment), the open round and a unit's report."""
    page.goto(base_url + reverse("home"))
    pages = {"home": reverse("home"), **nav_links(page)}
    plan = href(page, 'table.grid a[href*="/plans/"]')
    assert plan, "home lists no plan"
    pages["plan"] = plan
    page.goto(base_url + plan)
    pages["task"] = href(page, "table.tasks a") or ""
    for link in page.locator("p.meta a[href]").all():
        path = urlsplit(link.get_attribute("href") or "").path
        pages.setdefault(slug(path.removeprefix(plan)), path)
    assert "rounds" in pages, pages
    page.goto(base_url + pages["rounds"])
    pages["round"] = href(page, '[data-testid="rounds"] a') or ""
    if pages["round"]:
        page.goto(base_url + pages["round"])
        pages["report"] = href(page, '[data-testid="by-unit"] td:first-child a') or ""
    return {name: path for name, path in pages.items() if path}


def visit_all(
    browser: Browser, base_url: str, who: str, username: str, viewport: dict[str, int]
) -> list[str]:
    """Visit each page at this size: what is wrong with them, as sentences."""
    context = browser.new_context(locale="zh-CN", viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(15_000)
    size = f"{who} at {viewport['width']} px"
    phone = viewport["width"] < 700
    try:
        log_in(page, base_url, username, DEMO_PASSWORD)
        pages = pages_to_visit(page, base_url)
        expected = {"plans", "notices", "plan", "task", "rounds", "round", "ledger"}
        if who in ("supervisor", "leadership"):
            expected.add("board")
        assert expected <= set(pages), pages
        problems = []
        for name, path in pages.items():
            response = page.goto(base_url + path)
            assert response is not None and response.ok, (path, response and response.status)
            if page.evaluate(TOO_WIDE) > 0:
                width = page.evaluate("document.documentElement.scrollWidth")
                problems.append(f"{size}: {path} ({name}) is {width} px wide")
            if phone and (small := page.evaluate(SMALL_CONTROLS)):
                problems.append(f"{size}: {path} ({name}) has controls under 40 px: {small}")
            if name == "ledger" and phone:
                # The ledger keeps its width and scrolls sideways inside its own box.
                inner, outer = page.locator("table.ledger").evaluate(
                    "t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]"
                )
                if not inner >= 1400 > outer:
                    problems.append(f"{size}: the ledger's box is {outer} px, its table {inner}")
            page.screenshot(
                path=str(SCREENSHOTS / f"{who}-{viewport['width']}-{name}.png"),
                full_page=True,
                timeout=60_000,
            )
        page.goto(base_url + reverse("home"))
        try:
            if phone:
                the_menu_opens(page)
            else:
                the_bar_is_open(page)
        except AssertionError as error:
            # The first lines say what failed; Playwright's page snapshot follows.
            problems.append(f"{size}: the top bar: " + " ".join(str(error).splitlines()[:3]))
        return problems
    finally:
        context.close()


@pytest.mark.parametrize("who", PEOPLE)
def test_every_page_fits_a_phone_and_a_desktop(
    browser: Browser, live_server, demo: None, who: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for viewport in (PHONE, DESKTOP):
        problems += visit_all(browser, live_server.url, who, PEOPLE[who], viewport)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_login_page_fits_and_its_remember_box_is_thumb_sized(
    browser: Browser, live_server, settings, viewport: dict[str, int]
) -> None:
    # The box is offered until the end of the working day; here, all day long.
    settings.SESSION_REMEMBER_UNTIL = "23:59:59"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        page.goto(live_server.url + reverse("login"))
        assert page.evaluate(TOO_WIDE) <= 0
        # The checkbox is small; its whole line is what a thumb (or a mouse) hits.
        line = page.locator("label.remember")
        box = line.bounding_box()
        assert box is not None and box["height"] >= 40, box
        if viewport is PHONE:
            assert not page.evaluate(SMALL_CONTROLS)
        line.click(position={"x": box["width"] - 10, "y": box["height"] / 2})
        expect(page.locator("input[name=remember_device]")).to_be_checked()
        page.screenshot(path=str(SCREENSHOTS / f"login-{viewport['width']}.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_auditors_pages_fit(
    browser: Browser, live_server, demo: None, viewport: dict[str, int]
) -> None:
    """The audit trail (a role request's rows carry long summaries without spaces) and
    the role requests, as the security auditor reads them."""
    from departments.models import User
    from departments.services import person_save

    admin = User.objects.get(username="sysadmin")
    person = User(username="wide.summary", display_name="新督查", role=User.Role.SUPERVISOR)
    person_save(user=person, created=True, changed_fields=["role", "username"], by=admin)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        log_in(page, live_server.url, "auditor", DEMO_PASSWORD)
        problems = []
        for name, path in (("trail", reverse("audit_events")), ("roles", reverse("role_requests"))):
            response = page.goto(live_server.url + path)
            assert response is not None and response.ok, (path, response and response.status)
            if page.evaluate(TOO_WIDE) > 0:
                width = page.evaluate("document.documentElement.scrollWidth")
                problems.append(f"{path} is {width} px wide at {viewport['width']} px")
            page.screenshot(
                path=str(SCREENSHOTS / f"auditor-{viewport['width']}-{name}.png"), full_page=True
            )
        assert not problems, "\n".join(problems)
    finally:
        context.close()
