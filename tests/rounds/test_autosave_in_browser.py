"""What the fill page sends, in Debian's chromium on a phone: an autosave and a
draft saved without a file go form-encoded (the server reads a whole report's
fields several times faster than the same fields as multipart parts); a draft with a file
goes multipart, and the file is kept."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Request, expect

from rounds.models import Entry, UnitReport
from rounds.opening import round_create
from tests.files.samples import PDF
from tests.rounds.test_round_in_browser import (  # noqa: F401 (a fixture)
    PHONE,
    Clicks,
    _open_report,
    _person,
    last_quarter,
)

pytestmark = pytest.mark.browser

FORM_ENCODED = "application/x-www-form-urlencoded"


def test_autosave_and_a_draft_without_files_go_form_encoded_and_a_file_multipart(
    browser,
    live_server,
    last_quarter,  # noqa: F811
) -> None:
    data = last_quarter
    today = timezone.localdate()
    rnd = round_create(
        plan=data["plan"],
        by=None,
        period="2026年第四季度",
        deadline=today + datetime.timedelta(days=10),
        today=today,
    )
    report = UnitReport.objects.get(round=rnd, unit=data["liaison"].unit)
    task8 = data["task8"]
    page = _person(browser, live_server.url, data["liaison"], PHONE)
    _open_report(page, Clicks(page), live_server.url, report)
    posts: list[Request] = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)

    entry8 = page.locator(f"details.entry[data-task='{task8.number}']")
    if entry8.get_attribute("open") is None:
        entry8.locator("summary").first.click()
    text = "四季度实施技改项目150项（自动保存）。"
    entry8.locator(f"[name=e{task8.pk}-progress]").fill(text)
    expect(page.locator("[data-autosave]")).to_contain_text("自动保存", timeout=15_000)
    autosave = posts[-1]
    assert autosave.headers.get("x-autosave") == "1"
    assert autosave.headers["content-type"].startswith(FORM_ENCODED)
    assert Entry.objects.get(report=report, task=task8).progress == text

    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    draft = posts[-1]
    assert "x-autosave" not in draft.headers
    assert draft.headers["content-type"].startswith(FORM_ENCODED)

    entry8 = page.locator(f"details.entry[data-task='{task8.number}']")
    if entry8.get_attribute("open") is None:
        entry8.locator("summary").first.click()
    entry8.locator(f"[name=e{task8.pk}-files]").set_input_files(
        {"name": "技改项目清单.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert posts[-1].headers["content-type"].startswith("multipart/form-data")
    entry = Entry.objects.get(report=report, task=task8)
    assert list(entry.files.values_list("original_name", flat=True)) == ["技改项目清单.pdf"]
    assert entry.progress == text
