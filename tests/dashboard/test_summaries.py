"""The dashboard reads round summaries (dashboard.summaries): they give every view the
figures a full count of the entries and lights gives, and each change to what they
count (a round opened, a report saved, submitted, signed, returned, reviewed, the
sweep storing lights) updates them in its own transaction."""

import datetime
import random
from io import StringIO

from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from dashboard import full_scan
from dashboard.models import RoundSummary
from dashboard.selectors import dashboard
from dashboard.summaries import refresh_round_summary, stale_rounds
from departments.models import Unit
from rounds.flows import ReportFlow
from rounds.models import Entry, Round, UnitReport
from rounds.opening import round_create
from supervision.models import Light, LightRecord
from supervision.sweep import sweep
from tests.bulletins.base import at
from tests.dashboard.base import TODAY, DashboardTestCase, send, store_lights
from tests.rounds.base import START, RoundTestCase
from tests.rounds.base import TODAY as TODAY_ROUNDS
from workflow.dispatch import task_dispatch

MORE_TASKS = (1, 2, 3, 6, 9, 10, 12, 14, 17)


class SummariesAgreeWithAFullCountTests(DashboardTestCase):
    def views(self) -> list[Unit | None]:
        """The city's and every reporting unit's view, a county's among them."""
        units = Unit.objects.filter(
            pk__in=UnitReport.objects.filter(round__plan=self.plan).values("unit_id")
        ).order_by("pk")
        return [None, *units]

    def assert_agree(self) -> None:
        views = self.views()
        self.assertGreater(len(views), 20)
        for unit in views:
            with self.subTest(unit=unit):
                shown = dashboard(plan=self.plan, unit=unit, today=TODAY)
                self.assertEqual(shown, full_scan.dashboard(plan=self.plan, unit=unit, today=TODAY))

    def grow(self) -> Round:
        """More tasks; a third round; reports sent with schedules drawn at random, some
        late; lights stored at random in every round."""
        rng = random.Random(18)
        task_dispatch(
            tasks=[self.plan.tasks.get(number=n) for n in MORE_TASKS],
            by=None,
            today=datetime.date(2026, 4, 1),
            acknowledge_by=datetime.date(2026, 12, 31),
            complete_by=datetime.date(2027, 12, 31),
        )
        third = round_create(
            plan=self.plan,
            by=None,
            period="2026年4月下旬",
            deadline=datetime.date(2026, 4, 20),
            today=TODAY,
        )
        schedules = ["done", "ahead", "on", "behind", ""]
        for rnd in (self.first, self.april, third):
            for report in rnd.reports.filter(sent_at__isnull=True).order_by("pk"):
                if rng.random() < 0.5:
                    continue
                numbers = report.entries.values_list("task__number", flat=True)
                send(
                    rnd,
                    report.unit,
                    TODAY,
                    {n: rng.choice(schedules) for n in numbers},
                    late_days=rng.choice([0, 0, 3]),
                )
            LightRecord.objects.filter(round=rnd).delete()
            colors = [Light.RED, Light.YELLOW, Light.GREEN, Light.DONE]
            store_lights(
                rnd,
                {
                    n: (rng.choice(colors), ["原因"])
                    for n in rnd.tasks.values_list("number", flat=True)
                    if rng.random() < 0.8
                },
                {report.unit: (rng.choice(colors[:3]), []) for report in rnd.reports.all()},
            )
        return third

    def test_every_view_shows_the_figures_of_a_full_count(self) -> None:
        self.assert_agree()
        self.grow()
        self.assertGreater(RoundSummary.objects.filter(unit__isnull=False).count(), 50)
        self.assert_agree()

    def test_the_check_command_finds_summaries_left_behind_and_the_rebuild_mends_them(
        self,
    ) -> None:
        self.enterContext(translation.override("en"))
        third = self.grow()
        out = StringIO()
        call_command("dashboard_summaries", "--check", stdout=out)
        self.assertIn("agree with a full count", out.getvalue())
        # A write around the services (raw SQL, a shell) leaves the summary behind.
        report = third.reports.get(unit=self.gongxin)
        Entry.objects.filter(report=report, is_lead=True).update(schedule="behind")
        UnitReport.objects.filter(pk=report.pk).update(sent_at=at(TODAY))
        self.assertEqual(stale_rounds(round_ids=[self.first.pk, third.pk]), [third.pk])
        with self.assertRaisesMessage(CommandError, f"rounds {third.pk} are out of date"):
            call_command("dashboard_summaries", "--check", stdout=StringIO())
        before = RoundSummary.objects.count()
        call_command("dashboard_summaries", stdout=StringIO())
        call_command("dashboard_summaries", stdout=StringIO())  # again: the same rows
        self.assertEqual(RoundSummary.objects.count(), before)
        call_command("dashboard_summaries", "--check", stdout=StringIO())
        self.assert_agree()

    def test_the_check_command_finds_a_summary_row_changed_by_hand(self) -> None:
        self.enterContext(translation.override("en"))
        # A summary row counting one task too many in the city's view of April.
        row = RoundSummary.objects.filter(round=self.april, unit__isnull=True).first()
        RoundSummary.objects.filter(pk=row.pk).update(tasks=row.tasks + 1)
        with self.assertRaisesMessage(CommandError, "out of date"):
            call_command("dashboard_summaries", "--check", stdout=StringIO())

    def test_a_unit_view_counts_only_the_tasks_that_unit_answers_for(self) -> None:
        answering = [self.keji.pk, *self.keji.member_of.values_list("pk", flat=True)]
        own = self.april.tasks.filter(task_units__unit__in=answering).distinct().count()
        board = dashboard(plan=self.plan, unit=self.keji, today=TODAY)
        city = dashboard(plan=self.plan, unit=None, today=TODAY)
        self.assertEqual(board.trend[-1].tasks, own)
        self.assertLess(own, city.trend[-1].tasks)
        self.assertEqual(
            sum(
                RoundSummary.objects.filter(round=self.april, unit=self.keji).values_list(
                    "tasks", flat=True
                )
            ),
            own,
        )


