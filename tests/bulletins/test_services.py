"""Drafting, editing, issuing and reading a bulletin through its services."""

import shutil
import tempfile

from django.test import override_settings
from django.utils import translation

from audit.models import AuditEvent
from bulletins import services
from bulletins.models import Bulletin, BulletinReceipt
from notices.models import Notice
from rounds.models import Entry
from tests.audit_coverage import audited
from tests.bulletins.base import TODAY, RoundTestCase, at

MEDIA = tempfile.mkdtemp(prefix="bulletin-tests-")


@override_settings(MEDIA_ROOT=MEDIA)
class BulletinServiceTests(RoundTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def draft(self) -> Bulletin:
        return services.bulletin_draft(plan=self.plan, round=self.round, by=self.supervisor)

    def entry(self, number: int) -> Entry:
        return Entry.objects.get(report__round=self.round, task=self.tasks[number], is_lead=True)

    def edit(self, bulletin: Bulletin, **changes: object) -> Bulletin:
        fields = {
            "opening": bulletin.opening,
            "closing": bulletin.closing,
            "picks": [{"entry": self.entry(4).pk, "text": "建立研发机构培育库。"}],
            "addressees": bulletin.addressees,
            "distribution": {
                "units": [self.gongxin.pk, self.keji.pk],
                "leadership": True,
                "copy_to": "市政府办公室",
            },
        }
        return services.bulletin_update(
            bulletin=bulletin, by=self.supervisor, **{**fields, **changes}
        )

    def issue(self, bulletin: Bulletin) -> Bulletin:
        return services.bulletin_issue(
            bulletin=bulletin, by=self.supervisor, now=at(TODAY), confirmed=True
        )

    def test_a_draft_is_started_and_edited_by_a_supervisor(self) -> None:
        with audited(
            services.bulletin_draft,
            action="bulletin.draft",
            by=self.supervisor,
            summary={"plan": self.plan.doc_number, "round": "2026年第一季度"},
            count=1,
        ):
            bulletin = self.draft()
        self.assertEqual(bulletin.status, Bulletin.Status.DRAFT)
        self.assertIsNone(bulletin.number)
        self.assertIn("2026年第一季度", bulletin.opening)
        self.assertIn(self.gongxin, bulletin.units.all())
        with audited(
            services.bulletin_update,
            action="bulletin.update",
            by=self.supervisor,
            obj=bulletin,
            summary={"picks": [self.entry(4).pk]},
            count=1,
        ):
            bulletin = self.edit(bulletin, opening="现将一季度情况通报如下：")
        bulletin.refresh_from_db()
        self.assertEqual(bulletin.opening, "现将一季度情况通报如下：")
        self.assertEqual(
            bulletin.picks,
            [
                {
                    "entry": self.entry(4).pk,
                    "unit": "市工业和信息化局",
                    "task": 4,
                    "text": "建立研发机构培育库。",
                }
            ],
        )
        self.assertEqual(set(bulletin.units.all()), {self.gongxin, self.keji})
        actions = AuditEvent.objects.filter(action__startswith="bulletin.").values_list(
            "action", "username"
        )
        self.assertEqual(
            list(actions.order_by("id")),
            [("bulletin.draft", "t.supervisor"), ("bulletin.update", "t.supervisor")],
        )

    def test_a_liaison_can_neither_draft_nor_edit_nor_issue(self) -> None:
        bulletin = self.draft()
        with self.assertRaises(services.BulletinError):
            services.bulletin_draft(plan=self.plan, round=self.round, by=self.lead_liaison)
        with self.assertRaises(services.BulletinError):
            services.bulletin_issue(
                bulletin=bulletin, by=self.lead_liaison, now=at(TODAY), confirmed=True
            )
        self.assertEqual(Bulletin.objects.count(), 1)
        self.assertFalse(Bulletin.objects.filter(status=Bulletin.Status.ISSUED).exists())

    def test_a_pick_from_another_round_is_refused_and_nothing_changes(self) -> None:
        bulletin = self.draft()
        with (
            translation.override("en"),
            self.assertRaisesMessage(
                services.BulletinError, "Pick only entries of this round's reports."
            ),
        ):
            self.edit(bulletin, picks=[{"entry": 2_147_483_000, "text": "x"}])
        bulletin.refresh_from_db()
        self.assertEqual(bulletin.picks, [])

    def test_issuing_numbers_freezes_and_notifies(self) -> None:
        edited = self.edit(self.draft())
        with audited(
            services.bulletin_issue,
            action="bulletin.issue",
            by=self.supervisor,
            obj=edited,
            summary={"number": 1},
            count=1,
        ):
            bulletin = self.issue(edited)
        bulletin.refresh_from_db()
        self.assertEqual((bulletin.status, bulletin.year, bulletin.number), ("issued", 2026, 1))
        self.assertEqual(bulletin.number_text, "第1期")
        self.assertTrue(bulletin.pdf.name.startswith("bulletins/"))
        self.assertTrue(bulletin.pdf.read().startswith(b"%PDF"))
        self.assertEqual(bulletin.snapshot["fields"]["number_text"], "第1期")
        self.assertEqual(bulletin.snapshot["data"]["picks"][0]["text"], "建立研发机构培育库。")
        notified = set(Notice.objects.filter(kind="bulletin").values_list("recipient", flat=True))
        # The liaisons and leader of the units circulated to, and the leadership reader.
        self.assertEqual(
            notified,
            {self.lead_liaison.pk, self.leader.pk, self.keji_liaison.pk, self.reader.pk},
        )
        notice = Notice.objects.filter(kind="bulletin").first()
        self.assertEqual(notice.url, f"/bulletins/{bulletin.pk}/")
        event = AuditEvent.objects.get(action="bulletin.issue")
        self.assertEqual(event.summary["number"], 1)
        self.assertEqual(event.username, "t.supervisor")
        # The next issue of the plan and year takes the next number; reissuing is refused.
        self.assertEqual(self.issue(self.edit(self.draft())).number, 2)
        with self.assertRaises(services.BulletinError):
            self.issue(bulletin)

    def test_a_later_change_of_the_ledger_changes_neither_the_snapshot_nor_the_pdf(self) -> None:
        bulletin = self.issue(self.edit(self.draft()))
        pdf = bulletin.pdf.read()
        snapshot = bulletin.snapshot
        self.assertEqual(snapshot["data"]["overall"]["schedule"]["behind"], 1)
        Entry.objects.filter(pk=self.entry(8).pk).update(schedule=Entry.Schedule.DONE)
        self.entry(4).values.update(value=1)
        bulletin.refresh_from_db()
        self.assertEqual(bulletin.snapshot, snapshot)
        self.assertEqual(bulletin.pdf.open("rb").read(), pdf)
        with self.assertRaises(services.BulletinError):
            self.edit(bulletin, opening="改")

    def test_a_recipient_opening_it_is_recorded_once(self) -> None:
        bulletin = self.issue(self.edit(self.draft()))
        with audited(
            services.bulletin_open,
            action="bulletin.open",
            by=self.lead_liaison,
            obj=bulletin,
            count=1,
        ):
            receipt = services.bulletin_open(bulletin=bulletin, by=self.lead_liaison)
        self.assertIsNotNone(receipt)
        services.bulletin_open(bulletin=bulletin, by=self.lead_liaison)
        self.assertEqual(BulletinReceipt.objects.filter(bulletin=bulletin).count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="bulletin.open").count(), 1)
        # Someone it was not sent to leaves no receipt.
        self.assertIsNone(services.bulletin_open(bulletin=bulletin, by=self.county_liaison))
        self.assertEqual(BulletinReceipt.objects.filter(bulletin=bulletin).count(), 1)
