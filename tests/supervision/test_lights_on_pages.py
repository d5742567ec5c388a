"""Lights on the plan page, the task page, the round page and the ledger."""

import datetime
import re
from io import BytesIO

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from rounds.models import Round
from rounds.opening import round_create
from supervision.models import Light, LightRecord
from supervision.selectors import lights_for_plan, unit_lights
from tests.clock import FrozenClockMixin
from tests.ledger.base import LedgerTestCase
from tests.supervision.base import TODAY, SupervisionTestCase, at
from workflow.dispatch import task_dispatch


def lights_by_task(html: str) -> dict[int, str]:
    """task number -> light on the plan page (the light cell follows the number)."""
    found = re.findall(
        r'data-task="(\d+)"><td class="num">\d+</td><td class="light-cell">(.*?)</td>', html, re.S
    )
    return {
        int(number): (re.search(r'data-light="(\w+)"', cell) or [None, ""])[1]
        for number, cell in found
    }


class PlanAndTaskPageTests(SupervisionTestCase):
    def test_the_plan_page_shows_each_dispatched_tasks_light(self) -> None:
        self.login(self.supervisor)
        response = self.client.get(reverse("plan_detail", args=[self.plan.pk]))
        self.assertEqual(response.status_code, 200)
        lights = lights_by_task(response.content.decode())
        self.assertEqual(lights[4], "red")
        self.assertEqual(lights[8], "red")
        self.assertEqual(lights[5], "red")
        # A task not handed out yet has no light.
        self.assertEqual(lights[1], "")
        # The label says the colour; the tooltip gives the reasons.
        self.assertContains(response, "红灯")
        self.assertContains(response, "逾期2天")

    def test_a_liaison_sees_the_lights_of_their_units_tasks_only(self) -> None:
        self.login(self.keji_liaison)
        response = self.client.get(reverse("plan_detail", args=[self.plan.pk]))
        lights = lights_by_task(response.content.decode())
        self.assertEqual(lights[5], "red")
        self.assertNotIn(4, lights)
        self.assertEqual(set(lights_for_plan(self.plan, self.keji_liaison)), {self.task(5).pk})

    def test_an_acknowledgement_due_soon_is_yellow(self) -> None:
        self.at(datetime.timedelta(days=-4))  # 2024-01-13: due in two days
        lights = lights_for_plan(self.plan, self.supervisor)
        self.assertEqual(lights[self.task(4).pk].color, Light.YELLOW)
        self.assertIn("还有2天到期", " ".join(lights[self.task(4).pk].reasons))

    def test_an_imported_plan_has_no_light(self) -> None:
        self.plan.status = self.plan.Status.IMPORTED
        self.assertEqual(lights_for_plan(self.plan, self.supervisor), {})

    def test_the_task_page_lists_the_reasons_and_the_light_by_round(self) -> None:
        rnd = round_create(
            plan=self.plan, by=self.supervisor, period="2024年1月", deadline=TODAY, today=TODAY
        )
        LightRecord.objects.create(
            round=rnd,
            subject=f"task:{self.task(4).pk}",
            task=self.task(4),
            color=Light.YELLOW,
            reasons=["任务4签收2天后到期"],
        )
        self.login(self.lead_liaison)
        response = self.client.get(reverse("task_detail", args=[self.task(4).pk]))
        self.assertEqual(response.status_code, 200)
        light = response.context["light"]
        self.assertEqual(light.color, Light.RED)
        self.assertContains(response, 'data-testid="light-reasons"')
        for reason in light.reasons:
            self.assertContains(response, reason)
        self.assertContains(response, 'data-testid="light-history"')
        self.assertEqual([r.round for r in response.context["light_history"]], [rnd])
        # The plan's current round shows today's light, the header's, and says so; the
        # record the sweep stored earlier in the round is not shown as another light.
        row = re.search(rf'<tr data-history-round="{rnd.pk}"[^>]*>', response.content.decode())[0]
        self.assertIn('data-light="red"', row)
        self.assertIn("data-today", row)
        self.assertContains(response, 'data-testid="light-today"')
        self.assertNotContains(response, "任务4签收2天后到期")


class RoundPageTests(SupervisionTestCase):
    def test_the_round_page_shows_each_units_light_in_the_round(self) -> None:
        rnd = round_create(
            plan=self.plan, by=self.supervisor, period="2024年1月", deadline=TODAY, today=TODAY
        )
        LightRecord.objects.create(
            round=rnd,
            subject=f"unit:{self.gongxin.pk}",
            unit=self.gongxin,
            color=Light.RED,
            reasons=["任务4签收逾期2天"],
        )
        self.login(self.supervisor)
        response = self.client.get(reverse("round_detail", args=[rnd.pk]))
        html = response.content.decode()
        row = re.search(r'<tr data-unit="市工业和信息化局".*?</tr>', html, re.S)[0]
        self.assertIn('data-light="red"', row)
        self.assertIn("任务4签收逾期2天", row)
        self.assertIn(reverse("unit_detail", args=[self.gongxin.pk]), row)
        # The round is the plan's current one: every unit's light is today's, stored
        # by the sweep or not yet, as the unit's page and the board show it.
        self.assertTrue(response.context["page_lights_today"])
        other = re.search(r'<tr data-unit="市科技局".*?</tr>', html, re.S)[0]
        self.assertIn('data-light="red"', other)
        self.assertIn("任务5签收逾期2天", other)


