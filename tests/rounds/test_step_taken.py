"""A round report's step opened again after it moved on (the deadline rush of
issue 20): the owner's second claim opens the form, a colleague or the same
account in another tab is told who submitted and when and what the report
waits for, a reload after a save shows the draft; another unit still gets 404
and another role still 403."""

from django.conf import settings
from django.test import Client
from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from departments.models import User
from departments.refusals import permission_denied
from rounds.flows import ReportFlow
from rounds.models import Entry, UnitReport
from tests.audit_coverage import audited
from tests.base import make_person
from tests.rounds.test_report_form import ReportFormTestCase

FORM = '<form method="post" class="report-form" enctype="multipart/form-data" data-mode="fill"'


class ReportStepTakenTestCase(ReportFormTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.colleague = make_person("t.keji2", User.Role.LIAISON, self.keji)
        self.keji_report = self.report(self.open_round(), self.keji)

    def fill_task(self) -> FlowTask:
        return FlowTask.objects.get(process_id=self.keji_report.pk, flow_task=ReportFlow.fill)

    def url(self, name: str, task: FlowTask) -> str:
        return task.flow_task.reverse(name, args=[self.keji_report.pk, task.pk])

    def session(self, person: User) -> Client:
        """Another browser (tab, phone) logged in as `person`."""
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        client.force_login(person)
        return client

    def submit(self, text: str = "科技局一季度进展") -> None:
        response = self.fill(
            self.keji_liaison, self.keji_report, self.entry_fields(self.task5, text)
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])


class OwnersSecondClaimTests(ReportStepTakenTestCase):
    def test_a_double_click_on_claim_opens_the_form(self) -> None:
        task = self.claim(self.keji_liaison, self.keji_report, ReportFlow.fill)
        other_tab = self.session(self.keji_liaison)
        response = other_tab.post(self.url("assign", task), {"_continue": 1})
        self.assertRedirects(response, self.url("execute", task), fetch_redirect_response=False)
        page = other_tab.get(response["Location"])
        self.assertContains(page, FORM)
        task.refresh_from_db()
        self.assertEqual((task.status, task.owner), (STATUS.ASSIGNED, self.keji_liaison))
        self.assertFalse(AuditEvent.objects.filter(action="access.denied").exists())


