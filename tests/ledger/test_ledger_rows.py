"""The ledger selector: one row per task and round from the lead unit's entry, its
filters, and what each person may see."""

import datetime

from ledger.rows import LedgerFilters, ledger_rows, ledger_rows_all
from meetings.services import DecisionInput, meeting_record
from rounds.models import Entry, ReportFile, UnitReport
from tests.ledger.base import TODAY, LedgerTestCase, entry_of, report_of
from workflow.models import TaskProcess


class LedgerRowsTests(LedgerTestCase):
    def rows(self, user=None, **filters):
        page = ledger_rows(plan=self.plan, user=user or self.supervisor, today=TODAY, **filters)
        return [(row.round.period, row.task.number) for row in page.rows]

    def test_it_has_one_row_per_task_and_round_newest_round_first(self) -> None:
        self.assertEqual(
            self.rows(),
            [
                ("2024年1月", 4),
                ("2024年1月", 5),
                ("2024年1月", 8),
                ("2024年1月", 20),
                ("2023年12月", 4),
                ("2023年12月", 5),
                ("2023年12月", 8),
                ("2023年12月", 20),
            ],
        )

    def test_it_filters_the_rows_of_reports_sent_or_not(self) -> None:
        # 市工业和信息化局 (lead of tasks 4 and 8) has sent its December report.
        UnitReport.objects.filter(round=self.older, unit=self.gongxin).update(
            sent_at=datetime.datetime(2024, 1, 3, 9, tzinfo=datetime.UTC)
        )
        sent = {
            (report.round.period, entry.task.number)
            for report in UnitReport.objects.filter(sent_at__isnull=False).select_related("round")
            for entry in report.entries.filter(is_lead=True).select_related("task")
        }
        every = set(self.rows())
        self.assertEqual(set(self.rows(reported="yes")), every & sent)
        self.assertEqual(set(self.rows(reported="no")), every - sent)
        self.assertEqual(every & sent, {("2023年12月", 4), ("2023年12月", 8)})
        # A value it does not understand filters nothing.
        self.assertEqual(set(self.rows(reported="maybe")), every)

    def test_a_row_holds_the_lead_units_entry_and_the_tasks_facts(self) -> None:
        page = ledger_rows(plan=self.plan, user=self.supervisor, round=self.older, today=TODAY)
        row = next(r for r in page.rows if r.task.number == 4)
        self.assertEqual(row.pk, entry_of(self.older, self.t4).pk)
        self.assertEqual(row.facts.lead_units, ["市工业和信息化局"])
        self.assertEqual(row.facts.co_units, ["各县(市、区)政府"])
        self.assertIn("每年新增工业企业研发机构80家", row.facts.requirements)
        self.assertEqual(
            row.facts.complete_by, TaskProcess.objects.get(plan_task=self.t4).complete_by
        )
        self.assertEqual(row.progress, "新增工业企业研发机构85家。")
        self.assertEqual(row.schedule_label, "超进度")
        self.assertEqual(
            row.values, [("新增工业企业研发机构", "85家"), ("省技术创新示范企业", "2家")]
        )
        self.assertEqual(
            row.progress_text,
            "新增工业企业研发机构85家。\n新增工业企业研发机构：85家\n省技术创新示范企业：2家",
        )
        task5 = next(r for r in page.rows if r.task.number == 5)
        self.assertEqual(task5.facts.lead_units, ["市科技局"])
        self.assertEqual(
            task5.facts.co_units,
            ["市市场监管局", "市工业和信息化局", "市税务局", "各县(市、区)政府"],
        )

    def test_it_filters_by_round_category_unit_and_status(self) -> None:
        self.assertEqual(
            self.rows(round=self.newer),
            [("2024年1月", 4), ("2024年1月", 5), ("2024年1月", 8), ("2024年1月", 20)],
        )
        self.assertEqual(
            self.rows(round=self.older, category=self.t20.category), [("2023年12月", 20)]
        )
        # 市税务局 is a co-unit of task 5 only; a county answers for every task (the group).
        self.assertEqual(self.rows(round=self.older, unit=self.tax), [("2023年12月", 5)])
        self.assertEqual(len(self.rows(round=self.older, unit=self.county)), 4)
        self.assertEqual(
            self.rows(round=self.older, unit=self.gongxin),
            [("2023年12月", 4), ("2023年12月", 5), ("2023年12月", 8)],
        )
        # By the progress against schedule, and by the entry's review status.
        self.assertEqual(self.rows(round=self.older, status="behind"), [("2023年12月", 8)])
        entry_of(self.older, self.t5).__class__.objects.filter(
            pk=entry_of(self.older, self.t5).pk
        ).update(status=Entry.Status.APPROVED)
        self.assertEqual(self.rows(status="approved"), [("2023年12月", 5)])
        # 市工业和信息化局's two lead entries were sent; the other six are drafts.
        self.assertEqual(len(self.rows(status="draft")), 5)

    def test_a_liaison_sees_only_the_tasks_of_their_unit(self) -> None:
        self.assertEqual(self.rows(self.co_liaison, round=self.older), [("2023年12月", 5)])
        self.assertEqual(
            self.rows(self.lead_liaison, round=self.older),
            [("2023年12月", 4), ("2023年12月", 5), ("2023年12月", 8)],
        )
        self.assertEqual(self.rows(self.unrelated_liaison), [])
        # The unit filter cannot widen it.
        self.assertEqual(
            self.rows(self.co_liaison, round=self.older, unit=self.gongxin), [("2023年12月", 5)]
        )
        self.assertEqual(len(self.rows(self.county_liaison, round=self.older)), 4)

    def test_remarks_tell_of_lateness_returns_and_open_meeting_follow_ups(self) -> None:
        UnitReport.objects.filter(pk=report_of(self.older, self.gongxin).pk).update(
            sent_at=datetime.datetime(2024, 1, 13, 9, tzinfo=datetime.UTC), late_days=3
        )
        Entry.objects.filter(pk=entry_of(self.older, self.t8).pk).update(
            status=Entry.Status.RETURNED, times_returned=2, return_reason="数据口径不一致。"
        )
        meeting_record(
            plan=self.plan,
            by=self.supervisor,
            held_on=datetime.date(2024, 1, 5),
            place="市政府",
            chair="副市长 王某某",
            units=[self.gongxin],
            attendees="",
            tasks=[self.t4],
            summary="",
            decisions=[
                DecisionInput(
                    "一月底前完成研发机构摸底。", self.gongxin, datetime.date(2024, 1, 31), self.t4
                )
            ],
        )
        page = ledger_rows(plan=self.plan, user=self.supervisor, round=self.older, today=TODAY)
        remarks = {row.task.number: row.remarks for row in page.rows}
        self.assertEqual(
            remarks[4],
            [
                "逾期3天报送。",
                "现场调度会（2024-01-05）议定事项：一月底前完成研发机构摸底。（限2024-01-31）",
            ],
        )
        self.assertEqual(remarks[8], ["逾期3天报送。", "退回2次。", "退回原因：数据口径不一致。"])
        # Past the deadline with nothing sent: the report is missing.
        late = ledger_rows(
            plan=self.plan, user=self.supervisor, round=self.older, today=datetime.date(2024, 1, 11)
        )
        self.assertEqual(
            {row.task.number: row.remarks[0] for row in late.rows if row.task.number == 20},
            {20: "逾期未报送（截止2024-01-10）。"},
        )

    def test_evidence_lists_the_entrys_file_names(self) -> None:
        ReportFile.objects.create(
            entry=entry_of(self.older, self.t4),
            file="rounds/1/1/a.pdf",
            original_name="研发机构名单.pdf",
            content_type="application/pdf",
            size=10,
            uploaded_by=self.lead_liaison,
        )
        page = ledger_rows(plan=self.plan, user=self.supervisor, round=self.older, today=TODAY)
        self.assertEqual(page.rows[0].file_names, ["研发机构名单.pdf"])

    def test_the_export_reads_every_row_in_chunks(self) -> None:
        rows = ledger_rows_all(
            plan=self.plan, user=self.lead_liaison, filters=LedgerFilters(), chunk_size=2
        )
        self.assertEqual(
            [(row.round.period, row.task.number) for row in rows],
            [
                ("2024年1月", 4),
                ("2024年1月", 5),
                ("2024年1月", 8),
                ("2023年12月", 4),
                ("2023年12月", 5),
                ("2023年12月", 8),
            ],
        )

    def test_a_page_holds_at_most_the_page_size(self) -> None:
        page = ledger_rows(plan=self.plan, user=self.supervisor, page=2, per_page=3, today=TODAY)
        self.assertEqual(page.page.paginator.count, 8)
        self.assertEqual(
            [(r.round.period, r.task.number) for r in page.rows],
            [("2024年1月", 20), ("2023年12月", 4), ("2023年12月", 5)],
        )
