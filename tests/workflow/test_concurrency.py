"""Two people acting on one task at the same moment: TaskFlow's row lock
(lock.select_for_update_lock) must let one of them through and refuse the
other cleanly, and a Join reached by two branches at once must fire once.

PostgreSQL only: SQLite takes no row locks and serialises writers, so the
races cannot happen there. Each thread has its own database connection (Django
keeps one per thread) and closes it when done.
"""

import datetime
import threading
import time
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import Client, TransactionTestCase
from django.urls import reverse
from viewflow.workflow import lock as viewflow_lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from departments.models import Unit, User
from departments.services import registry_sync
from plans.importer.service import plan_import
from plans.models import Plan, Task
from tests.base import XINGTAI_PLAN, make_person
from workflow import dispatch, services
from workflow.flows import TaskFlow
from workflow.models import TaskEvent, TaskProcess

TODAY = datetime.date(2024, 1, 8)
ROUNDS = 100


def race(actions: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run the actions in threads released together; each one's result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action()
        except BaseException as exc:  # reported by the caller's assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    return results


def act(task_pk: int, step: Callable[[Activation], Any]) -> Any:
    """Do one thing to a flow task the way viewflow's task views do on POST: under
    the flow's lock, in a transaction, reading the task only once the lock is held."""
    process_pk = FlowTask.objects.values_list("process_id", flat=True).get(pk=task_pk)
    with TaskFlow.lock(process_pk), transaction.atomic():
        task = FlowTask.objects.get(pk=task_pk)
        return step(task.flow_task.activation_class(task))


def claim(task_pk: int, person: User) -> None:
    act(task_pk, lambda activation: activation.assign(person))


def run_service(task_pk: int, service: Callable[..., Any], **kwargs: Any) -> Any:
    def step(activation: Activation) -> Any:
        activation.start(None)  # what viewflow's execute wrapper does before the view
        return service(activation=activation, **kwargs)

    return act(task_pk, step)


@pytest.mark.postgres(
    reason="needs PostgreSQL: SQLite takes no row locks, so these races cannot happen there"
)
class ConcurrentStepTests(TransactionTestCase):
    def setUp(self) -> None:
        registry_sync(by=None)
        self.plan: Plan = plan_import(
            data=XINGTAI_PLAN.read_bytes(), source_name=XINGTAI_PLAN.name, by=None
        ).plan
        self.gongxin = Unit.objects.get(code="gongxin")
        self.supervisor = make_person(
            "t.supervisor", User.Role.SUPERVISOR, Unit.objects.get(code="shichang")
        )
        self.lead_liaison = make_person("t.gongxin", User.Role.LIAISON, self.gongxin)
        self.colleague = make_person("t.gongxin2", User.Role.LIAISON, self.gongxin)
        self.people: dict[int, User] = {}
        reverse("home")  # viewflow's node URLs know their namespace once the URLconf loads

    def person_of(self, unit_pk: int) -> User:
        """One liaison per unit, made when a branch first needs one."""
        if unit_pk not in self.people:
            unit = Unit.objects.get(pk=unit_pk)
            self.people[unit_pk] = make_person(f"t.race.{unit.code}", User.Role.LIAISON, unit)
        return self.people[unit_pk]

    def client_of(self, person: User) -> Client:
        client = Client()
        client.force_login(person)
        return client

    def acknowledgement(self, process: TaskProcess) -> FlowTask:
        return FlowTask.objects.get(process_id=process.pk, flow_task=TaskFlow.acknowledge)

    def test_two_colleagues_claiming_one_acknowledgement_at_once_get_it_once(self) -> None:
        # Task 6: lead 市工业和信息化局, where both liaisons work.
        (process,) = dispatch.task_dispatch(
            tasks=[self.plan.tasks.get(number=6)], by=None, today=TODAY
        )
        ack = self.acknowledgement(process)
        url = TaskFlow.acknowledge.reverse("assign", args=[process.pk, ack.pk])
        people = [self.lead_liaison, self.colleague]
        clients = [self.client_of(person) for person in people]

        responses = race([lambda c=client: c.post(url, {"_continue": 1}) for client in clients])

        statuses = [getattr(response, "status_code", response) for response in responses]
        self.assertCountEqual(statuses, [302, 409], responses)
        winner = people[statuses.index(302)]
        ack.refresh_from_db()
        self.assertEqual((ack.status, ack.owner_id), (STATUS.ASSIGNED, winner.pk))
        # The one who came second is told who took it, not refused (workflow.step_taken).
        second = responses[statuses.index(409)]
        self.assertTemplateUsed(second, "workflow/step_taken.html")
        self.assertContains(second, winner.username, status_code=409)
        # A claim is not history, and neither liaison was refused or taken for a stranger.
        self.assertEqual(
            list(TaskEvent.objects.filter(process=process).values_list("action", flat=True)),
            ["dispatch"],
        )
        self.assertFalse(AuditEvent.objects.filter(action="access.denied").exists())

    def test_an_acknowledgement_sent_twice_at_once_is_recorded_once(self) -> None:
        # The owner's double click, or the same step open in two tabs.
        (process,) = dispatch.task_dispatch(
            tasks=[self.plan.tasks.get(number=6)], by=None, today=TODAY
        )
        ack = self.acknowledgement(process)
        claim(ack.pk, self.lead_liaison)
        url = TaskFlow.acknowledge.reverse("execute", args=[process.pk, ack.pk])
        tabs = [self.client_of(self.lead_liaison) for _ in range(2)]

        responses = race([lambda c=tab: c.post(url, {}) for tab in tabs])

        statuses = [getattr(response, "status_code", response) for response in responses]
        # The second tab is told the step is done (workflow.step_taken), not refused.
        self.assertCountEqual(statuses, [302, 409], responses)
        self.assertTemplateUsed(responses[statuses.index(409)], "workflow/step_taken.html")
        self.assertEqual(TaskEvent.objects.filter(process=process, action="acknowledge").count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="task.acknowledge").count(), 1)
        # The split ran once: one branch for each of 工信局 and 市场监管局.
        self.assertEqual(
            FlowTask.objects.filter(process_id=process.pk, flow_task=TaskFlow.split_work_plan)
            .filter(status=STATUS.DONE)
            .count(),
            1,
        )
        self.assertEqual(
            FlowTask.objects.filter(process_id=process.pk, flow_task=TaskFlow.write_part).count(),
            2,
        )

    def test_the_last_two_parts_sent_at_the_same_moment_join_once(self) -> None:
        """100 fresh processes, each with its last two work-plan branches finished by
        two people at the same instant: the Join fires once and one sign-off step is
        made, every time.

        The rounds run in batches, one process per plan task with two branches or
        more, all of a batch's pairs released together: a branch that finds the
        row locked waits 0.4-0.8 s before its retry, which 100 rounds one after
        another would pay 100 times.
        """
        branched = [
            task
            for task in self.plan.tasks.order_by("number")
            if task.task_units.exclude(unit__kind=Unit.Kind.GROUP).count() >= 2
        ]
        self.assertGreaterEqual(len(branched), 10)
        # Count the lock's retries (still sleeping for real) to show the races were real.
        retries: list[float] = []

        def counted_sleep(seconds: float) -> None:
            retries.append(seconds)
            time.sleep(seconds)

        with mock.patch.object(viewflow_lock, "time", SimpleNamespace(sleep=counted_sleep)):
            self.run_rounds(branched)
        self.assertTrue(retries, "no two branches ever met at the lock: the race was not real")

    def run_rounds(self, branched: list[Task]) -> None:
        done = 0
        while done < ROUNDS:
            batch = branched[: ROUNDS - done]
            # The previous batch's processes go, so that the same tasks can be dispatched again.
            TaskProcess.objects.filter(plan_task__in=batch).delete()
            processes = dispatch.task_dispatch(tasks=batch, by=self.supervisor, today=TODAY)
            racers = [racer for process in processes for racer in self.prepare(process)]

            results = race(racers)

            # FlowLockFailed here would mean viewflow's retries gave up while a
            # colleague's branch held the row: the person would get an error page.
            lock_failures = [r for r in results if isinstance(r, FlowLockFailed)]
            self.assertEqual(lock_failures, [], f"rounds {done}+: the flow lock gave up")
            failures = [r for r in results if isinstance(r, BaseException)]
            self.assertEqual(failures, [], f"rounds {done}+: a branch failed under contention")
            for process in processes:
                self.assert_joined_once(process)
            done += len(batch)
        self.assertEqual(done, ROUNDS)

    def prepare(self, process: TaskProcess) -> list[Callable[[], Any]]:
        """Acknowledge, claim every branch, write all but the last two; return those two."""
        ack = self.acknowledgement(process)
        lead = self.person_of(process.plan_task.lead_unit_id)
        claim(ack.pk, lead)
        run_service(ack.pk, services.task_acknowledge, by=lead)
        branches = list(
            FlowTask.objects.filter(process_id=process.pk, flow_task=TaskFlow.write_part).order_by(
                "pk"
            )
        )
        for branch in branches:
            claim(branch.pk, self.person_of(branch.data["unit"]))
        for branch in branches[:-2]:
            self.write_part(branch)
        return [lambda b=branch: self.write_part(b) for branch in branches[-2:]]

    def write_part(self, branch: FlowTask) -> None:
        milestone = services.MilestoneInput(
            title="完成年度目标", due_on=datetime.date(2024, 12, 31)
        )
        run_service(
            branch.pk,
            services.work_plan_part_submit,
            by=self.person_of(branch.data["unit"]),
            content="按计划推进。",
            milestones=[milestone] if branch.data.get("lead") else [],
        )

    def assert_joined_once(self, process: TaskProcess) -> None:
        tasks = FlowTask.objects.filter(process_id=process.pk)
        branches = tasks.filter(flow_task=TaskFlow.write_part)
        self.assertEqual(
            set(branches.values_list("status", flat=True)), {STATUS.DONE}, process.plan_task
        )
        joins = list(tasks.filter(flow_task=TaskFlow.join_work_plan).values_list("status"))
        self.assertEqual(joins, [(STATUS.DONE,)], process.plan_task)
        signs = list(tasks.filter(flow_task=TaskFlow.sign_work_plan).values_list("status"))
        self.assertEqual(signs, [(STATUS.NEW,)], process.plan_task)
        self.assertFalse(tasks.filter(status=STATUS.ERROR).exists())
        self.assertEqual(
            TaskEvent.objects.filter(process=process, action="work_plan.part").count(),
            branches.count(),
        )

    def test_a_step_whose_task_stays_locked_is_refused_with_a_page_not_a_server_error(
        self,
    ) -> None:
        (process,) = dispatch.task_dispatch(
            tasks=[self.plan.tasks.get(number=6)], by=None, today=TODAY
        )
        ack = self.acknowledgement(process)
        url = TaskFlow.acknowledge.reverse("assign", args=[process.pk, ack.pk])
        client = self.client_of(self.lead_liaison)
        client.raise_request_exception = False
        held, release = threading.Event(), threading.Event()

        def hold_the_row() -> None:
            # A long step of someone else (a large evidence upload, say) on the same task.
            try:
                with transaction.atomic():
                    TaskProcess.objects.select_for_update().get(pk=process.pk)
                    held.set()
                    release.wait(timeout=30)
            finally:
                connection.close()

        holder = threading.Thread(target=hold_the_row)
        holder.start()
        try:
            self.assertTrue(held.wait(timeout=10))
            # viewflow waits 6-10 s over its retries; the wait is not what is tested here.
            with mock.patch.object(viewflow_lock, "time", SimpleNamespace(sleep=lambda _s: None)):
                response = client.post(url, {"_continue": 1})
        finally:
            release.set()
            holder.join(timeout=30)
        ack.refresh_from_db()
        self.assertIsNone(ack.owner_id)
        self.assertLess(response.status_code, 500, "FlowLockFailed became a server error")
