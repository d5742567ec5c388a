"""The job's page in Chromium on a phone (390 px wide): the progress bar, moved by
static/js/progress.js as the job goes on, then the download link in its place."""

import tempfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import Browser, expect

from departments.models import Unit, User
from departments.services import registry_sync
from jobs.models import Job
from tests.base import make_person
from tests.browser import log_in

pytestmark = pytest.mark.browser


def test_the_progress_turns_into_the_download_on_a_phone(
    browser: Browser, live_server, transactional_db, settings, screenshot_dir
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="job-browser-")
    registry_sync(by=None)
    person = make_person("t.supervisor", User.Role.SUPERVISOR, Unit.objects.get(code="shichang"))
    job = Job.objects.create(
        kind="ledger.export",
        requested_by=person,
        state=Job.State.RUNNING,
        progress=40,
        stage="正在写入台账行",
    )
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server.url, "t.supervisor")
        page.goto(live_server.url + reverse("job_detail", args=[job.pk]))
        box = page.get_by_test_id("job-progress")
        expect(box).to_contain_text("正在写入台账行")
        bar = box.locator("progress")
        expect(bar).to_have_attribute("value", "40")
        width = bar.evaluate("el => el.getBoundingClientRect().width")
        assert 300 < width <= 390, width
        # Nothing wider than the phone: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(screenshot_dir / "job-progress-phone.png"), full_page=True)

        # The worker moves on: the script polls the JSON and moves the bar.
        Job.objects.filter(pk=job.pk).update(progress=75)
        expect(bar).to_have_js_property("value", 75)
        job.result.save("jobs/ledger.xlsx", ContentFile(b"PK\x03\x04 ledger"), save=False)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.DONE, progress=100, result=job.result.name, result_name="台账.xlsx"
        )
        link = page.get_by_test_id("job-download")
        expect(link).to_be_visible()
        expect(link).to_contain_text("台账.xlsx")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(screenshot_dir / "job-done-phone.png"), full_page=True)
    finally:
        context.close()