class ColleagueAfterSubmissionTests(ReportStepTakenTestCase):
    def test_a_colleague_opening_the_fill_step_sees_who_submitted_when_and_what_is_next(
        self,
    ) -> None:
        task = self.fill_task()
        self.submit()
        colleague = self.session(self.colleague)
        for name in ("assign", "execute"):
            with self.subTest(url=name):
                response = colleague.get(self.url(name, task))
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, 'id="step-already-done"')
                self.assertContains(response, "Submitted by t.keji at 09:00.")
                self.assertContains(response, "Now waiting for:")
                self.assertContains(
                    response, "Sign off the round report · 市科技局 · not claimed yet"
                )
                self.assertContains(
                    response, f'href="{reverse("report_detail", args=[self.keji_report.pk])}"'
                )
                self.assertNotContains(response, FORM)

    def test_a_form_sent_after_the_submission_changes_nothing_and_says_so(self) -> None:
        task = self.fill_task()
        self.submit("先提交的文字")
        # The same account in another tab, and its autosave.
        other_tab = self.session(self.keji_liaison)
        fields = self.entry_fields(self.task5, "后到的文字")
        response = other_tab.post(self.url("execute", task), {"action": "submit", **fields})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Submitted by t.keji at 09:00.", status_code=409)
        response = other_tab.post(self.url("execute", task), fields, headers={"X-Autosave": "1"})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["error"], "Submitted by t.keji at 09:00.")
        entry = Entry.objects.get(report=self.keji_report, task=self.task5)
        self.assertEqual(entry.progress, "先提交的文字")
        self.keji_report.refresh_from_db()
        self.assertEqual(self.keji_report.state, UnitReport.Status.SIGNING)
        self.assertEqual(AuditEvent.objects.filter(action="report.submit").count(), 1)
        self.assertFalse(AuditEvent.objects.filter(action="access.denied").exists())

    def test_a_colleague_of_a_claimed_fill_step_is_told_who_is_filling_it(self) -> None:
        task = self.claim(self.keji_liaison, self.keji_report, ReportFlow.fill)
        colleague = self.session(self.colleague)
        response = colleague.post(self.url("assign", task), {"_continue": 1})
        self.assertEqual(response.status_code, 409)
        self.assertContains(
            response,
            "Claimed by t.keji at 09:00, who is filling it in now.",
            status_code=409,
        )
        response = colleague.get(self.url("execute", task))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="step-already-done"')
        task.refresh_from_db()
        self.assertEqual(task.owner, self.keji_liaison)

    def test_another_unit_still_gets_404(self) -> None:
        task = self.fill_task()
        self.submit()
        stranger = self.session(self.co_liaison)  # 市税务局
        for name in ("assign", "execute"):
            with self.subTest(url=name):
                self.assertEqual(stranger.get(self.url(name, task)).status_code, 404)
                self.assertEqual(stranger.post(self.url(name, task)).status_code, 404)

    def test_a_liaison_on_the_leaders_sign_step_is_still_refused_and_recorded(self) -> None:
        self.submit()
        sign = FlowTask.objects.get(process_id=self.keji_report.pk, flow_task=ReportFlow.sign)
        liaison = self.session(self.keji_liaison)
        with audited(
            permission_denied,
            action="access.denied",
            by=self.keji_liaison,
            outcome=AuditEvent.Outcome.DENIED,
            count=2,
        ):
            self.assertEqual(liaison.post(self.url("assign", sign)).status_code, 403)
            self.assertEqual(liaison.get(self.url("execute", sign)).status_code, 403)
        # Signed by the leader, it is still not the liaison's step to open.
        self.sign(self.keji_leader, self.keji_report, decision="sign")
        response = liaison.get(self.url("execute", sign))
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, "step-already-done", status_code=403)


class SaveThenReloadTests(ReportStepTakenTestCase):
    def test_a_reload_after_a_save_shows_the_form_with_the_draft(self) -> None:
        task = self.claim(self.keji_liaison, self.keji_report, ReportFlow.fill)
        url = self.url("execute", task)
        fields = self.entry_fields(self.task5, "保存的草稿")
        response = self.client.post(url, {"action": "save", **fields})
        self.assertRedirects(response, url, fetch_redirect_response=False)
        page = self.client.get(url)
        self.assertContains(page, "The draft is saved.")
        for _reload in range(2):
            self.assertContains(page, FORM)
            self.assertContains(page, "保存的草稿")
            page = self.client.get(url)
        self.assertNotContains(page, "The draft is saved.")

    def test_a_save_landing_after_another_tabs_submission_says_so_instead_of_403(
        self,
    ) -> None:
        # The deadline rush: one account in two tabs. Tab A saves; before its
        # page reloads, tab B submits; A's reload used to answer 无权访问 under
        # its own "draft saved" message.
        task = self.claim(self.keji_liaison, self.keji_report, ReportFlow.fill)
        url = self.url("execute", task)
        tab_a, tab_b = self.session(self.keji_liaison), self.session(self.keji_liaison)
        saved = tab_a.post(url, {"action": "save", **self.entry_fields(self.task5, "A的草稿")})
        self.assertEqual(saved.status_code, 302)
        submitted = tab_b.post(
            url, {"action": "submit", **self.entry_fields(self.task5, "B的终稿")}
        )
        self.assertEqual(submitted.status_code, 302)
        page = tab_a.get(saved["Location"])
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "The draft is saved.")
        self.assertContains(page, 'id="step-already-done"')
        self.assertContains(page, "Submitted by t.keji at 09:00.")
        self.assertNotContains(page, "Not allowed")
