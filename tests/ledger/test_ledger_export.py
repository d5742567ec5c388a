"""The ledger as an Excel workbook: the classic layout, and a file Excel and WPS open."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from rounds.models import Entry
from tests.ledger.base import LedgerTestCase, entry_of

HEADERS = [
    "序号",
    "任务",
    "牵头单位",
    "配合单位",
    "目标/任务要求",
    "完成时限",
    "本期进展",
    "序时进度",
    "存在问题",
    "下步打算",
    "佐证材料",
    None,  # 备注 spans both header rows
]


class LedgerExportTests(LedgerTestCase):
    def export(self, user=None, **params):
        self.login(user or self.supervisor)
        response = self.client.get(reverse("plan_ledger_xlsx", args=[self.plan.pk]), params)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        self.assertIn("attachment", response["Content-Disposition"])
        return load_workbook(io.BytesIO(b"".join(response.streaming_content)))

    def test_the_workbook_has_the_classic_layout(self) -> None:
        sheet = self.export(round=self.older.pk).active
        self.assertEqual(sheet["A1"].value, f"{self.plan.title}工作台账（2023年12月）")
        self.assertTrue(sheet["A1"].font.bold)
        self.assertIn(self.plan.doc_number, sheet["A2"].value)
        self.assertEqual(sheet["A3"].value, "任务基本情况")
        self.assertEqual(sheet["G3"].value, "本期推进情况")
        self.assertEqual(sheet["L3"].value, "备注")
        self.assertEqual([cell.value for cell in sheet[4]], HEADERS)
        merged = {str(r) for r in sheet.merged_cells.ranges}
        self.assertLessEqual({"A1:L1", "A2:L2", "A3:F3", "G3:K3", "L3:L4"}, merged)
        self.assertEqual(sheet.freeze_panes, "C5")
        self.assertEqual(sheet.column_dimensions["B"].width, 22)
        self.assertEqual(sheet.column_dimensions["E"].width, 46)
        self.assertEqual(sheet.column_dimensions["G"].width, 40)
        # Print: A4 landscape, one page wide, the header rows on every page.
        self.assertEqual(sheet.page_setup.orientation, "landscape")
        self.assertEqual(str(sheet.page_setup.paperSize), "9")
        self.assertEqual(sheet.page_setup.fitToWidth, 1)
        self.assertTrue(sheet.sheet_properties.pageSetUpPr.fitToPage)
        self.assertEqual(sheet.print_title_rows, "$3:$4")

    def test_rows_follow_under_their_category_wrapped_and_bordered(self) -> None:
        sheet = self.export(round=self.older.pk).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=5)]
        self.assertEqual(rows[0][0], str(self.t4.category))
        self.assertIn("A5:L5", {str(r) for r in sheet.merged_cells.ranges})
        task4 = next(r for r in rows if r[0] == 4)
        self.assertEqual(task4[1], self.t4.title)
        self.assertEqual(task4[2], "市工业和信息化局")
        self.assertEqual(task4[3], "各县(市、区)政府")
        self.assertIn("每年新增工业企业研发机构80家", task4[4])
        self.assertEqual(task4[5].date(), self.t4.process.complete_by)
        self.assertEqual(
            task4[6],
            "新增工业企业研发机构85家。\n新增工业企业研发机构：85家\n省技术创新示范企业：2家",
        )
        self.assertEqual(task4[7:10], ["超进度", "资金缺口较大。", "继续推进研发机构建设。"])
        numbers = [r[0] for r in rows if isinstance(r[0], int)]
        self.assertEqual(numbers, [4, 5, 8, 20])
        data = next(row for row in sheet.iter_rows(min_row=5) if row[0].value == 4)
        for cell in data:
            self.assertTrue(cell.alignment.wrap_text, cell.coordinate)
            self.assertEqual(cell.border.left.style, "thin", cell.coordinate)

    def test_across_rounds_each_round_has_a_heading_row(self) -> None:
        sheet = self.export().active
        self.assertEqual(sheet["A1"].value, f"{self.plan.title}工作台账（全部调度期次）")
        headings = [
            row[0].value
            for row in sheet.iter_rows(min_row=5)
            if isinstance(row[0].value, str) and "报送截止" in row[0].value
        ]
        self.assertEqual(
            headings, ["2024年1月（报送截止2024-02-05）", "2023年12月（报送截止2024-01-10）"]
        )

    def test_text_is_never_a_formula_and_control_characters_are_dropped(self) -> None:
        Entry.objects.filter(pk=entry_of(self.older, self.t8).pk).update(
            progress='=HYPERLINK("http://x")\x07完成', problems="\x08\x1b问题"
        )
        sheet = self.export(round=self.older.pk).active
        row = next(row for row in sheet.iter_rows(min_row=5) if row[0].value == 8)
        self.assertEqual(row[6].value, '=HYPERLINK("http://x")完成')
        self.assertEqual(row[6].data_type, "s")
        self.assertEqual(row[8].value, "问题")

    def test_a_liaison_exports_only_their_units_tasks(self) -> None:
        sheet = self.export(self.co_liaison).active
        numbers = [row[0].value for row in sheet.iter_rows(min_row=5) if row[0].data_type == "n"]
        self.assertEqual(numbers, [5, 5])
