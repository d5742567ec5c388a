"""The dashboard's figures on the hand-made rounds of tests/dashboard/base.py, where the
right numbers are known."""

from unittest.mock import patch

from django.urls import reverse

from dashboard.selectors import dashboard
from dashboard.summaries import refresh_round_summary
from departments.models import Unit
from rounds.models import Entry
from supervision.models import Light, LightRecord
from tests.dashboard.base import APRIL, REPORTING_UNITS, TODAY, DashboardTestCase


def counts(figures: list) -> dict[str, int]:
    return {figure.key: figure.count for figure in figures}


class CityFiguresTests(DashboardTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.board = dashboard(plan=self.plan, unit=None, today=TODAY)

    def test_it_counts_the_tasks_by_lifecycle_status_and_stage(self) -> None:
        lifecycle = self.board.lifecycle
        self.assertEqual(
            counts(lifecycle.statuses),
            {"undispatched": 23, "in_progress": 2, "suspended": 1, "closed": 1, "terminated": 0},
        )
        self.assertEqual(lifecycle.total, 27)
        # Task 5 awaits its acknowledgement; task 8 is drawing up its work plan.
        self.assertEqual(
            counts(lifecycle.stages),
            {"ack": 1, "work_plan": 1, "under_way": 0, "completion": 0},
        )

    def test_it_counts_the_current_rounds_tasks_by_their_light_now(self) -> None:
        # As the ledger, the task page and the board show them, not as the sweep
        # stored them some days ago (5 yellow and 7 red then).
        self.assertEqual(self.board.current.period, APRIL)
        self.assertEqual(
            counts(self.board.lights.counts), {"red": 1, "yellow": 1, "green": 1, "done": 1}
        )

    def test_the_red_list_names_the_tasks_and_units_with_their_reasons(self) -> None:
        lights = self.board.lights
        self.assertEqual([row.number for row in lights.red_tasks], [5])
        self.assertEqual(lights.red_tasks[0].lead_unit, "市科技局")
        self.assertEqual(
            lights.red_tasks[0].light.reasons, ["任务5签收逾期7天", "2026年4月调度报告还有2天到期"]
        )
        # Units red for the same reasons are listed together.
        groups = {tuple(row.reasons): [unit.name for unit in row.units] for row in lights.red_units}
        self.assertEqual(groups[("任务5签收逾期7天", "2026年4月调度报告还有2天到期")], ["市科技局"])
        late = groups[("2026年第一季度调度报告逾期8天", "2026年4月调度报告还有2天到期")]
        self.assertEqual(len(late), REPORTING_UNITS - 2)
        self.assertIn("市市场监管局", late)
        self.assertEqual(len(groups), 2)
        self.assertIsNone(lights.own)

    def test_it_counts_progress_by_category_as_the_bulletin_does(self) -> None:
        rows = {row.number: (row.tasks, row.counts) for row in self.board.categories}
        # （二）: 4 completed; 5 and 7 not reported yet (市科技局, 市市场监管局 have not sent).
        # （三）: 8 on schedule. A category with no task in the round is left out.
        self.assertEqual(
            rows,
            {
                2: (3, {"done": 1, "ahead": 0, "on": 0, "behind": 0, "": 2}),
                3: (1, {"done": 0, "ahead": 0, "on": 1, "behind": 0, "": 0}),
            },
        )
        self.assertEqual(self.board.schedule, {"done": 1, "ahead": 0, "on": 1, "behind": 0, "": 2})
        self.assertEqual(self.board.round_tasks, 4)

    def test_an_unsent_reports_draft_schedule_counts_as_not_reported(self) -> None:
        # 市科技局 has saved "ahead" in its April draft but not sent it.
        report = self.april.reports.get(unit=self.keji)
        Entry.objects.filter(report=report, task=self.tasks[5]).update(schedule="ahead")
        refresh_round_summary(round_id=self.april.pk)
        board = dashboard(plan=self.plan, unit=None, today=TODAY)
        self.assertEqual(board.schedule["ahead"], 0)
        self.assertEqual(board.schedule, self.board.schedule)

    def test_units_are_ranked_by_reports_sent_on_time_then_sent_at_all(self) -> None:
        rows = self.board.timeliness.rows
        self.assertEqual(self.board.timeliness.of, REPORTING_UNITS)
        self.assertEqual(len(rows), REPORTING_UNITS)
        first, second = rows[0], rows[1]
        # 市工业和信息化局: both rounds on time. 市科技局: the first 3 days late, April
        # not due yet. Everyone else: the first round never sent.
        self.assertEqual(
            (first.unit, first.rank, first.due, first.on_time, first.percent),
            ("市工业和信息化局", 1, 2, 2, 100),
        )
        self.assertEqual(
            (second.unit, second.rank, second.due, second.late, second.late_days, second.percent),
            ("市科技局", 2, 1, 1, 3, 0),
        )
        bureau = next(row for row in rows if row.unit == "市市场监管局")
        self.assertEqual((bureau.due, bureau.missing, bureau.percent), (1, 1, 0))
        # The 21 others tie (one report due, never sent): they share third place,
        # listed in the registry's order, not numbered 3 to 23.
        others = rows[2:]
        self.assertEqual({row.rank for row in others}, {3})
        self.assertEqual(len(others), REPORTING_UNITS - 2)
        order = dict(Unit.objects.values_list("name", "sort_order"))
        self.assertEqual(
            [row.unit for row in others], sorted((row.unit for row in others), key=order.get)
        )

    def test_lead_units_are_ranked_by_tasks_closed(self) -> None:
        ranking = self.board.completion
        by_unit = {row.unit: (row.rank, row.tasks, row.closed) for row in ranking.rows}
        self.assertEqual(by_unit["市工业和信息化局"], (1, 4, 1))
        self.assertEqual(by_unit["市市场监管局"][1:], (18, 0))
        self.assertEqual(ranking.of, 6)
        self.assertEqual(ranking.rows[0].percent, 25)

    def test_lead_units_with_the_same_share_closed_share_a_rank(self) -> None:
        # Nobody but 市工业和信息化局 has closed a task: the five others tie on 0 of
        # their tasks and 0 closed, and share second place.
        rows = self.board.completion.rows
        self.assertEqual([row.rank for row in rows], [1, 2, 2, 2, 2, 2])
        self.assertEqual(rows[0].unit, "市工业和信息化局")
        order = dict(Unit.objects.values_list("name", "sort_order"))
        self.assertEqual(
            [row.unit for row in rows[1:]], sorted((row.unit for row in rows[1:]), key=order.get)
        )
        # A unit's view says the shared place too.
        board = dashboard(plan=self.plan, unit=self.bureau, today=TODAY)
        self.assertEqual(
            [(row.unit, row.rank) for row in board.completion.rows], [("市市场监管局", 2)]
        )

    def test_a_terminated_task_is_not_counted_against_its_lead_unit(self) -> None:
        from viewflow.workflow.status import PROCESS

        from workflow.models import TaskProcess

        TaskProcess.objects.filter(plan_task=self.tasks[8]).update(status=PROCESS.CANCELED)
        board = dashboard(plan=self.plan, unit=None, today=TODAY)
        gongxin = board.completion.rows[0]
        self.assertEqual((gongxin.unit, gongxin.tasks, gongxin.closed), ("市工业和信息化局", 3, 1))
        self.assertEqual(counts(board.lifecycle.statuses)["terminated"], 1)

    def test_reports_due_this_week_and_overdue_are_listed(self) -> None:
        due = self.board.due
        self.assertEqual(
            (due.week_start.isoformat(), due.week_end.isoformat()), ("2026-04-06", "2026-04-12")
        )
        # April (due 4-10): everyone but 市工业和信息化局; the first round: 21 never sent.
        self.assertEqual((due.this_week, due.overdue), (REPORTING_UNITS - 1, REPORTING_UNITS - 2))
        self.assertEqual(len(due.rows), due.this_week + due.overdue)
        oldest = due.rows[0]
        self.assertEqual((oldest.period, oldest.overdue_days), ("2026年第一季度", 8))
        self.assertEqual(due.rows[-1].period, APRIL)
        self.assertEqual(due.rows[-1].overdue_days, 0)
        units_due = {row.unit for row in due.rows if row.period == APRIL}
        self.assertIn("市科技局", units_due)
        self.assertNotIn("市工业和信息化局", units_due)

    def test_interviews_scheduled_and_commitments_open_are_the_plans_units(self) -> None:
        # 市审计局 has no part in the plan: its interview is not the plan's business.
        self.assertEqual([row.pk for row in self.board.interviews], [self.keji_interview.pk])
        self.assertEqual(
            [(row.unit, row.text, row.overdue) for row in self.board.commitments],
            [("市市场监管局", "4月10日前补报调度报告。", False)],
        )
        self.assertEqual(
            [(row.doc_number, row.unit, row.overdue) for row in self.board.notices],
            [(self.notice.doc_number, "市市场监管局", False)],
        )

    def test_the_trend_counts_each_rounds_tasks_by_progress_and_light(self) -> None:
        trend = [
            (row.round.period, row.tasks, row.schedule, row.lights) for row in self.board.trend
        ]
        self.assertEqual(
            trend,
            [
                (
                    "2026年第一季度",
                    4,
                    {"done": 0, "ahead": 1, "on": 1, "behind": 1, "": 1},
                    {"green": 2, "red": 1, "yellow": 1},
                ),
                (
                    APRIL,
                    4,
                    {"done": 1, "ahead": 0, "on": 1, "behind": 0, "": 2},
                    {"red": 1, "yellow": 1, "green": 1, "done": 1},
                ),
            ],
        )


class LightTrendTests(DashboardTestCase):
    def test_the_trend_shows_past_rounds_as_stored_and_the_current_one_now(self) -> None:
        board = dashboard(plan=self.plan, unit=None, today=TODAY)
        self.assertEqual(board.trend[0].lights, {"green": 2, "red": 1, "yellow": 1})
        self.assertEqual(board.trend[-1].lights, {"red": 1, "yellow": 1, "green": 1, "done": 1})

    def test_a_past_round_the_sweep_never_lit_has_no_lights_in_the_trend(self) -> None:
        LightRecord.objects.filter(round=self.first).delete()
        refresh_round_summary(round_id=self.first.pk)
        board = dashboard(plan=self.plan, unit=None, today=TODAY)
        self.assertIsNone(board.trend[0].lights)
        self.assertEqual(board.trend[-1].lights["red"], 1)

    def test_a_unit_view_has_its_own_light_now(self) -> None:
        board = dashboard(plan=self.plan, unit=self.keji, today=TODAY)
        self.assertEqual(board.lights.own.color, Light.RED)
        self.assertIn("任务5签收逾期7天", board.lights.own.reasons)
        self.assertEqual(board.trend[-1].own_light, Light.RED)
        # Its first-round light as stored.
        self.assertEqual(board.trend[0].own_light, Light.GREEN)
        self.assertEqual(
            counts(board.lights.counts), {"red": 1, "yellow": 0, "green": 0, "done": 0}
        )


class UnitFiguresTests(DashboardTestCase):
    def test_a_lead_units_view_covers_its_tasks_as_lead_and_co_unit(self) -> None:
        board = dashboard(plan=self.plan, unit=self.gongxin, today=TODAY)
        # 市工业和信息化局 leads 4, 6, 8, 10 and helps on 2, 5, 12, 14, 17, 18, 19.
        self.assertEqual(board.lifecycle.total, 11)
        self.assertEqual(
            counts(board.lifecycle.statuses),
            {"undispatched": 8, "in_progress": 2, "suspended": 0, "closed": 1, "terminated": 0},
        )
        # April: 4 done, 5 red (市科技局's acknowledgement), 8 green; its own light green.
        self.assertEqual(
            counts(board.lights.counts), {"red": 1, "yellow": 0, "green": 1, "done": 1}
        )
        self.assertEqual([row.number for row in board.lights.red_tasks], [5])
        self.assertEqual(board.lights.own.color, Light.GREEN)
        self.assertEqual(board.lights.red_units, [])
        self.assertEqual(board.schedule, {"done": 1, "ahead": 0, "on": 1, "behind": 0, "": 1})

    def test_a_unit_sees_its_own_place_in_the_rankings_and_no_other_unit(self) -> None:
        board = dashboard(plan=self.plan, unit=self.keji, today=TODAY)
        self.assertEqual([(row.unit, row.rank) for row in board.timeliness.rows], [("市科技局", 2)])
        self.assertEqual(board.timeliness.of, REPORTING_UNITS)
        self.assertEqual(
            [(row.unit, row.tasks) for row in board.completion.rows], [("市科技局", 1)]
        )
        self.assertEqual(board.completion.of, 6)

    def test_a_co_unit_is_ranked_for_its_reports_and_leads_nothing(self) -> None:
        board = dashboard(plan=self.plan, unit=self.tax, today=TODAY)
        self.assertEqual(board.lifecycle.total, 1)  # task 5
        self.assertEqual(board.completion.rows, [])
        self.assertEqual([row.unit for row in board.timeliness.rows], ["市税务局"])
        self.assertEqual({row.unit for row in board.due.rows}, {"市税务局"})
        self.assertEqual((board.due.this_week, board.due.overdue), (1, 1))

    def test_a_unit_sees_its_own_interviews_commitments_and_notices(self) -> None:
        keji = dashboard(plan=self.plan, unit=self.keji, today=TODAY)
        self.assertEqual([row.pk for row in keji.interviews], [self.keji_interview.pk])
        self.assertEqual((keji.commitments, keji.notices), ([], []))
        bureau = dashboard(plan=self.plan, unit=self.bureau, today=TODAY)
        self.assertEqual(bureau.interviews, [])
        self.assertEqual([row.unit for row in bureau.commitments], ["市市场监管局"])
        self.assertEqual([row.pk for row in bureau.notices], [self.notice.pk])

    def test_a_county_answers_for_the_tasks_that_fall_on_the_county_group(self) -> None:
        board = dashboard(plan=self.plan, unit=self.county, today=TODAY)
        # Task 1's note puts every task on 各县(市、区)政府 as well.
        self.assertEqual(board.lifecycle.total, 27)
        self.assertEqual(board.round_tasks, 4)
        # Its first-round report was never sent; nothing stored for it in that round.
        self.assertEqual(board.lights.own.color, Light.RED)
        self.assertEqual(board.trend[-1].own_light, Light.RED)
        self.assertEqual(board.trend[0].own_light, "")

    def test_the_unit_trend_counts_its_tasks_and_its_own_light(self) -> None:
        board = dashboard(plan=self.plan, unit=self.gongxin, today=TODAY)
        self.assertEqual(
            [(row.tasks, row.schedule, row.lights, row.own_light) for row in board.trend],
            [
                (
                    3,
                    {"done": 0, "ahead": 1, "on": 1, "behind": 1, "": 0},
                    {"green": 2, "yellow": 1},
                    "yellow",
                ),
                (
                    3,
                    {"done": 1, "ahead": 0, "on": 1, "behind": 0, "": 1},
                    {"red": 1, "yellow": 0, "green": 1, "done": 1},
                    "green",
                ),
            ],
        )

    def test_a_unit_that_reports_in_no_round_has_no_current_round(self) -> None:
        # 市住房城乡建设局 answers only for tasks no round covers.
        zhujian = Unit.objects.get(name="市住房城乡建设局")
        board = dashboard(plan=self.plan, unit=zhujian, today=TODAY)
        self.assertIsNone(board.current)
        self.assertEqual(board.trend, [])
        self.assertEqual(board.categories, [])
        self.assertEqual(board.lights.own.color, Light.GREEN)


class TrendSpanTests(DashboardTestCase):
    def test_the_trend_covers_the_latest_rounds_and_says_how_many_there_are(self) -> None:
        with patch("dashboard.selectors.TREND_ROUNDS", 1):
            board = dashboard(plan=self.plan, unit=None, today=TODAY)
            self.assertEqual([row.round.period for row in board.trend], [APRIL])
            self.assertEqual(board.round_count, 2)
            # The first round still counts for the units' timeliness.
            self.assertEqual(board.timeliness.rows[1].late_days, 3)
            response = self.login(self.supervisor).get(
                reverse("plan_dashboard", args=[self.plan.pk])
            )
        self.assertContains(response, 'data-testid="trend-span"')
        self.assertContains(response, reverse("plan_rounds", args=[self.plan.pk]))
