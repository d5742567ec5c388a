"""A whole round as its people live it, in Debian's chromium: the liaison on a
phone, the unit leader on a phone, the working group at a desk.

Round opened → the liaison is told → fills only what changed and keeps the
rest from last round → the leader returns it with a reason → the liaison sees
the reason in the inbox and on the form, fixes it and sends it again → the
leader signs → the working group returns one task → the liaison is told and
edits that task only → approved.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from demo.demo import _run
from departments.models import Unit, User
from departments.services import registry_sync
from notices.models import Notice
from plans.importer.service import plan_import
from rounds.flows import ReportFlow
from rounds.models import Entry, UnitReport
from rounds.opening import round_create
from rounds.services import EntryInput, report_review, report_sign, report_submit
from tests.base import XINGTAI_PLAN, make_person
from tests.browser import log_in
from workflow.dispatch import task_dispatch

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}
OLD_CO_UNIT_TEXT = "上季度发改委配合文字"


class Clicks:
    """Counts what a person clicks, ticks and chooses (typing is not a click)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def click(self, locator) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        locator.click()

    def check(self, locator) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        locator.check()

    def select(self, locator, value: str) -> None:  # type: ignore[no-untyped-def]
        self.count += 1
        locator.select_option(value)


@pytest.fixture
def last_quarter(transactional_db: None) -> dict:
    """Tasks 5 and 8 under way and last quarter's round approved: 市工业和信息化局
    leads task 8 and helps on task 5; 市发展改革委 helps on task 8."""
    registry_sync(by=None)
    plan = plan_import(data=XINGTAI_PLAN.read_bytes(), source_name="xingtai.txt", by=None).plan
    unit = Unit.objects.get
    gongxin, fagai, bureau = unit(code="gongxin"), unit(code="fagai"), unit(code="shichang")
    people = {
        "liaison": make_person("b.gongxin", User.Role.LIAISON, gongxin),
        "leader": make_person("b.gongxin.leader", User.Role.LEADER, gongxin),
        "fagai": make_person("b.fagai", User.Role.LIAISON, fagai),
        "fagai_leader": make_person("b.fagai.leader", User.Role.LEADER, fagai),
        "supervisor": make_person("b.supervisor", User.Role.SUPERVISOR, bureau),
    }
    task5, task8 = plan.tasks.get(number=5), plan.tasks.get(number=8)
    today = timezone.localdate()
    task_dispatch(tasks=[task5, task8], by=None, today=today)
    earlier = round_create(
        plan=plan,
        by=None,
        period="2026年第三季度",
        deadline=today + datetime.timedelta(days=3),
        today=today,
    )
    texts = {
        (gongxin.pk, task5.pk): "三季度配合科技局开展研发费用加计扣除宣传。",
        (gongxin.pk, task8.pk): "三季度实施技改项目120项。",
        (fagai.pk, task8.pk): OLD_CO_UNIT_TEXT,
    }
    for report in UnitReport.objects.filter(round=earlier, unit__in=[gongxin, fagai]):
        liaison = people["liaison"] if report.unit_id == gongxin.pk else people["fagai"]
        leader = people["leader"] if report.unit_id == gongxin.pk else people["fagai_leader"]
        data = {
            e.task_id: EntryInput(progress=texts[(report.unit_id, e.task_id)], schedule="on")
            for e in report.entries.all()
        }
        _run(
            report.pk,
            ReportFlow.fill,
            liaison,
            lambda a, d=data, p=liaison: report_submit(activation=a, by=p, data=d),
        )
        _run(
            report.pk,
            ReportFlow.sign,
            leader,
            lambda a, p=leader: report_sign(activation=a, by=p, approve=True),
        )
        decisions = {e.task_id: (True, "") for e in report.entries.all()}
        _run(
            report.pk,
            ReportFlow.review,
            people["supervisor"],
            lambda a, d=decisions: report_review(
                activation=a, by=people["supervisor"], decisions=d
            ),
        )
    # Last quarter's notices were read long ago.
    Notice.objects.update(read_at=timezone.now())
    return {"plan": plan, "task5": task5, "task8": task8, **people}


def _person(browser: Browser, base_url: str, user: User, viewport: dict) -> Page:
    page = browser.new_context(locale="zh-CN", viewport=viewport).new_page()
    page.set_default_timeout(15_000)
    log_in(page, base_url, user.username)
    return page


def _open_report(page: Page, clicks: Clicks, base_url: str, report: UnitReport) -> None:
    """From the report's page, take its step (one button)."""
    page.goto(base_url + reverse("report_detail", args=[report.pk]))
    clicks.click(page.locator("tr[data-step] button, tr[data-step] a.primary").first)
    expect(page.locator("form.report-form")).to_be_visible()


