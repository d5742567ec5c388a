"""The exports read back: the workbook with openpyxl, the official document's text
extracted from the PDF."""

import datetime
import io

from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from assessment import services
from assessment.jobs import assessment_pdf_job
from assessment.models import Assessment
from assessment.views import _record_export
from jobs.models import Job
from tests.assessment.base import YearTestCase, at
from tests.audit_coverage import audited
from tests.documents.pdfs import ReadPdf


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def pdf_of(client, assessment: Assessment) -> bytes:  # type: ignore[no-untyped-def]
    """The official PDF through the page: the plan's units are more than
    ASSESSMENT_PDF_INLINE_MAX_UNITS, so it is a job (run in the request in the tests)
    whose page leads to the file."""
    response = client.get(reverse("assessment_pdf", args=[assessment.pk]))
    job = Job.objects.get(kind="assessment.pdf", params={"assessment": assessment.pk})
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    response = client.get(reverse("job_file", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return body(response)


class ExportTests(YearTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        assessment = services.assessment_create(plan=cls.plan, year=2026, by=cls.supervisor)
        services.adjustment_add(
            assessment=assessment,
            by=cls.supervisor,
            unit=cls.keji,
            points="2",
            reason="获评省级质量标杆单位。",
        )
        now = at(datetime.date(2027, 1, 10))
        services.assessment_publicise(assessment=assessment, by=cls.supervisor, now=now, days=3)
        objection = services.objection_file(
            assessment=assessment, by=cls.lead_liaison, reason="任务8已按期办结。", now=now
        )
        services.objection_answer(
            objection=objection,
            by=cls.supervisor,
            accept=True,
            reply="经核实予以更正。",
            points="1.5",
            points_reason="任务8完成时间复核。",
            now=now,
        )
        cls.assessment = services.assessment_publish(
            assessment=assessment, by=cls.supervisor, now=at(datetime.date(2027, 1, 13))
        )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.login(self.supervisor)

    def test_the_workbook_has_the_ranking_and_the_breakdown(self) -> None:
        # Every unit's scores leaving the system is in the trail: who, which, what form.
        with audited(
            _record_export,
            action="assessment.export",
            by=self.supervisor,
            obj=self.assessment,
            summary={"format": "xlsx"},
            count=1,
        ):
            response = self.client.get(reverse("assessment_xlsx", args=[self.assessment.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertIn(".xlsx", response["Content-Disposition"])
        workbook = load_workbook(io.BytesIO(body(response)))
        self.assertEqual(workbook.sheetnames, ["Ranking", "Breakdown"])
        ranking = workbook["Ranking"]
        self.assertIn("A1:L1", {str(cells) for cells in ranking.merged_cells.ranges})
        self.assertIn("考核〔2027〕1号", ranking["A2"].value)
        self.assertEqual(ranking.freeze_panes, "C4")
        self.assertEqual(ranking.print_title_rows, "$3:$3")
        header = [cell.value for cell in ranking[3]]
        self.assertEqual(header[:3], ["Rank", "Unit", "On-time report rate (25)"])
        self.assertEqual(header[-3:], ["Bonus and deductions", "Total", "Grade"])
        rows = {row[1]: row for row in ranking.iter_rows(min_row=4, values_only=True)}
        gongxin = rows["市工业和信息化局"]
        # 12.5 + 8 + 6.67 + 10 + 6 + 5 + 0, and 1.5 from the accepted objection.
        self.assertEqual(list(gongxin[2:9]), [12.5, 8, 6.67, 10, 6, 5, 0])
        self.assertEqual((gongxin[9], gongxin[10], gongxin[11]), (1.5, 49.67, "Poor"))
        keji = rows["市科技局"]
        self.assertEqual((keji[9], keji[10], keji[11]), (2, 82, "Good"))
        self.assertEqual(keji[0], min(row[0] for row in rows.values() if row[10] == 82))
        self.assertEqual(gongxin[0], len(rows))  # the last

        details = workbook["Breakdown"]
        lines = [row for row in details.iter_rows(min_row=4, values_only=True)]
        mine = [row for row in lines if row[0] == "市工业和信息化局"]
        texts = [row[4] for row in mine]
        self.assertIn("Reports on time: 2 of 4 (late: 1, not sent: 1).", texts)
        self.assertIn(
            "2026年6月 report: sent on 2026-07-08, 3 days late (deadline 2026-07-05).", texts
        )
        self.assertIn(
            "2026年3月 report, task 8 returned on 2026-04-04: 技改项目数据不全，请补充。", texts
        )
        notice = next(row for row in mine if row[4].startswith(self.notice_may.doc_number))
        self.assertEqual(notice[5], -2.5)
        self.assertIn("任务8完成时间复核。 (objection accepted)", texts)
        heading = next(row for row in lines if row[0] and row[0].startswith("市工业和信息化局:"))
        self.assertEqual(heading[0], f"市工业和信息化局: 49.67 points, rank {gongxin[0]}, Poor")

    def test_the_pdf_is_the_official_document_with_the_results(self) -> None:
        with audited(
            assessment_pdf_job,
            action="assessment.export",
            by=self.supervisor,
            obj=self.assessment,
            summary={"format": "pdf"},
        ):
            pdf = ReadPdf(pdf_of(self.client, self.assessment))
        self.addCleanup(pdf.close)
        text = pdf.text().replace("\n", "").replace(" ", "")
        for expected in (
            settings.WORKING_GROUP_NAME,
            "考核〔2027〕1号",
            "关于2026年度质量强市建设工作考核结果的通报",
            "一、考核办法",
            "按时报送率",
            "二、考核结果",
            "三、各单位得分情况",
            "市工业和信息化局",
            "总分49.67分",
            "等次为较差",
            "应报4次，按期2次，逾期1次，未报1次",
            "亮红灯2次（2026年3月、2026年9月），每次扣2分",
            "任务8完成时间复核。（异议复核）",
            "总分82分",
            "2027年1月13日印发",
        ):
            self.assertIn(expected, text)
        self.assertEqual(pdf.pages_containing("抄送："), [len(pdf.pages)])
        # The counties tie at 75: each is said to share its place; the last is alone.
        scores = list(self.assessment.scores.all())
        county = next(s for s in scores if s.unit.name == "临城县政府")
        self.assertGreater(sum(1 for s in scores if s.rank == county.rank), 1)
        self.assertIn(f"临城县政府总分75分，排名并列第{county.rank}名", text)
        self.assertIn(f"总分49.67分，排名第{len(scores)}名", text)

    def test_the_draft_exports_say_they_are_drafts(self) -> None:
        draft = services.assessment_create(plan=self.plan, year=2025, by=self.supervisor)
        pdf = ReadPdf(pdf_of(self.client, draft))
        self.addCleanup(pdf.close)
        self.assertIn("（草稿）", pdf.text())
        self.assertIn("2025年度参加考核单位", pdf.text().replace("\n", ""))
        self.assertEqual(Assessment.objects.get(pk=draft.pk).status, Assessment.Status.DRAFT)

    def test_a_pdf_of_few_units_downloads_at_once(self) -> None:
        with override_settings(ASSESSMENT_PDF_INLINE_MAX_UNITS=10_000):
            response = self.client.get(reverse("assessment_pdf", args=[self.assessment.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(body(response).startswith(b"%PDF"))
        self.assertFalse(Job.objects.exists())
