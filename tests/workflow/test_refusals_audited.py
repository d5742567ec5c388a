"""Refusals by role (403) and claims of a step leave their row in the audit trail, as
refusals by unit (404) always did; so do the assessment's exports."""

from django.urls import reverse

from audit.models import AuditEvent
from departments.refusals import permission_denied
from tests.audit_coverage import audited
from tests.workflow.test_visibility_and_control import WorkflowTestCase
from workflow.flows import TaskFlow
from workflow.services import step_claim


class RefusalsAuditedTests(WorkflowTestCase):
    def test_a_leader_opening_a_liaisons_claimed_step_gets_403_and_it_is_recorded(
        self,
    ) -> None:
        # A colleague of the same role is told who has the step
        # (tests/workflow/test_step_taken.py); another role is refused.
        ack = self.claim(self.lead_liaison, TaskFlow.acknowledge)
        self.client.force_login(self.leader)
        url = TaskFlow.acknowledge.reverse("execute", args=[self.process.pk, ack.pk])
        with audited(
            permission_denied,
            action="access.denied",
            by=self.leader,
            outcome=AuditEvent.Outcome.DENIED,
            client_ip="10.1.2.3",
            count=1,
        ) as check:
            response = self.client.get(url, REMOTE_ADDR="10.1.2.3")
        self.assertEqual(response.status_code, 403)
        self.assertTemplateUsed(response, "403.html")
        (event,) = check.rows
        self.assertEqual(event.summary["path"], url)
        self.assertEqual(event.summary["status"], 403)

    def test_claiming_a_step_through_its_page_is_recorded(self) -> None:
        ack = self.step(TaskFlow.acknowledge)
        self.client.force_login(self.lead_liaison)
        url = TaskFlow.acknowledge.reverse("assign", args=[self.process.pk, ack.pk])
        with audited(step_claim, action="step.claim", by=self.lead_liaison, count=1) as check:
            self.assertEqual(self.client.post(url, {"_continue": 1}).status_code, 302)
        (event,) = check.rows
        self.assertEqual(event.summary, {"step": "acknowledge", "step_id": ack.pk})
        self.assertEqual(event.object_id, str(self.process.plan_task_id))

    def test_claiming_from_the_inbox_is_recorded(self) -> None:
        ack = self.step(TaskFlow.acknowledge)
        self.client.force_login(self.lead_liaison)
        with audited(step_claim, action="step.claim", by=self.lead_liaison, count=1):
            response = self.client.post(reverse("my_tasks"), {"step": ack.pk})
        self.assertEqual(response.status_code, 302)
        ack.refresh_from_db()
        self.assertEqual(ack.owner, self.lead_liaison)
