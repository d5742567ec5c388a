"""A hostile or broken upload is refused early and cheaply: the workbook is streamed,
the reading stops at the first row past the report's own rows, and an over-long cell
is named. Nothing is written."""

import io
import random
import time
import zipfile

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from ledger.sheet_layout import FIRST_ROW, META_SHEET, SHEET_FORMAT, sheet_titles
from ledger.sheet_reader import (
    CELL_MAX,
    SHEET_ROW_SLACK,
    ReadBudget,
    SheetRejected,
    read_sheet,
)
from tests.ledger.base import report_of
from tests.ledger.test_sheet_round_trip import SheetTestCase

ROWS = 165_000


def too_many_rows(count: int) -> str:
    return _(
        "The sheet “%(sheet)s” has more rows than your unit's report (%(count)d): "
        "keep the rows as downloaded."
    ) % {"sheet": sheet_titles()[0], "count": count}


class SheetLimitTests(SheetTestCase):
    def huge_sheet(self, rows: int) -> bytes:
        """The unit's sheet as a program could write it, with `rows` task rows."""
        report = report_of(self.older, self.gongxin)
        workbook = Workbook(write_only=True)
        tasks_title, values_title = sheet_titles()
        tasks = workbook.create_sheet(tasks_title)
        for _row in range(FIRST_ROW - 1):
            tasks.append([])
        # A task number, a text and a number per row: 165,000 rows make 3.5 MB, the
        # size of the sheet the penetration test sent. Written in streaming mode, the
        # sheet has no <dimension> element, as a program's may not.
        words = "推进 完成 落实 加快 项目 建设 企业 改造 数字 产业 平台 服务".split()
        chosen = random.Random(7)
        for number in range(rows):
            text = chosen.choice(words) + str(chosen.randint(0, 99999))
            tasks.append([number % 40 + 1, text, chosen.randint(0, 10**6)])
        workbook.create_sheet(values_title)
        meta = workbook.create_sheet(META_SHEET)
        for fact in (
            ("format", SHEET_FORMAT),
            ("round", self.older.pk),
            ("unit", self.gongxin.pk),
            ("report", report.pk),
        ):
            meta.append(list(fact))
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()

    def test_a_sheet_of_165k_rows_is_refused_after_reading_a_few(self) -> None:
        data = self.huge_sheet(ROWS)
        self.assertGreater(len(data), 3_400_000)
        report = report_of(self.older, self.gongxin)
        budget = ReadBudget()
        started = time.monotonic()
        with self.assertRaises(SheetRejected) as caught:
            read_sheet(report, data, budget=budget)
        # Opening the workbook does not parse the whole sheet either (0.2 s here; 14 s
        # when openpyxl looked for the sheet's size to the end of its rows, 52 s before
        # the reading streamed).
        self.assertLess(time.monotonic() - started, 5)
        # 市工业和信息化局 answers for three tasks: the reading stops at the first row
        # past them and the slack, not at the sheet's end.
        self.assertLessEqual(budget.rows, 3 + SHEET_ROW_SLACK + 1)
        self.assertEqual(caught.exception.errors[-1].message, too_many_rows(3))
        # Through the page: one clear line, nothing written.
        before = self.state()
        self.assertEqual(self.errors(self.upload(self.older, data))[-1][2], too_many_rows(3))
        self.assertEqual(self.state(), before)

    def test_opening_the_sheet_reads_no_further_than_the_start_of_its_rows(self) -> None:
        # The 165k-row sheet with the end of its rows cut off: whatever parses the rows
        # to their end fails (openpyxl looked that far for a sheet's size when it has no
        # <dimension>, a whole pass over the sheet before the first row is read).
        data = self.huge_sheet(ROWS)
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                body = source.read(info)
                if info.filename == "xl/worksheets/sheet1.xml":
                    self.assertNotIn(b"<dimension", body)
                    body = body[: body.rindex(b"</sheetData>") - 50_000]
                target.writestr(info, body)
        budget = ReadBudget()
        with self.assertRaises(SheetRejected) as caught:
            read_sheet(report_of(self.older, self.gongxin), out.getvalue(), budget=budget)
        self.assertEqual(caught.exception.errors[-1].message, too_many_rows(3))
        self.assertLessEqual(budget.rows, 3 + SHEET_ROW_SLACK + 1)

    def test_reading_stops_when_the_time_is_up(self) -> None:
        data = self.huge_sheet(10)
        budget = ReadBudget(seconds=-1)
        with self.assertRaises(SheetRejected) as caught:
            read_sheet(report_of(self.older, self.gongxin), data, budget=budget)
        self.assertEqual(budget.rows, 1)
        self.assertEqual(
            caught.exception.errors[-1].message,
            _("The sheet took too long to read: it is not a filled sheet."),
        )

    def test_a_cell_longer_than_the_cap_is_refused_with_its_cell_named(self) -> None:
        data = self.download(self.older)
        workbook = load_workbook(io.BytesIO(data))
        workbook.worksheets[0]["B4"] = "长" * (CELL_MAX + 1)  # the task's title, not a text field
        workbook.worksheets[0]["C5"] = "进" * (CELL_MAX + 1)  # 本期进展
        out = io.BytesIO()
        workbook.save(out)
        before = self.state()
        errors = self.errors(self.upload(self.older, out.getvalue()))
        title = sheet_titles()[0]
        too_long = _("The cell holds %(length)d characters; at most %(max)d fit.")
        self.assertIn((title, "B4", too_long % {"length": CELL_MAX + 1, "max": CELL_MAX}), errors)
        self.assertIn(
            (title, "C5", f"本期进展共{CELL_MAX + 1}字，超过{CELL_MAX}字的上限。"), errors
        )
        self.assertEqual(self.state(), before)
