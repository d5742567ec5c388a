"""A unit's words reach other units and the city only once its leader has signed them
off to the working group: the ledger page, its export, a unit's round sheet and the
report page show another unit's draft by its state alone (rounds.selectors)."""

import io
import shutil
import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from rounds.models import ReportFile
from rounds.services import EntryInput, report_save
from tests.ledger.base import LedgerTestCase, report_of, send_report, target_values

DRAFT = "一月草稿尚未报送。"
PROBLEM = "草稿里的问题。"
MEDIA = tempfile.mkdtemp(prefix="unsent-drafts-")


@override_settings(MEDIA_ROOT=MEDIA)
class UnsentDraftTests(LedgerTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.draft = report_of(cls.newer, cls.gongxin)
        report_save(
            report=cls.draft,
            by=cls.lead_liaison,
            data={
                cls.t4.pk: EntryInput(
                    progress=DRAFT,
                    schedule="done",
                    problems=PROBLEM,
                    values=target_values(cls.t4, "977"),
                )
            },
        )
        cls.file = ReportFile.objects.create(
            entry=cls.draft.entries.get(task=cls.t4),
            file=SimpleUploadedFile("d.pdf", b"%PDF-1.4"),
            original_name="草稿佐证.pdf",
            content_type="application/pdf",
            size=8,
            uploaded_by=cls.lead_liaison,
        )

    def page(self, user, **params) -> str:  # type: ignore[no-untyped-def]
        response = self.login(user).get(reverse("plan_ledger", args=[self.plan.pk]), params)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def export_text(self, user) -> str:  # type: ignore[no-untyped-def]
        response = self.login(user).get(reverse("plan_ledger_xlsx", args=[self.plan.pk]))
        self.assertEqual(response.status_code, 200)
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        return "\n".join(
            str(value) for row in book.active.iter_rows(values_only=True) for value in row if value
        )

    def test_the_ledger_and_its_export_show_another_units_draft_by_its_state_only(self) -> None:
        # The county group answers for task 4 too: its counties read the row.
        for person in (self.supervisor, self.reader, self.county_liaison):
            with self.subTest(person=person.username):
                for text in (self.page(person), self.export_text(person)):
                    self.assertNotIn(DRAFT, text)
                    self.assertNotIn(PROBLEM, text)
                    self.assertNotIn("977", text)
                    self.assertNotIn("草稿佐证.pdf", text)
                # The draft's 序时进度 is not matched by the filter either.
                self.assertNotIn(DRAFT, self.page(person, status="done"))
        # The unit's own people read their draft.
        self.assertIn(DRAFT, self.page(self.lead_liaison))
        self.assertIn("草稿佐证.pdf", self.export_text(self.lead_liaison))
        # Once its leader signed it off, everyone on the task reads it.
        send_report(self.draft)
        for person in (self.supervisor, self.county_liaison):
            with self.subTest(person=person.username, sent=True):
                self.assertIn(DRAFT, self.page(person))
                self.assertIn(PROBLEM, self.export_text(person))

    def test_the_report_page_and_the_round_sheet_keep_a_draft_from_the_city(self) -> None:
        page = self.login(self.supervisor).get(reverse("report_detail", args=[self.draft.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, DRAFT)
        self.assertNotContains(page, "草稿佐证.pdf")
        self.assertContains(page, 'data-testid="not-released"')
        response = self.client.get(
            reverse("round_excel", args=[self.newer.pk]), {"unit": self.gongxin.pk}
        )
        self.assertEqual(response.status_code, 200)
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        cells = [v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
        self.assertNotIn(DRAFT, cells)
        self.assertNotIn(977, cells)
        # The unit's own sheet is pre-filled with its draft.
        response = self.login(self.lead_liaison).get(reverse("round_excel", args=[self.newer.pk]))
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        cells = [v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
        self.assertIn(DRAFT, cells)
        self.assertIn(977, cells)
