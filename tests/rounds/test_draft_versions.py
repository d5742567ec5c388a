"""Drafts with versions (issue 20): a save from a page older than the stored
draft (another tab, a colleague on the same account) never overwrites newer
entries silently; one page saving again and again never meets a conflict."""

from html.parser import HTMLParser

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from rounds import services
from rounds.models import Entry, UnitReport
from tests.audit_coverage import audited
from tests.rounds.test_report_form import ReportFormTestCase


class _FormFields(HTMLParser):
    """The fields a browser would send from one form of a page, as it comes."""

    def __init__(self, form_selector: tuple[str, str]) -> None:
        super().__init__()
        self.attr, self.value = form_selector
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = (
                a.get(self.attr, "") == self.value or self.value in (a.get(self.attr) or "").split()
            )
        if not self.inside:
            return
        if tag == "input" and a.get("name") and a.get("type") != "file":
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            if a.get("type") == "submit":
                return
            self.fields.append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields.append((a["name"], ""))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.fields.append((self.select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self.textarea:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def form_fields(response, attr: str = "class", value: str = "report-form") -> dict:  # type: ignore[no-untyped-def]
    parser = _FormFields((attr, value))
    parser.feed(response.content.decode())
    fields: dict = {}
    for name, text in parser.fields:
        fields.setdefault(name, []).append(text)
    return {name: values if len(values) > 1 else values[0] for name, values in fields.items()}


class DraftVersionTestCase(ReportFormTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.rnd = self.open_round()
        self.tax_report = self.report(self.rnd, self.tax)
        self.url = self.fill_url(self.co_liaison, self.tax_report)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def page(self, url: str | None = None) -> dict:
        """A tab opened now: the fields its form would send."""
        response = self.client.get(url or self.url)
        self.assertEqual(response.status_code, 200)
        return form_fields(response)

    def typed(self, page: dict, task, progress: str, **more: str) -> dict:  # type: ignore[no-untyped-def]
        fields = dict(page)
        fields[f"e{task.pk}-progress"] = progress
        fields[f"e{task.pk}-schedule"] = more.pop("schedule", "on")
        for name, value in more.items():
            fields[f"e{task.pk}-{name}"] = value
        return fields

    def entry(self, report: UnitReport, task) -> Entry:  # type: ignore[no-untyped-def]
        return Entry.objects.get(report=report, task=task)


class ConflictPageTests(DraftVersionTestCase):
    def test_a_save_from_an_older_page_shows_both_texts_and_overwrites_nothing(self) -> None:
        phone, desk = self.page(), self.page()
        first = self.client.post(
            self.url, {**self.typed(phone, self.task5, "手机上写的进展"), "action": "save"}
        )
        self.assertEqual(first.status_code, 302)
        with audited(services.report_save, action="report.save", by=self.co_liaison):
            response = self.client.post(
                self.url, {**self.typed(desk, self.task5, "电脑上写的进展"), "action": "save"}
            )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'id="draft-conflict"', status_code=409)
        self.assertContains(response, "Choose which version to keep", status_code=409)
        self.assertContains(response, "手机上写的进展", status_code=409)
        self.assertContains(response, "电脑上写的进展", status_code=409)
        self.assertContains(response, f"Saved by {self.co_liaison}", status_code=409)
        self.assertEqual(self.entry(self.tax_report, self.task5).progress, "手机上写的进展")
        event = AuditEvent.objects.filter(action="report.save").latest("id")
        self.assertEqual(event.summary["conflicts"], [5])
        self.assertEqual(event.summary["tasks"], [])

    def test_sending_the_conflict_form_as_it_comes_keeps_this_pages_text(self) -> None:
        phone, desk = self.page(), self.page()
        self.client.post(
            self.url, {**self.typed(phone, self.task5, "手机上写的\n两行"), "action": "save"}
        )
        conflict = self.client.post(
            self.url, {**self.typed(desk, self.task5, "电脑上写的\n两行"), "action": "save"}
        )
        fields = form_fields(conflict, "id", "draft-conflict")
        self.assertEqual(fields[f"e{self.task5.pk}-choice"], "mine")
        with audited(services.report_save, action="report.save", by=self.co_liaison):
            done = self.client.post(self.url, fields)
        self.assertEqual(done.status_code, 302)
        self.assertEqual(self.entry(self.tax_report, self.task5).progress, "电脑上写的\n两行")
        event = AuditEvent.objects.filter(action="report.save").latest("id")
        self.assertEqual(event.summary["chosen"], {"5": "mine"})

    def test_choosing_the_stored_version_keeps_it(self) -> None:
        phone, desk = self.page(), self.page()
        self.client.post(
            self.url, {**self.typed(phone, self.task5, "同事的版本"), "action": "save"}
        )
        conflict = self.client.post(
            self.url, {**self.typed(desk, self.task5, "我的版本"), "action": "save"}
        )
        fields = form_fields(conflict, "id", "draft-conflict")
        fields[f"e{self.task5.pk}-choice"] = "stored"
        self.assertEqual(self.client.post(self.url, fields).status_code, 302)
        self.assertEqual(self.entry(self.tax_report, self.task5).progress, "同事的版本")

    def test_a_third_save_while_the_person_chooses_is_a_conflict_again(self) -> None:
        phone, desk, pad = self.page(), self.page(), self.page()
        self.client.post(self.url, {**self.typed(phone, self.task5, "一"), "action": "save"})
        conflict = self.client.post(
            self.url, {**self.typed(desk, self.task5, "二"), "action": "save"}
        )
        self.client.post(self.url, {**self.typed(pad, self.task5, "三"), "action": "save"})
        # pad was older too, so it got its own conflict page; keep its text.
        pad_choice = form_fields(
            self.client.post(self.url, {**self.typed(pad, self.task5, "三"), "action": "save"}),
            "id",
            "draft-conflict",
        )
        self.client.post(self.url, pad_choice)
        self.assertEqual(self.entry(self.tax_report, self.task5).progress, "三")
        again = self.client.post(self.url, form_fields(conflict, "id", "draft-conflict"))
        self.assertEqual(again.status_code, 409)
        self.assertContains(again, "三", status_code=409)
        self.assertEqual(self.entry(self.tax_report, self.task5).progress, "三")


class OnePageTests(DraftVersionTestCase):
    def test_one_page_saving_again_and_again_never_meets_a_conflict(self) -> None:
        page = self.page()
        for text in ("第一次", "第二次"):
            response = self.client.post(
                self.url, {**self.typed(page, self.task5, text), "action": "save"}
            )
            self.assertEqual(response.status_code, 302)
            page = self.page()  # the redirect draws the page again
        self.assertEqual(self.entry(self.tax_report, self.task5).progress, "第二次")
        # Saving by itself: the page takes the version and bases each save answers.
        for text in ("自动一", "自动二", "自动三"):
            response = self.client.post(
                self.url, self.typed(page, self.task5, text), headers={"X-Autosave": "1"}
            )
            self.assertEqual(response.status_code, 200, response.content)
            body = response.json()
            page["draft_version"] = str(body["version"])
            page.update(body["bases"])
        self.tax_report.refresh_from_db()
        self.assertEqual(self.tax_report.draft_version, int(page["draft_version"]))
        submit = self.client.post(
            self.url, {**self.typed(page, self.task5, "提交稿"), "action": "submit"}
        )
        self.assertEqual(submit.status_code, 302)
        self.tax_report.refresh_from_db()
        self.assertEqual(self.tax_report.state, UnitReport.Status.SIGNING)

    def test_an_older_page_that_left_an_entry_alone_keeps_the_newer_text(self) -> None:
        gongxin = self.report(self.rnd, self.gongxin)
        url = self.fill_url(self.lead_liaison, gongxin)
        desk, phone = self.page(url), self.page(url)
        self.client.post(url, {**self.typed(desk, self.task8, "牵头任务新进展"), "action": "save"})
        # The phone, drawn before, changes only task 5: task 8 stays as the desk saved it.
        response = self.client.post(
            url, {**self.typed(phone, self.task5, "配合任务进展"), "action": "save"}, follow=True
        )
        self.assertEqual(response.redirect_chain[0][1], 302)
        self.assertContains(response, "Tasks 8 were saved from another page")
        self.assertEqual(self.entry(gongxin, self.task8).progress, "牵头任务新进展")
        self.assertEqual(self.entry(gongxin, self.task5).progress, "配合任务进展")

    def test_the_fill_page_costs_the_same_queries_for_a_short_and_a_long_report(self) -> None:
        counts = []
        for unit, liaison in ((self.tax, self.co_liaison), (self.county, self.county_liaison)):
            url = self.fill_url(liaison, self.report(self.rnd, unit))
            with CaptureQueriesContext(connection) as queries:
                self.client.get(url)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])


