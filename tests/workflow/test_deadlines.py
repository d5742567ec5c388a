import datetime

from plans.models import Plan
from tests.base import PlanTestCase
from workflow.dispatch import task_dispatch
from workflow.selectors import default_deadlines
from workflow.services import WorkflowError


class DefaultDeadlineTests(PlanTestCase):
    def test_completion_defaults_to_the_last_year_the_tasks_targets_name(self) -> None:
        task = self.task(5)  # targets "到2025年"
        self.assertEqual(
            default_deadlines(task, datetime.date(2024, 3, 1)),
            (datetime.date(2024, 3, 8), datetime.date(2025, 12, 31)),
        )

    def test_a_target_year_already_past_falls_back_to_the_plans_last_year(self) -> None:
        task = self.task(18)  # "到2023年底…全覆盖"
        self.assertEqual(
            default_deadlines(task, datetime.date(2024, 1, 8))[1], datetime.date(2027, 12, 31)
        )

    def test_after_the_plans_last_year_completion_is_never_before_acknowledgement(self) -> None:
        ack, complete = default_deadlines(self.task(27), datetime.date(2028, 12, 28))
        self.assertLessEqual(ack, complete)

    def test_the_whole_plan_dispatches_late_with_the_defaults(self) -> None:
        processes = task_dispatch(
            tasks=list(self.plan.tasks.all()), by=None, today=datetime.date(2024, 1, 8)
        )
        self.assertEqual(len(processes), 27)

    def test_a_closed_plans_tasks_are_not_dispatched(self) -> None:
        Plan.objects.filter(pk=self.plan.pk).update(status=Plan.Status.CLOSED)
        with self.assertRaises(WorkflowError):
            task_dispatch(tasks=[self.task(1)], by=None, today=datetime.date(2024, 1, 8))
