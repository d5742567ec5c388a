"""A unit's round sheet for offline filling: download it, fill it in Excel, upload it
back; a faulty sheet is refused whole, with every faulty cell named."""

import io
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from ledger.sheet_reader import SheetError, SheetRejected, report_import_xlsx
from rounds.models import Entry, ReportEvent, Round, TargetValue, UnitReport
from tests.audit_coverage import audited
from tests.ledger.base import LedgerTestCase, entry_of, report_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SheetTestCase(LedgerTestCase):
    sent = False  # 市工业和信息化局's December report is still its draft, to fill offline

    def download(self, rnd: Round, user: Any = None, **params: Any) -> bytes:
        self.login(user or self.lead_liaison)
        response = self.client.get(reverse("round_excel", args=[rnd.pk]), params)
        self.assertEqual(response.status_code, 200)
        return b"".join(response.streaming_content)

    def fill(self, data: bytes, edits: dict[tuple[int, str], Any]) -> bytes:
        """The workbook with the cells (sheet index, "C4") set, as Excel would save it."""
        workbook = load_workbook(io.BytesIO(data))
        for (index, cell), value in edits.items():
            workbook.worksheets[index][cell] = value
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    def upload(self, rnd: Round, data: bytes, user: Any = None) -> Any:
        self.login(user or self.lead_liaison)
        upload = SimpleUploadedFile("填报表.xlsx", data, XLSX)
        return self.client.post(reverse("round_excel_upload", args=[rnd.pk]), {"sheet": upload})

    def errors(self, response: Any) -> list[tuple[str, str, str]]:
        self.assertEqual(response.status_code, 200)
        return [(e.sheet, e.cell, e.message) for e in response.context["errors"]]

    def state(self) -> list[Any]:
        """Everything an upload could change."""
        return [
            list(
                Entry.objects.order_by("pk").values_list(
                    "pk", "progress", "schedule", "problems", "next_steps", "status", "updated_at"
                )
            ),
            list(TargetValue.objects.order_by("pk").values_list("pk", "entry_id", "value")),
            ReportEvent.objects.count(),
            AuditEvent.objects.filter(action__startswith="report.").count(),
        ]


class SheetDownloadTests(SheetTestCase):
    def test_the_sheet_holds_the_units_tasks_and_indicators_prefilled(self) -> None:
        workbook = load_workbook(io.BytesIO(self.download(self.older)))
        self.assertEqual(workbook.sheetnames, ["填报", "指标", "_meta"])
        sheet, values, meta = workbook.worksheets
        self.assertEqual(meta.sheet_state, "hidden")
        self.assertTrue(workbook.security.lockStructure)
        self.assertIn("市工业和信息化局 2023年12月调度填报表", sheet["A1"].value)
        self.assertEqual(
            [cell.value for cell in sheet[3]],
            ["序号", "任务", "本期进展", "序时进度", "存在问题", "下步打算", "状态"],
        )
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
        self.assertEqual([row[0] for row in rows], [4, 5, 8])
        self.assertEqual(
            rows[0][2:6],
            ["新增工业企业研发机构85家。", "超进度", "资金缺口较大。", "继续推进研发机构建设。"],
        )
        self.assertEqual(rows[2][3], "欠进度")
        # 序时进度 from a list; the editable cells unlocked, the rest protected.
        (validation,) = sheet.data_validations.dataValidation
        self.assertEqual(validation.formula1, '"欠进度,达进度,超进度,已完成"')
        self.assertEqual(str(validation.sqref), "D4:D6")
        self.assertTrue(sheet.protection.sheet)
        self.assertFalse(sheet["C4"].protection.locked)
        self.assertTrue(sheet["B4"].protection.locked)
        self.assertEqual(
            [[c.value for c in row][:5] for row in values.iter_rows(min_row=1)],
            [
                ["序号", "指标", "目标值", "计量单位", "本期数值"],
                [4, "新增工业企业研发机构", "不低于 80（每年）", "家", 85],
                [4, "省技术创新示范企业", "不低于 3（每年）", "家", 2],
                # Task 5 is a co-unit part: its indicators are the lead unit's to report.
                [8, "实施技改项目", "不低于 500（每年）", "项", None],
                [8, "设计赋能产品", "不低于 20（每年）", "个", None],
            ],
        )
        self.assertTrue(values.column_dimensions["F"].hidden)
        facts = {row[0].value: row[1].value for row in meta.iter_rows()}
        report = report_of(self.older, self.gongxin)
        self.assertEqual(
            (facts["round"], facts["unit"], facts["report"]),
            (self.older.pk, self.gongxin.pk, report.pk),
        )
        self.assertEqual(workbook.custom_doc_props["ledger_round"].value, self.older.pk)
        self.assertEqual(workbook.custom_doc_props["ledger_unit"].value, self.gongxin.pk)


