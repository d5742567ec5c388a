"""The ledger page and its export URL, the unit sheet URLs: who gets what, and the
pages' query counts whatever the size of the plan."""

import datetime
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from meetings.services import DecisionInput, meeting_record
from rounds.models import ReportFile, Round
from rounds.opening import round_create
from rounds.services import EntryInput, report_save
from tests.base import PlanTestCase
from tests.ledger.base import TODAY, LedgerTestCase, report_of, target_values
from workflow.dispatch import task_dispatch


class LedgerPageTests(LedgerTestCase):
    def test_the_page_shows_the_classic_columns_and_a_row_per_task_and_round(self) -> None:
        self.login(self.supervisor)
        response = self.client.get(reverse("plan_ledger", args=[self.plan.pk]))
        self.assertEqual(response.status_code, 200)
        for header in ("序号", "任务", "牵头单位", "配合单位", "目标/任务要求", "完成时限"):
            self.assertContains(response, f"<th>{header}</th>" if header != "序号" else header)
        for header in ("本期进展", "序时进度", "存在问题", "下步打算", "佐证材料", "备注"):
            self.assertContains(response, f"<th>{header}</th>")
        self.assertEqual(len(response.context["rows"]), 8)
        self.assertContains(response, 'data-round="2024年1月"', count=5)  # 4 rows + its heading
        # The older round only: a new round starts empty, nothing carried over.
        self.assertContains(response, "新增工业企业研发机构：85家", count=1)

    def test_the_filters_come_from_the_query_string(self) -> None:
        self.login(self.supervisor)
        url = reverse("plan_ledger", args=[self.plan.pk])
        response = self.client.get(
            url, {"round": self.older.pk, "unit": self.tax.pk, "status": "draft"}
        )
        self.assertEqual([row.task.number for row in response.context["rows"]], [5])
        response = self.client.get(url, {"round": self.older.pk, "status": "behind"})
        self.assertEqual([row.task.number for row in response.context["rows"]], [8])
        # A value that matches nothing is ignored.
        response = self.client.get(url, {"status": "nonsense", "category": "999999"})
        self.assertEqual(len(response.context["rows"]), 8)

    def test_it_pages_the_rows(self) -> None:
        self.login(self.supervisor)
        with mock.patch("ledger.rows.PAGE_SIZE", 3):
            response = self.client.get(reverse("plan_ledger", args=[self.plan.pk]), {"page": 3})
        self.assertEqual(
            [(r.round.period, r.task.number) for r in response.context["rows"]],
            [("2023年12月", 8), ("2023年12月", 20)],
        )
        self.assertContains(response, "第 3 页，共 3 页")

    def test_a_liaison_sees_only_the_tasks_of_their_unit(self) -> None:
        self.login(self.co_liaison)
        response = self.client.get(
            reverse("plan_ledger", args=[self.plan.pk]), {"unit": self.gongxin.pk}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [(r.round.period, r.task.number) for r in response.context["rows"]],
            [("2024年1月", 5), ("2023年12月", 5)],
        )
        self.assertContains(response, "显示市税务局承担的任务。")

    def test_an_unrelated_units_liaison_gets_404_on_every_url(self) -> None:
        self.login(self.unrelated_liaison)
        denied = AuditEvent.objects.filter(
            action="access.denied", username=self.unrelated_liaison.username
        )
        urls = [
            reverse("plan_ledger", args=[self.plan.pk]),
            reverse("plan_ledger_xlsx", args=[self.plan.pk]),
            reverse("round_excel", args=[self.older.pk]),
            reverse("round_excel", args=[self.older.pk]) + f"?unit={self.gongxin.pk}",
            reverse("round_excel_upload", args=[self.older.pk]),
        ]
        for url in urls:
            with self.subTest(url=url):
                before = denied.count()
                self.assertEqual(self.client.get(url).status_code, 404)
                self.assertEqual(denied.count(), before + 1)
        before = denied.count()
        response = self.client.post(reverse("round_excel_upload", args=[self.older.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(denied.count(), before + 1)

    def test_a_liaison_gets_only_their_own_units_sheet(self) -> None:
        self.login(self.co_liaison)
        url = reverse("round_excel", args=[self.older.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.get(url, {"unit": self.tax.pk}).status_code, 200)
        response = self.client.get(url, {"unit": self.gongxin.pk})
        self.assertEqual(response.status_code, 404)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="access.denied",
                username=self.co_liaison.username,
                object_id=str(report_of(self.older, self.gongxin).pk),
            ).exists()
        )

    def test_a_supervisor_gets_any_units_sheet(self) -> None:
        self.login(self.supervisor)
        url = reverse("round_excel", args=[self.older.pk])
        for unit in (self.gongxin, self.tax, self.county):
            response = self.client.get(url, {"unit": unit.pk})
            self.assertEqual(response.status_code, 200, unit)
            self.assertEqual(
                response["Content-Type"],
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        # 市审计局 has no report in the round.
        self.assertEqual(self.client.get(url, {"unit": self.audit_office.pk}).status_code, 404)

    def test_only_a_liaison_of_the_unit_may_upload(self) -> None:
        url = reverse("round_excel_upload", args=[self.older.pk])
        for person in (self.supervisor, self.reader, self.leader):
            with self.subTest(person=person.username):
                self.login(person)
                self.assertEqual(self.client.get(url).status_code, 404)
                self.assertEqual(self.client.post(url).status_code, 404)
        self.login(self.lead_liaison)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "上传填报表")
        self.assertContains(response, reverse("round_excel", args=[self.older.pk]))

    def test_the_round_page_links_to_the_ledger_of_the_round(self) -> None:
        self.login(self.supervisor)
        response = self.client.get(reverse("round_detail", args=[self.older.pk]))
        self.assertContains(
            response, reverse("plan_ledger", args=[self.plan.pk]) + f"?round={self.older.pk}"
        )


class QueryCountTests(PlanTestCase):
    """The ledger and the round page run the same queries for 8 tasks in 3 rounds,
    with values, evidence and meeting follow-ups, as for 2 tasks in 1 round."""

    def open_round(self, period: str, opens_on: datetime.date) -> Round:
        rnd = round_create(
            plan=self.plan,
            by=self.supervisor,
            period=period,
            opens_on=opens_on,
            deadline=datetime.date(2024, 2, 5),
            today=TODAY,
        )
        report = report_of(rnd, self.gongxin)
        data = {}
        for entry in report.entries.filter(is_lead=True).select_related("task"):
            task = entry.task
            data[task.pk] = EntryInput(
                progress=f"任务{task.number}本期进展。",
                schedule="on",
                problems="无",
                next_steps="继续推进。",
                values=target_values(task, "10", "1"),
            )
            ReportFile.objects.create(
                entry=entry,
                file=f"rounds/{rnd.pk}/{task.pk}.pdf",
                original_name=f"任务{task.number}佐证.pdf",
                content_type="application/pdf",
                size=10,
                uploaded_by=self.lead_liaison,
            )
        report_save(report=report, by=self.lead_liaison, data=data)
        return rnd

    def dispatch(self, *numbers: int) -> None:
        tasks = [self.plan.tasks.get(number=n) for n in numbers]
        task_dispatch(tasks=tasks, by=self.supervisor, today=TODAY)

    def follow_up(self, number: int) -> None:
        task = self.plan.tasks.get(number=number)
        meeting_record(
            plan=self.plan,
            by=self.supervisor,
            held_on=datetime.date(2024, 1, 5),
            place="市政府",
            chair="副市长 王某某",
            units=[self.gongxin],
            attendees="",
            tasks=[task],
            summary="",
            decisions=[DecisionInput(f"推进任务{number}。", self.gongxin, TODAY, task)],
        )

    def queries(self, user, url: str) -> int:
        self.client.force_login(user)
        self.client.get(url)  # caches warmed (content types, permissions)
        with CaptureQueriesContext(connection) as context:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(context)

    def test_the_ledger_and_round_pages_need_the_same_queries_at_two_sizes(self) -> None:
        # Small: tasks 4 and 8 (市工业和信息化局 leads both), one round.
        self.dispatch(4, 8)
        first = self.open_round("2023年12月", datetime.date(2023, 12, 20))
        self.follow_up(4)
        ledger = reverse("plan_ledger", args=[self.plan.pk])
        pages = {
            "ledger": ledger,
            "ledger of a round": f"{ledger}?round={first.pk}",
            "ledger of a unit": f"{ledger}?unit={self.gongxin.pk}&status=on",
            "round": reverse("round_detail", args=[first.pk]),
        }
        people = [self.supervisor, self.lead_liaison, self.county_liaison]
        small = {
            (name, person.username): self.queries(person, url)
            for name, url in pages.items()
            for person in people
        }
        # Large: 8 tasks, three rounds, more units, more follow-ups.
        self.dispatch(5, 6, 10, 12, 17, 18)
        self.open_round("2024年1月上", datetime.date(2024, 1, 1))
        last = self.open_round("2024年1月下", TODAY)
        for number in (6, 10, 12):
            self.follow_up(number)
        self.assertEqual(last.tasks.count(), 8)
        pages["ledger of a round"] = f"{ledger}?round={last.pk}"
        pages["round"] = reverse("round_detail", args=[last.pk])
        for name, url in pages.items():
            for person in people:
                with self.subTest(page=name, person=person.username):
                    self.client.force_login(person)
                    with self.assertNumQueries(small[(name, person.username)]):
                        response = self.client.get(url)
                    self.assertEqual(response.status_code, 200)
        # The large ledger did list everything.
        self.client.force_login(self.supervisor)
        self.assertEqual(len(self.client.get(ledger).context["rows"]), 2 + 8 + 8)