def test_a_round_from_opening_to_approval_as_people_click_it(
    browser: Browser, live_server, last_quarter, screenshot_dir
) -> None:
    data = last_quarter
    plan, task5, task8 = data["plan"], data["task5"], data["task8"]
    base = live_server.url

    # The working group opens this quarter's round at a desk.
    desk = _person(browser, base, data["supervisor"], DESK)
    desk.goto(base + reverse("plan_rounds", args=[plan.pk]))
    deadline = timezone.localdate() + datetime.timedelta(days=10)
    desk.locator("input[name=one-period]").fill("2026年第四季度")
    desk.locator("input[name=one-deadline]").fill(deadline.isoformat())
    desk.locator("form:has(input[name=one-period]) button[type=submit]").click()
    expect(desk.get_by_text("2026年第四季度").first).to_be_visible()
    report = UnitReport.objects.get(round__period="2026年第四季度", unit__code="gongxin")

    # The liaison, on a phone, is told and goes straight to the report.
    phone = _person(browser, base, data["liaison"], PHONE)
    clicks = Clicks(phone)
    badge = phone.locator("[data-testid=notices] .badge")
    expect(badge).to_have_text("1")
    phone.goto(base + reverse("notice_list"))
    notice = phone.get_by_role("link", name=re.compile("2026年第四季度"))
    expect(notice).to_contain_text(deadline.isoformat())
    clicks.click(notice)
    clicks.click(phone.locator("tr[data-step] button, tr[data-step] a.primary").first)
    form = phone.locator("form.report-form")
    expect(form).to_be_visible()
    # Nothing of last quarter is offered as this quarter's: no co-unit's old text,
    # no field pre-filled; last quarter's own report is there to look at.
    assert OLD_CO_UNIT_TEXT not in phone.content()
    for name in ("progress", "problems", "next_steps"):
        for task in (task5, task8):
            assert phone.locator(f"[name=e{task.pk}-{name}]").input_value() == ""
    expect(phone.get_by_test_id("counter")).to_contain_text("0/2")
    phone.screenshot(path=str(screenshot_dir / "round-phone-form.png"), full_page=True)

    # Task 5 did not change: keep last quarter's. The form opened on it.
    entry5 = phone.locator(f"#task-{task5.number}")
    expect(entry5).to_have_attribute("open", "")
    clicks.check(entry5.locator("[data-keep]"))
    expect(phone.get_by_test_id("counter")).to_contain_text("1/2")
    # Task 8: this quarter's progress and figures.
    entry8 = phone.locator(f"#task-{task8.number}")
    clicks.click(entry8.locator(":scope > summary"))
    expect(entry5).not_to_have_attribute("open", "")
    entry8.locator(f"[name=e{task8.pk}-progress]").fill("四季度实施技改项目150项。")
    clicks.select(entry8.locator(f"[name=e{task8.pk}-schedule]"), "on")
    for target in task8.targets.all():
        entry8.locator(f"[name=e{task8.pk}-v{target.pk}]").fill(
            "150" if "技改" in target.indicator else "6"
        )
    expect(phone.get_by_test_id("counter")).to_contain_text("2/2")
    clicks.click(phone.get_by_test_id("submit"))
    expect(phone.locator("ul.messages")).to_contain_text("签发")
    # From the notice to a sent report: the notice, the step, one tick, one
    # opened entry, one choice, the send button.
    assert clicks.count <= 6, clicks.count
    report.refresh_from_db()
    assert report.state == UnitReport.Status.SIGNING
    kept = Entry.objects.get(report=report, task=task5)
    assert kept.kept_previous and kept.progress.startswith("三季度配合")

    # The unit leader, on a phone, sends it back with a reason.
    leader = _person(browser, base, data["leader"], PHONE)
    _open_report(leader, Clicks(leader), base, report)
    leader.get_by_label("退回联络员修改").check()
    leader.locator("textarea[name=reason]").fill("技改项目数请与统计局核对")
    leader.locator("form.report-form button.primary").click()
    expect(leader.locator("h1")).to_be_visible()

    # The liaison sees the reason in the inbox and at the top of the form.
    phone.goto(base + reverse("my_tasks"))
    row = phone.locator("[data-testid=inbox] >> text=技改项目数请与统计局核对")
    expect(row.first).to_be_visible()
    phone.screenshot(path=str(screenshot_dir / "round-phone-inbox-returned.png"), full_page=True)
    _open_report(phone, clicks, base, report)
    expect(phone.get_by_test_id("leader-return")).to_contain_text("技改项目数请与统计局核对")
    clicks.click(entry8.locator(":scope > summary"))
    entry8.locator(f"[name=e{task8.pk}-progress]").fill(
        "四季度实施技改项目148项（已与统计局核对）。"
    )
    clicks.click(phone.get_by_test_id("submit"))
    expect(phone.locator("ul.messages")).to_contain_text("签发")

    # Signed off; the working group approves task 5 and returns task 8.
    _open_report(leader, Clicks(leader), base, report)
    leader.locator("form.report-form button.primary").click()
    _open_report(desk, Clicks(desk), base, report)
    desk.locator(f"[name=e{task5.pk}-decision][value=approve]").check()
    desk.locator(f"[name=e{task8.pk}-decision][value=return]").check()
    desk.locator(f"[name=e{task8.pk}-reason]").fill("请附技改项目清单")
    desk.locator("form.report-form button.primary").click()
    report.refresh_from_db()
    assert report.state == UnitReport.Status.RETURNED

    # The liaison is told; only task 8 opens for changes, with the reason on it.
    phone.goto(base + reverse("notice_list"))
    expect(phone.get_by_role("link", name=re.compile("工作专班退回1项"))).to_be_visible()
    _open_report(phone, clicks, base, report)
    expect(phone.get_by_test_id("review-return")).to_contain_text("请附技改项目清单")
    assert phone.locator("details.entry[data-editable]").count() == 1
    expect(entry8).to_have_attribute("open", "")
    expect(entry8.locator("p.returned")).to_contain_text("请附技改项目清单")
    entry8.locator(f"[name=e{task8.pk}-next_steps]").fill("已补充技改项目清单。")
    phone.screenshot(path=str(screenshot_dir / "round-phone-returned-entry.png"), full_page=True)
    clicks.click(phone.get_by_test_id("submit"))
    _open_report(leader, Clicks(leader), base, report)
    leader.locator("form.report-form button.primary").click()
    _open_report(desk, Clicks(desk), base, report)
    desk.locator(f"[name=e{task8.pk}-decision][value=approve]").check()
    desk.locator("form.report-form button.primary").click()
    report.refresh_from_db()
    assert report.state == UnitReport.Status.APPROVED
    assert set(report.entries.values_list("status", flat=True)) == {Entry.Status.APPROVED}