class SheetUploadTests(SheetTestCase):
    def test_a_filled_sheet_comes_back_into_the_report(self) -> None:
        data = self.fill(
            self.download(self.newer),
            {
                (0, "C4"): "一月份新增研发机构12家。",
                (0, "D4"): "达进度",
                (0, "E4"): None,
                (0, "F4"): "二月完成摸底。",
                (0, "D6"): "已完成",
                (1, "E2"): 12,
                (1, "E3"): "1",
                (1, "E4"): 320.5,
                (1, "E5"): "6个",
            },
        )
        report = report_of(self.newer, self.gongxin)
        with audited(
            report_import_xlsx,
            action="report.import",
            by=self.lead_liaison,
            obj=report,
            client_ip="127.0.0.1",
            summary={"tasks": [4, 5, 8]},
        ):
            response = self.upload(self.newer, data)
        self.assertRedirects(
            response, reverse("report_detail", args=[report.pk]), fetch_redirect_response=False
        )
        task4 = entry_of(self.newer, self.t4)
        self.assertEqual(
            (task4.progress, task4.schedule, task4.problems, task4.next_steps),
            ("一月份新增研发机构12家。", "on", "", "二月完成摸底。"),
        )
        self.assertEqual(task4.updated_by, self.lead_liaison)
        task8 = entry_of(self.newer, self.t8)
        # A new round starts empty: only what the sheet gave is there.
        self.assertEqual((task8.progress, task8.schedule), ("", "done"))
        values = {
            (v.entry.task.number, v.target.indicator): v.value
            for v in TargetValue.objects.filter(entry__report=report).select_related(
                "entry__task", "target"
            )
        }
        self.assertEqual(
            values,
            {
                (4, "新增工业企业研发机构"): Decimal(12),
                (4, "省技术创新示范企业"): Decimal(1),
                (8, "实施技改项目"): Decimal("320.5"),
                (8, "设计赋能产品"): Decimal(6),
            },
        )
        # The co-unit part (task 5) stays as it was.
        part = Entry.objects.get(report=report, task=self.t5)
        self.assertEqual(part.progress, "")
        self.assertTrue(
            ReportEvent.objects.filter(
                report=report, action=ReportEvent.Action.IMPORT, by=self.lead_liaison
            ).exists()
        )
        event = AuditEvent.objects.get(action="report.import")
        self.assertEqual(event.username, self.lead_liaison.username)
        self.assertEqual(event.object_id, str(report.pk))
        self.assertEqual(event.client_ip, "127.0.0.1")
        self.assertEqual(event.summary["tasks"], [4, 5, 8])

    def test_a_faulty_sheet_lists_every_faulty_cell_and_changes_nothing(self) -> None:
        # The older round's sheet, uploaded to the newer round, with faults of every kind.
        data = self.fill(
            self.download(self.older),
            {
                (0, "C4"): "长" * 2001,
                (0, "D5"): "差不多",
                (0, "A7"): "99",
                (0, "C7"): "不存在的任务。",
                (0, "A8"): 20,
                (0, "C8"): "别人的任务。",
                (1, "E2"): "八十",
                (1, "E3"): -1,
            },
        )
        before = self.state()
        response = self.upload(self.newer, data)
        self.assertEqual(
            self.errors(response),
            [
                (
                    "填报",
                    "A1",
                    "该表属于其他调度期次（2023年12月），不是2024年1月的，请下载本期填报表。",
                ),
                ("填报", "C4", "本期进展共2001字，超过2000字的上限。"),
                (
                    "填报",
                    "D5",
                    "“差不多”不是有效的序时进度，请选择欠进度、达进度、超进度、已完成。",
                ),
                ("填报", "A7", "方案中没有序号为99的任务。"),
                ("填报", "A8", "任务20不是本单位在本期调度中承担的任务。"),
                ("指标", "E2", "任务4：“八十”不是有效数值（新增工业企业研发机构）。"),
                ("指标", "E3", "任务4：省技术创新示范企业不能为负数。"),
            ],
        )
        self.assertContains(response, "填报表未保存：有 7 处问题需要修改。")
        self.assertEqual(self.state(), before)

    def test_the_service_refuses_the_same_sheet_with_the_same_errors(self) -> None:
        data = self.fill(self.download(self.newer), {(1, "E2"): "abc"})
        before = self.state()
        with self.assertRaises(SheetRejected) as caught:
            report_import_xlsx(
                report=report_of(self.newer, self.gongxin), by=self.lead_liaison, data=data
            )
        self.assertEqual(
            caught.exception.errors,
            [SheetError("指标", "E2", "任务4：“abc”不是有效数值（新增工业企业研发机构）。")],
        )
        self.assertEqual(self.state(), before)

    def test_another_units_sheet_is_recognised(self) -> None:
        data = self.download(self.newer, self.supervisor, unit=self.tax.pk)
        before = self.state()
        response = self.upload(self.newer, data)
        self.assertEqual(
            self.errors(response),
            [("填报", "A1", "该表是其他单位（市税务局）的填报表，不是市工业和信息化局的。")],
        )
        self.assertEqual(self.state(), before)

    def test_an_approved_task_cannot_be_changed_through_the_sheet(self) -> None:
        report = report_of(self.older, self.gongxin)
        UnitReport.objects.filter(pk=report.pk).update(state=UnitReport.Status.RETURNED)
        Entry.objects.filter(pk=entry_of(self.older, self.t4).pk).update(
            status=Entry.Status.APPROVED
        )
        Entry.objects.filter(report=report, task=self.t8).update(status=Entry.Status.RETURNED)
        sheet = self.download(self.older)
        changed = self.fill(sheet, {(0, "C4"): "改动已审核的内容。", (1, "E2"): 90})
        before = self.state()
        self.assertEqual(
            self.errors(self.upload(self.older, changed)),
            [
                ("填报", "C4", "任务4已审核通过，不能修改。"),
                ("指标", "E2", "任务4已审核通过，不能修改。"),
            ],
        )
        self.assertEqual(self.state(), before)
        # Left as downloaded, the approved row passes and the returned one is saved.
        fixed = self.fill(sheet, {(0, "C6"): "实施技改项目330项。"})
        self.assertEqual(self.upload(self.older, fixed).status_code, 302)
        self.assertEqual(entry_of(self.older, self.t8).progress, "实施技改项目330项。")
        self.assertEqual(entry_of(self.older, self.t4).progress, "新增工业企业研发机构85家。")

    def test_a_report_not_with_the_unit_takes_no_upload(self) -> None:
        data = self.download(self.newer)
        UnitReport.objects.filter(pk=report_of(self.newer, self.gongxin).pk).update(
            state=UnitReport.Status.SIGNING
        )
        self.login(self.lead_liaison)
        page = self.client.get(reverse("round_excel_upload", args=[self.newer.pk]))
        self.assertContains(page, "该报告当前不在本单位填报环节，不能上传。")
        before = self.state()
        self.assertEqual(
            self.errors(self.upload(self.newer, data)),
            [("", "", "该报告当前不在本单位填报环节，不能修改。")],
        )
        self.assertEqual(self.state(), before)

    def test_a_file_that_is_not_a_workbook_is_refused(self) -> None:
        before = self.state()
        for data in (b"hello", b"PK\x03\x04broken", b""):
            with self.subTest(data=data):
                response = self.upload(self.newer, data)
                self.assertEqual(
                    self.errors(response), [("", "", "文件不是 Excel 工作簿（.xlsx）。")]
                )
        self.assertEqual(self.state(), before)

    def test_a_sheet_downloaded_in_english_comes_back(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        data = self.download(self.newer)
        self.assertEqual(
            load_workbook(io.BytesIO(data)).sheetnames[:2], ["Report sheet", "Indicators"]
        )
        del self.client.cookies[settings.LANGUAGE_COOKIE_NAME]
        response = self.upload(self.newer, self.fill(data, {(0, "D4"): "on schedule"}))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(entry_of(self.newer, self.t4).schedule, "on")