class SummariesFollowEachChangeTests(RoundTestCase):
    """Through the pages, the way people click: each step leaves the round's
    summary equal to a count made afresh, and the page showing it."""

    def city(self, rnd: Round) -> dict[str, int]:
        rows = RoundSummary.objects.filter(round=rnd, unit__isnull=True)
        columns = ["tasks", "sent_done", "sent_ahead", "sent_on", "sent_behind"]
        columns += ["light_red", "light_yellow", "light_green", "light_done"]
        return {c: sum(getattr(row, c) for row in rows) for c in columns}

    def assert_current(self, rnd: Round) -> None:
        self.assertEqual(stale_rounds(round_ids=[rnd.pk]), [])

    def sign(self, leader, report: UnitReport, **fields: str) -> None:  # type: ignore[no-untyped-def]
        url = self.step_url(leader, report, ReportFlow.sign)
        self.assertEqual(self.client.post(url, fields).status_code, 302)

    def test_a_new_round_has_its_tasks_counted_and_nothing_sent(self) -> None:
        rnd = self.open_round()
        self.assertEqual(
            self.city(rnd),
            {
                "tasks": 2,
                "sent_done": 0,
                "sent_ahead": 0,
                "sent_on": 0,
                "sent_behind": 0,
                "light_red": 0,
                "light_yellow": 0,
                "light_green": 0,
                "light_done": 0,
            },
        )
        # 市科技局 answers for task 5; 市工业和信息化局 for 8 (lead) and 5 (co-unit).
        for unit, tasks in ((self.keji, 1), (self.gongxin, 2)):
            rows = RoundSummary.objects.filter(round=rnd, unit=unit)
            self.assertEqual(sum(rows.values_list("tasks", flat=True)), tasks)
        self.assert_current(rnd)

    def test_a_sign_off_counts_the_report_and_a_resubmission_after_a_return_recounts_it(
        self,
    ) -> None:
        rnd = self.open_round()
        gongxin = self.report(rnd, self.gongxin)
        fields = self.entry_fields(self.task5, "工信部门组织申报")
        fields |= self.entry_fields(self.task8, "推进技改项目", "ahead")
        self.assertEqual(self.fill(self.lead_liaison, gongxin, fields).status_code, 302)
        # Submitted, with the leader: not sent yet, not counted.
        self.assertEqual(self.city(rnd)["sent_ahead"], 0)
        self.assert_current(rnd)
        # The leader sends it back; then signs the second submission off.
        self.sign(self.leader, gongxin, decision="return", reason="请核实数据")
        self.assertEqual(self.city(rnd)["sent_ahead"], 0)
        self.assertEqual(self.fill(self.lead_liaison, gongxin, fields).status_code, 302)
        self.sign(self.leader, gongxin, decision="sign")
        self.assertEqual(self.city(rnd)["sent_ahead"], 1)
        self.assert_current(rnd)
        self.client.force_login(self.supervisor)
        page = self.client.get(reverse("plan_dashboard", args=[self.plan.pk]))
        self.assertEqual(page.context["board"].schedule["ahead"], 1)
        # The working group approves task 5's part and returns task 8 (a review).
        url = self.step_url(self.supervisor, gongxin, ReportFlow.review)
        response = self.client.post(
            url,
            {
                f"e{self.task5.pk}-decision": "approve",
                f"e{self.task8.pk}-decision": "return",
                f"e{self.task8.pk}-reason": "请补充项目清单",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assert_current(rnd)
        # The sent report keeps counting; the liaison's draft after the return...
        fields = self.entry_fields(self.task8, "补充项目清单", "behind")
        response = self.fill(self.lead_liaison, gongxin, fields, action="save")
        self.assertEqual(response.status_code, 302)
        self.assertEqual((self.city(rnd)["sent_ahead"], self.city(rnd)["sent_behind"]), (0, 1))
        self.assert_current(rnd)
        # ...and its submission count what the report now says, as the page does.
        fields = self.entry_fields(self.task8, "补充项目清单", "on")
        self.assertEqual(self.fill(self.lead_liaison, gongxin, fields).status_code, 302)
        self.assertEqual((self.city(rnd)["sent_behind"], self.city(rnd)["sent_on"]), (0, 1))
        self.assert_current(rnd)
        board = full_scan.dashboard(plan=self.plan, unit=None, today=TODAY_ROUNDS)
        self.assertEqual(dashboard(plan=self.plan, unit=None, today=TODAY_ROUNDS), board)

    def test_the_sweep_storing_lights_counts_them(self) -> None:
        rnd = self.open_round()
        self.assertFalse(LightRecord.objects.filter(round=rnd).exists())
        sweep(now=START + datetime.timedelta(days=30))
        stored = LightRecord.objects.filter(round=rnd, task__isnull=False)
        self.assertEqual(stored.count(), 2)
        summary = self.city(rnd)
        for color in (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE):
            self.assertEqual(summary[f"light_{color}"], stored.filter(color=color).count())
        self.assertEqual(summary["light_red"], 2)  # the round's reports are overdue
        self.assert_current(rnd)

    def test_refreshing_a_summary_again_gives_the_same_rows(self) -> None:
        rnd = self.open_round()

        def rows() -> list[tuple]:
            found = RoundSummary.objects.filter(round=rnd)
            return sorted(found.values_list("unit_id", "category_id", "tasks"), key=str)

        before = rows()
        self.assertGreater(len(before), 3)
        refresh_round_summary(round_id=rnd.pk)
        refresh_round_summary(round_id=rnd.pk)
        self.assertEqual(rows(), before)