class StalePageTests(DraftVersionTestCase):
    def test_an_autosave_from_an_older_page_says_who_saved_and_writes_nothing(self) -> None:
        phone, desk = self.page(), self.page()
        self.client.post(self.url, {**self.typed(phone, self.task5, "新版本"), "action": "save"})
        response = self.client.post(
            self.url, self.typed(desk, self.task5, "旧页面打的字"), headers={"X-Autosave": "1"}
        )
        self.assertEqual(response.status_code, 409)
        body = response.json()
        self.assertIn(f"{self.co_liaison} saved a newer version", body["outdated"])
        self.tax_report.refresh_from_db()
        self.assertEqual(body["version"], self.tax_report.draft_version)
        self.assertEqual(self.entry(self.tax_report, self.task5).progress, "新版本")
        # The page has the banner the script fills, and the button that compares.
        self.assertContains(self.client.get(self.url), 'data-testid="draft-outdated"')

    def test_submitting_from_an_older_page_sends_nothing_until_the_person_chooses(self) -> None:
        phone, desk = self.page(), self.page()
        self.client.post(
            self.url, {**self.typed(phone, self.task5, "同事刚写的"), "action": "save"}
        )
        response = self.client.post(
            self.url, {**self.typed(desk, self.task5, "我要提交的"), "action": "submit"}
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "The report is not submitted yet", status_code=409)
        self.tax_report.refresh_from_db()
        self.assertEqual(self.tax_report.state, UnitReport.Status.DRAFT)
        self.assertEqual(self.entry(self.tax_report, self.task5).progress, "同事刚写的")
        fields = form_fields(response, "id", "draft-conflict")
        self.assertEqual(fields["action"], "submit")
        fields[f"e{self.task5.pk}-choice"] = "stored"
        with audited(services.report_submit, action="report.submit", by=self.co_liaison):
            self.assertEqual(self.client.post(self.url, fields).status_code, 302)
        self.tax_report.refresh_from_db()
        self.assertEqual(self.tax_report.state, UnitReport.Status.SIGNING)
        entry = self.entry(self.tax_report, self.task5)
        self.assertEqual((entry.progress, entry.status), ("同事刚写的", Entry.Status.SUBMITTED))

    def test_a_submit_never_sends_what_another_page_saved_unseen(self) -> None:
        gongxin = self.report(self.rnd, self.gongxin)
        url = self.fill_url(self.lead_liaison, gongxin)
        desk, phone = self.page(url), self.page(url)
        self.client.post(
            url, {**self.typed(desk, self.task8, "电脑上写的牵头进展"), "action": "save"}
        )
        # The phone, drawn before that save, writes task 5 and submits: task 8 would go
        # to sign-off as the desk saved it, which the phone never showed.
        response = self.client.post(
            url, {**self.typed(phone, self.task5, "手机上写的配合进展"), "action": "submit"}
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'data-testid="conflict-unseen"', status_code=409)
        self.assertNotContains(response, 'data-testid="conflict-why"', status_code=409)
        self.assertContains(response, "电脑上写的牵头进展", status_code=409)
        gongxin.refresh_from_db()
        self.assertEqual(gongxin.state, UnitReport.Status.DRAFT)
        self.assertEqual(self.entry(gongxin, self.task5).progress, "")
        # As it comes, the form keeps the saved version and submits.
        fields = form_fields(response, "id", "draft-conflict")
        self.assertEqual(fields[f"e{self.task8.pk}-choice"], "stored")
        with audited(services.report_submit, action="report.submit", by=self.lead_liaison):
            self.assertEqual(self.client.post(url, fields).status_code, 302)
        gongxin.refresh_from_db()
        self.assertEqual(gongxin.state, UnitReport.Status.SIGNING)
        self.assertEqual(self.entry(gongxin, self.task8).progress, "电脑上写的牵头进展")
        self.assertEqual(self.entry(gongxin, self.task5).progress, "手机上写的配合进展")

    def test_a_refused_submit_after_keeping_the_saved_version_shows_that_version(self) -> None:
        gongxin = self.report(self.rnd, self.gongxin)
        url = self.fill_url(self.lead_liaison, gongxin)
        desk, phone = self.page(url), self.page(url)
        # The desk saves task 8 without its schedule: not ready to send.
        self.client.post(
            url, {**self.typed(desk, self.task8, "电脑上写了一半", schedule=""), "action": "save"}
        )
        response = self.client.post(
            url, {**self.typed(phone, self.task5, "手机上写的配合进展"), "action": "submit"}
        )
        self.assertEqual(response.status_code, 409)
        # Kept as saved, it still lacks its schedule: the form says so, and shows
        # the text that was kept, not the phone's empty field.
        response = self.client.post(url, form_fields(response, "id", "draft-conflict"))
        self.assertEqual(response.status_code, 200)
        fields = form_fields(response)
        self.assertEqual(fields[f"e{self.task8.pk}-progress"], "电脑上写了一半")
        self.assertEqual(fields[f"e{self.task5.pk}-progress"], "手机上写的配合进展")
        self.assertNotIn(f"e{self.task8.pk}-choice", fields)
        gongxin.refresh_from_db()
        self.assertEqual(gongxin.state, UnitReport.Status.DRAFT)
