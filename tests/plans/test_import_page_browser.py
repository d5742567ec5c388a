"""A supervisor imports a Word plan through the page, correcting it in the preview."""

from pathlib import Path

import docx
import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from plans.models import Plan, PlanUpload, Task
from tests.browser import log_in

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "Xingtai-Demo-2023"
PARAGRAPHS = [
    "邢台市计量能力提升行动方案",
    "邢政办字〔2024〕31号",
    "一、主要任务",
    "（一）完善计量基础设施。建设一批社会公用计量标准。（牵头单位：市质量监督局；"
    "配合单位：市财政局、各有关单位；完成时限：2024年底前）",
    "（二）推进计量数据应用。（牵头单位：市市场监管局；配合单位：市工业和信息化局；"
    "完成时限：长期坚持）",
]


def word_plan(folder: Path) -> Path:
    document = docx.Document()
    for text in PARAGRAPHS:
        document.add_paragraph(text)
    path = folder / "计量能力提升行动方案.docx"
    document.save(str(path))
    return path


@pytest.mark.parametrize("viewport", [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_a_supervisor_corrects_and_imports_a_word_plan(
    page: Page, live_server, demo, screenshot_dir: Path, tmp_path: Path, viewport
) -> None:
    width, height = viewport
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "supervisor", DEMO_PASSWORD)

    page.goto(live_server.url + reverse("plan_list"))
    page.get_by_test_id("plan-import").click()
    page.locator("input[type=file]").set_input_files(str(word_plan(tmp_path)))
    page.locator("form.import-upload button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("邢台市计量能力提升行动方案")
    upload = PlanUpload.objects.get()
    expect(page).to_have_url(live_server.url + reverse("plan_import_review", args=[upload.pk]))
    expect(page.locator("fieldset.name-choice")).to_have_attribute("data-name", "市质量监督局")
    first = page.locator("details.import-task[data-task='1']")
    expect(first).to_have_attribute("open", "")
    expect(first.locator(".unit.vague")).to_contain_text("各有关单位")
    expect(page.locator("details.import-task[data-task='2']")).not_to_have_attribute("open", "")
    page.screenshot(path=str(screenshot_dir / f"plan-import-review-{width}.png"), full_page=True)

    page.get_by_test_id("lead-1").fill("市市场监管局")
    page.get_by_test_id("co-1").fill("市财政局、市教育局")
    page.locator("button[name=check]").click()
    expect(page.get_by_test_id("import-state")).to_have_class("import-state ready")
    expect(page.get_by_test_id("lead-1")).to_have_value("市市场监管局")
    expect(page.get_by_test_id("co-1")).to_have_value("市财政局、市教育局")
    page.screenshot(path=str(screenshot_dir / f"plan-import-ready-{width}.png"), full_page=True)

    page.locator("button[name=import]").click()
    plan = Plan.objects.get(doc_number="邢政办字〔2024〕31号")
    expect(page).to_have_url(live_server.url + reverse("plan_detail", args=[plan.pk]))
    row = page.locator("tr[data-task='1']")
    expect(row).to_contain_text("完善计量基础设施")
    expect(row).to_contain_text("市市场监管局")
    expect(row.get_by_test_id("deadline")).to_contain_text("2024年底前")
    expect(page.locator("tr[data-task='2']").get_by_test_id("deadline")).to_have_text("长期坚持")
    page.screenshot(path=str(screenshot_dir / f"plan-import-done-{width}.png"), full_page=True)

    task = Task.objects.get(plan=plan, number=1)
    assert task.lead_unit.name == "市市场监管局"
    assert [link.unit.name for link in task.task_units.order_by("order")] == [
        "市市场监管局",
        "市财政局",
        "市教育局",
    ]
    assert task.unassigned == []
    assert not PlanUpload.objects.exists()
