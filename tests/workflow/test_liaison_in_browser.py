import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from departments.models import Unit, User
from departments.services import registry_sync
from plans.importer.service import plan_import
from plans.models import Task
from tests.base import XINGTAI_PLAN, make_person
from tests.browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def plan_with_liaison(transactional_db: None) -> tuple[int, User]:
    registry_sync(by=None)
    plan = plan_import(data=XINGTAI_PLAN.read_bytes(), source_name="xingtai.txt", by=None).plan
    liaison = make_person("b.gongxin", User.Role.LIAISON, Unit.objects.get(code="gongxin"))
    return plan.pk, liaison


def test_a_liaison_logs_in_and_sees_only_their_units_tasks(
    page: Page, live_server, plan_with_liaison, screenshot_dir
) -> None:
    plan_pk, liaison = plan_with_liaison
    log_in(page, live_server.url, liaison.username)
    expect(page.get_by_test_id("who")).to_contain_text("市工业和信息化局")

    page.get_by_role("link", name="邢台市质量强市建设行动方案(2023—2027年)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "邢台市质量强市建设行动方案(2023—2027年)"
    )
    expect(page.get_by_test_id("scope")).to_contain_text("市工业和信息化局")
    rows = page.locator("tr[data-task]")
    numbers = sorted(int(n) for n in rows.evaluate_all("rs => rs.map(r => r.dataset.task)"))
    assert numbers == [2, 4, 5, 6, 8, 10, 12, 14, 17, 18, 19]
    page.screenshot(path=str(screenshot_dir / "liaison-plan.png"), full_page=True)

    # Another unit's task is not there, even by its address.
    task_one = Task.objects.get(plan_id=plan_pk, number=1)
    other = live_server.url + reverse("task_detail", args=[task_one.pk])
    response = page.goto(other)
    assert response is not None and response.status == 404


def test_the_language_switch_turns_the_page_english(
    page: Page, live_server, plan_with_liaison
) -> None:
    _plan_pk, liaison = plan_with_liaison
    log_in(page, live_server.url, liaison.username)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plans")
