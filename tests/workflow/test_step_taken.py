"""A task's step opened again after it moved on: the owner's second claim opens
the form, a colleague is told who did what and when, another unit still gets
404 and another role still 403."""

from django.conf import settings
from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from departments.refusals import permission_denied
from tests.audit_coverage import audited
from tests.workflow.test_visibility_and_control import WorkflowTestCase
from workflow.flows import TaskFlow

TIME = r"\d\d:\d\d"


class StepTakenTests(WorkflowTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.ack = self.step(TaskFlow.acknowledge)
        self.assign_url = TaskFlow.acknowledge.reverse(
            "assign", args=[self.process.pk, self.ack.pk]
        )
        self.execute_url = TaskFlow.acknowledge.reverse(
            "execute", args=[self.process.pk, self.ack.pk]
        )

    def acknowledge(self) -> None:
        self.claim(self.lead_liaison, TaskFlow.acknowledge)
        self.assertEqual(self.client.post(self.execute_url, {}).status_code, 302)
        self.ack.refresh_from_db()
        self.assertEqual(self.ack.status, STATUS.DONE)

    def test_the_owners_second_claim_opens_the_form(self) -> None:
        self.claim(self.lead_liaison, TaskFlow.acknowledge)
        # A double click on 领取, or the same account in another tab.
        response = self.client.post(self.assign_url, {"_continue": 1})
        self.assertRedirects(response, self.execute_url, fetch_redirect_response=False)
        self.assertRedirects(self.client.get(self.assign_url), self.execute_url)
        self.assertFalse(AuditEvent.objects.filter(action="access.denied").exists())
        page = self.client.get(self.execute_url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, '<form method="post"')
        self.ack.refresh_from_db()
        self.assertEqual((self.ack.status, self.ack.owner), (STATUS.ASSIGNED, self.lead_liaison))
        self.assertEqual(AuditEvent.objects.filter(action="step.claim").count(), 1)

    def test_a_colleague_opening_a_claimed_step_is_told_who_has_it_since_when(self) -> None:
        self.claim(self.lead_liaison, TaskFlow.acknowledge)
        self.client.force_login(self.gongxin_colleague)
        for url in (self.assign_url, self.execute_url):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, 'id="step-already-done"')
                self.assertRegex(
                    response.content.decode(),
                    rf"Claimed by t\.gongxin at {TIME}, who is handling it now\.",
                )
        # Claiming it anyway takes nothing.
        response = self.client.post(self.assign_url, {"_continue": 1})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'id="step-already-done"', status_code=409)
        self.ack.refresh_from_db()
        self.assertEqual(self.ack.owner, self.lead_liaison)
        self.assertFalse(AuditEvent.objects.filter(action="access.denied").exists())

    def test_a_colleague_after_the_acknowledgement_sees_who_and_what_waits_now(self) -> None:
        self.acknowledge()
        self.client.force_login(self.gongxin_colleague)
        response = self.client.get(self.execute_url)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertRegex(html, rf"Acknowledged by t\.gongxin at {TIME}\.")
        # What the task waits for now: the units' work-plan parts, one of them theirs.
        self.assertIn("Now waiting for:", html)
        self.assertIn("Write the work plan part · 市工业和信息化局 · not claimed yet", html)
        part = FlowTask.objects.get(
            process_id=self.process.pk, flow_task=TaskFlow.write_part, data__unit=self.gongxin.pk
        )
        self.assertContains(
            response, TaskFlow.write_part.reverse("index", args=[self.process.pk, part.pk])
        )
        self.assertContains(
            response,
            f'href="{reverse("task_detail", args=[self.ack.process.coerced.plan_task_id])}"',
        )
        # Sending the form again changes nothing and says the same.
        response = self.client.post(self.execute_url, {})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Acknowledged by t.gongxin", status_code=409)
        self.assertEqual(AuditEvent.objects.filter(action="task.acknowledge").count(), 1)

    def test_the_owner_sending_the_form_from_a_second_tab_is_told_it_is_done(self) -> None:
        self.acknowledge()
        response = self.client.post(self.execute_url, {})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, 'id="step-already-done"', status_code=409)

    def test_a_stale_inbox_button_on_a_finished_step_explains_instead_of_404(self) -> None:
        self.acknowledge()
        self.client.force_login(self.gongxin_colleague)
        response = self.client.post(reverse("my_tasks"), {"step": self.ack.pk}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="step-already-done"')
        self.assertFalse(AuditEvent.objects.filter(action="access.denied").exists())

    def test_another_unit_still_gets_404_on_a_finished_step(self) -> None:
        self.acknowledge()
        self.client.force_login(self.co_liaison)  # 市税务局: nothing to do with task 4
        for url in (self.assign_url, self.execute_url):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(reverse("my_tasks"), {"step": self.ack.pk})
        self.assertEqual(response.status_code, 404)

    def test_another_role_is_still_refused_and_the_refusal_recorded(self) -> None:
        # The unit's leader never takes a liaison's step, claimed or finished.
        self.claim(self.lead_liaison, TaskFlow.acknowledge)
        self.client.force_login(self.leader)
        with audited(
            permission_denied,
            action="access.denied",
            by=self.leader,
            outcome=AuditEvent.Outcome.DENIED,
            count=2,
        ):
            self.assertEqual(self.client.get(self.execute_url).status_code, 403)
            self.assertEqual(self.client.post(self.assign_url).status_code, 403)
        self.acknowledge()
        self.client.force_login(self.leader)
        response = self.client.get(self.execute_url)
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, "step-already-done", status_code=403)
