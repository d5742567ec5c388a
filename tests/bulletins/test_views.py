"""The bulletin pages through their URLs, as people click them."""

import io
import shutil
import tempfile

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from bulletins import services
from bulletins.models import Bulletin, BulletinReceipt
from rounds.models import Entry
from tests.bulletins.base import PERIOD, TODAY, RoundTestCase, at

MEDIA = tempfile.mkdtemp(prefix="bulletin-view-tests-")


@override_settings(MEDIA_ROOT=MEDIA)
class BulletinPageTests(RoundTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def issued(self) -> Bulletin:
        """Issued to 市工业和信息化局 only, not to the leadership."""
        bulletin = services.bulletin_draft(plan=self.plan, round=self.round, by=self.supervisor)
        services.bulletin_update(
            bulletin=bulletin,
            by=self.supervisor,
            opening=bulletin.opening,
            closing=bulletin.closing,
            picks=[],
            addressees=bulletin.addressees,
            distribution={"units": [self.gongxin.pk], "leadership": False, "copy_to": ""},
        )
        return services.bulletin_issue(
            bulletin=bulletin, by=self.supervisor, now=at(TODAY), confirmed=True
        )

    def test_a_supervisor_drafts_edits_and_issues_through_the_pages(self) -> None:
        self.client.force_login(self.supervisor)
        url = reverse("plan_bulletins", args=[self.plan.pk])
        response = self.client.post(url, {"round": self.round.pk})
        self.assertEqual(response.status_code, 302)
        bulletin = Bulletin.objects.get()
        page = self.client.get(reverse("bulletin_detail", args=[bulletin.pk]))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "一、总体进展情况")
        self.assertContains(page, "data:image/svg+xml;base64,")
        entry = Entry.objects.get(report__round=self.round, task=self.tasks[5], is_lead=True)
        response = self.client.post(
            reverse("bulletin_edit", args=[bulletin.pk]),
            {
                "addressees": "市直有关部门",
                "opening": "开头。",
                "closing": "结尾。",
                "units": [self.keji.pk],
                "leadership": "on",
                "copy_to": "市政府办公室",
                "pick": [str(entry.pk)],
                f"text-{entry.pk}": "科技局经验。",
            },
        )
        self.assertEqual(response.status_code, 302)
        bulletin.refresh_from_db()
        self.assertEqual(bulletin.picks[0]["text"], "科技局经验。")
        draft_pdf = self.client.get(reverse("bulletin_pdf", args=[bulletin.pk]))
        self.assertEqual(draft_pdf["Content-Type"], "application/pdf")
        self.assertIn("attachment", draft_pdf["Content-Disposition"])
        response = self.client.post(
            reverse("bulletin_issue", args=[bulletin.pk]), {"confirmed": "yes"}
        )
        self.assertEqual(response.status_code, 302)
        bulletin.refresh_from_db()
        self.assertEqual(bulletin.number, 1)
        page = self.client.get(reverse("bulletin_detail", args=[bulletin.pk]))
        self.assertContains(page, 'data-testid="readers"')

    def test_a_recipient_reads_it_and_the_supervisor_sees_who_has(self) -> None:
        bulletin = self.issued()
        self.client.force_login(self.lead_liaison)
        listing = self.client.get(reverse("plan_bulletins", args=[self.plan.pk]))
        self.assertContains(listing, f'data-bulletin="{bulletin.pk}"')
        pdf = self.client.get(reverse("bulletin_pdf", args=[bulletin.pk]))
        self.assertEqual(pdf.status_code, 200)
        self.assertIn("attachment", pdf["Content-Disposition"])
        self.assertTrue(b"".join(pdf.streaming_content).startswith(b"%PDF"))
        self.assertTrue(
            BulletinReceipt.objects.filter(bulletin=bulletin, user=self.lead_liaison).exists()
        )
        self.client.force_login(self.supervisor)
        page = self.client.get(reverse("bulletin_detail", args=[bulletin.pk]))
        readers = {row["person"].pk: row["receipt"] for row in page.context["readers"]}
        self.assertIsNotNone(readers[self.lead_liaison.pk])
        self.assertIsNone(readers[self.leader.pk])
        self.assertEqual(page.context["read_count"], 1)

    def test_a_liaison_of_a_unit_it_is_not_addressed_to_gets_404(self) -> None:
        bulletin = self.issued()
        self.client.force_login(self.keji_liaison)  # 市科技局: in the round, not addressed
        listing = self.client.get(reverse("plan_bulletins", args=[self.plan.pk]))
        self.assertNotContains(listing, f'data-bulletin="{bulletin.pk}"')
        for name in ("bulletin_detail", "bulletin_pdf"):
            self.assertEqual(self.client.get(reverse(name, args=[bulletin.pk])).status_code, 404)
        self.assertEqual(
            AuditEvent.objects.filter(action="access.denied", username="t.keji").count(), 2
        )
        self.assertFalse(BulletinReceipt.objects.filter(user=self.keji_liaison).exists())

    def test_a_liaison_never_sees_a_draft_nor_issues_one(self) -> None:
        bulletin = services.bulletin_draft(plan=self.plan, round=self.round, by=self.supervisor)
        self.client.force_login(self.lead_liaison)
        self.assertEqual(
            self.client.get(reverse("bulletin_detail", args=[bulletin.pk])).status_code, 404
        )
        for method in (self.client.get, self.client.post):
            response = method(reverse("bulletin_issue", args=[bulletin.pk]), {"confirmed": "yes"})
            self.assertEqual(response.status_code, 404)
        response = self.client.post(
            reverse("plan_bulletins", args=[self.plan.pk]), {"round": self.round.pk}
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Bulletin.objects.get().status, Bulletin.Status.DRAFT)


@override_settings(MEDIA_ROOT=MEDIA)
class BulletinCommandTests(RoundTestCase):
    def test_it_writes_a_draft_pdf(self) -> None:
        out = tempfile.NamedTemporaryFile(suffix=".pdf", delete=False).name
        call_command(
            "bulletin",
            "--plan",
            self.plan.doc_number,
            "--round",
            PERIOD,
            "--out",
            out,
            "--draft",
            stdout=io.StringIO(),
        )
        with open(out, "rb") as handle:
            self.assertTrue(handle.read().startswith(b"%PDF"))

    def test_without_an_issued_bulletin_it_says_so(self) -> None:
        with self.assertRaisesMessage(CommandError, "no issued bulletin"):
            call_command(
                "bulletin", "--plan", self.plan.doc_number, "--round", PERIOD, "--out", "/tmp/x.pdf"
            )