class UnitLightsTests(SupervisionTestCase):
    def test_a_liaison_gets_their_own_units_light_only(self) -> None:
        lights = unit_lights(self.lead_liaison)
        self.assertEqual(set(lights), {self.gongxin.pk})
        self.assertEqual(lights[self.gongxin.pk].color, Light.RED)
        everyone = unit_lights(self.supervisor, units=[self.gongxin, self.tax])
        self.assertEqual(everyone[self.tax.pk].color, Light.GREEN)


class LedgerLightTests(FrozenClockMixin, LedgerTestCase):
    """Rounds 2023年12月 (older) and 2024年1月 (latest) of tasks 4, 5, 8 and 20, dispatched
    on 2024-01-08 and not acknowledged: red now (2024-01-17). The older round stored task
    4 red and task 8 green."""

    start = at(datetime.date(2024, 1, 17))

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for task, color in ((cls.t4, Light.RED), (cls.t8, Light.GREEN)):
            LightRecord.objects.create(
                round=cls.older,
                subject=f"task:{task.pk}",
                task=task,
                color=color,
                reasons=["上期的原因"] if color == Light.RED else [],
            )

    def rows(self, **query: str) -> list[tuple[str, int, str]]:
        response = self.client.get(reverse("plan_ledger", args=[self.plan.pk]), query)
        self.assertEqual(response.status_code, 200)
        return [
            (row.round.period, row.task.number, row.light.color if row.light else "")
            for row in response.context["rows"]
        ]

    def test_each_row_shows_the_tasks_light_in_its_round(self) -> None:
        self.login(self.supervisor)
        rows = self.rows()
        self.assertEqual(
            rows,
            [
                ("2024年1月", 4, "red"),
                ("2024年1月", 5, "red"),
                ("2024年1月", 8, "red"),
                ("2024年1月", 20, "red"),
                ("2023年12月", 4, "red"),
                ("2023年12月", 5, ""),
                ("2023年12月", 8, "green"),
                ("2023年12月", 20, ""),
            ],
        )
        response = self.client.get(reverse("plan_ledger", args=[self.plan.pk]))
        self.assertContains(response, '<option value="red">红灯</option>', html=True)

    def test_the_light_filter_reads_the_light_of_each_rows_round(self) -> None:
        self.login(self.supervisor)
        self.assertEqual(
            [(p, n) for p, n, _c in self.rows(light="red")],
            [
                ("2024年1月", 4),
                ("2024年1月", 5),
                ("2024年1月", 8),
                ("2024年1月", 20),
                ("2023年12月", 4),
            ],
        )
        self.assertEqual([(p, n) for p, n, _c in self.rows(light="green")], [("2023年12月", 8)])
        self.assertEqual(self.rows(light="yellow"), [])
        # With a round chosen, and an unknown light ignored.
        self.assertEqual(len(self.rows(light="red", round=str(self.older.pk))), 1)
        self.assertEqual(len(self.rows(light="purple")), 8)

    def test_a_liaison_filters_their_own_rows(self) -> None:
        self.login(self.co_liaison)  # 市税务局: a co-unit of task 5
        self.assertEqual([(p, n) for p, n, _c in self.rows(light="red")], [("2024年1月", 5)])

    def test_the_export_takes_the_light_filter(self) -> None:
        self.login(self.supervisor)
        response = self.client.get(
            reverse("plan_ledger_xlsx", args=[self.plan.pk]), {"light": "green"}
        )
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
        text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
        self.assertIn("实施技改项目320项", text)  # task 8's older entry
        self.assertNotIn("新增工业企业研发机构85家", text)  # task 4's

    def test_the_ledger_query_count_does_not_depend_on_the_light_filter(self) -> None:
        self.login(self.supervisor)
        url = reverse("plan_ledger", args=[self.plan.pk])
        self.client.get(url)
        counts = []
        for query in ({}, {"light": "red"}, {"light": "green"}):
            with CaptureQueriesContext(connection) as context:
                self.client.get(url, query)
            counts.append(len(context))
        self.assertEqual(len(set(counts)), 1, counts)
        self.assertEqual(Round.objects.filter(plan=self.plan).count(), 2)


class PlanPageQueryCountTests(SupervisionTestCase):
    def count(self, url: str) -> int:
        self.client.get(url)
        with CaptureQueriesContext(connection) as context:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(context)

    def test_the_lights_cost_the_same_queries_for_few_or_many_lit_tasks(self) -> None:
        round_create(
            plan=self.plan, by=self.supervisor, period="2024年1月", deadline=TODAY, today=TODAY
        )
        pages = [
            reverse("plan_detail", args=[self.plan.pk]),
            reverse("task_detail", args=[self.task(4).pk]),
        ]
        people = (self.supervisor, self.lead_liaison)
        before = {}
        for person in people:
            self.login(person)
            before[person.username] = [self.count(url) for url in pages]
        task_dispatch(
            tasks=list(self.plan.tasks.exclude(number__in=(4, 5, 8))),
            by=self.supervisor,
            today=datetime.date(2024, 1, 12),
        )
        round_create(
            plan=self.plan, by=self.supervisor, period="2024年1月下", deadline=TODAY, today=TODAY
        )
        self.assertGreater(len(lights_for_plan(self.plan, self.supervisor)), 20)
        for person in people:
            with self.subTest(person=person.username):
                self.login(person)
                self.assertEqual([self.count(url) for url in pages], before[person.username])
