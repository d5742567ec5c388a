"""A task's 各有关单位, settled by a supervisor on the task page before dispatch."""

from django.urls import reverse

from audit.models import AuditEvent
from departments.models import Unit, User
from departments.services import registry_sync
from plans.importer.service import plan_import
from plans.models import Plan, Task
from plans.services import task_unassigned_settle
from tests.audit_coverage import audited
from tests.base import PlanTestCase, make_person

PLAN = (
    "某市测试方案\n某政发〔2024〕1号\n一、重点任务\n"
    "1.开展测试。开展测试工作。（牵头单位：市科技局；配合单位：市财政局、各有关单位）\n"
)


class SettleUnassignedTests(PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        registry_sync(by=None)
        cls.other = plan_import(data=PLAN.encode(), source_name="p.txt", by=None).plan
        cls.keji_liaison = make_person(
            "t.keji", User.Role.LIAISON, Unit.objects.get(name="市科技局")
        )

    def setUp(self) -> None:
        self.vague_task = Task.objects.get(plan=self.other)
        self.url = reverse("task_unassigned_settle", args=[self.vague_task.pk])

    def login(self, user: User) -> None:
        self.client.force_login(user)

    def units(self) -> list[str]:
        return list(self.vague_task.task_units.values_list("unit__name", flat=True))

    def test_the_task_page_offers_the_supervisor_to_assign_it(self) -> None:
        self.login(self.supervisor)
        response = self.client.get(reverse("task_detail", args=[self.vague_task.pk]))
        self.assertContains(response, 'name="phrase" value="各有关单位"')
        self.assertContains(response, '<option value="市教育局">')

    def test_a_supervisor_gives_it_to_a_unit_which_becomes_a_co_unit(self) -> None:
        self.login(self.supervisor)
        with audited(task_unassigned_settle, action="task.unassigned_settle", count=1):
            response = self.client.post(self.url, {"phrase": "各有关单位", "unit": "市教育局"})
        self.assertRedirects(response, reverse("task_detail", args=[self.vague_task.pk]))
        self.vague_task.refresh_from_db()
        self.assertEqual(self.vague_task.unassigned, [])
        self.assertEqual(self.units(), ["市科技局", "市财政局", "市教育局"])
        event = AuditEvent.objects.get(action="task.unassigned_settle")
        self.assertEqual(event.summary["unit"], "市教育局")

    def test_an_alias_finds_its_unit(self) -> None:
        self.login(self.supervisor)
        self.client.post(self.url, {"phrase": "各有关单位", "unit": "市工信局"})
        self.assertIn("市工业和信息化局", self.units())

    def test_dropping_it_leaves_the_units_as_they_are(self) -> None:
        self.login(self.supervisor)
        self.client.post(self.url, {"phrase": "各有关单位", "drop": "1"})
        self.vague_task.refresh_from_db()
        self.assertEqual(self.vague_task.unassigned, [])
        self.assertEqual(self.units(), ["市科技局", "市财政局"])

    def test_an_unknown_name_changes_nothing_and_says_so(self) -> None:
        self.login(self.supervisor)
        response = self.client.post(
            self.url, {"phrase": "各有关单位", "unit": "市火星局"}, follow=True
        )
        self.assertContains(response, "市火星局")
        self.vague_task.refresh_from_db()
        self.assertEqual(self.vague_task.unassigned, ["各有关单位"])
        self.assertFalse(AuditEvent.objects.filter(action="task.unassigned_settle").exists())

    def test_once_the_plan_is_dispatched_it_is_refused(self) -> None:
        Plan.objects.filter(pk=self.other.pk).update(status=Plan.Status.ACTIVE)
        self.login(self.supervisor)
        response = self.client.post(
            self.url, {"phrase": "各有关单位", "unit": "市教育局"}, follow=True
        )
        self.assertContains(response, "方案任务已交办，责任单位不再在此调整。")
        self.vague_task.refresh_from_db()
        self.assertEqual(self.vague_task.unassigned, ["各有关单位"])
        self.assertNotContains(response, 'name="phrase"')

    def test_a_liaison_of_the_task_gets_404_and_nothing_changes(self) -> None:
        self.login(self.keji_liaison)
        response = self.client.post(self.url, {"phrase": "各有关单位", "unit": "市教育局"})
        self.assertEqual(response.status_code, 404)
        self.vague_task.refresh_from_db()
        self.assertEqual(self.vague_task.unassigned, ["各有关单位"])

    def test_a_liaison_elsewhere_gets_404(self) -> None:
        self.login(self.unrelated_liaison)
        response = self.client.post(self.url, {"phrase": "各有关单位", "unit": "市教育局"})
        self.assertEqual(response.status_code, 404)
