"""印发通报 asks first: the page says what issuing will do (the number it takes, the
reports not yet due or not in, who is notified), warns when most are not due yet,
and issues only with the box ticked; the service refuses an unconfirmed issue."""

import datetime
import shutil
import tempfile

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from bulletins import services
from bulletins.models import Bulletin
from bulletins.selectors import issue_outlook
from documents.models import NumberSeries
from rounds.models import Round, UnitReport
from tests.bulletins.base import TODAY, RoundTestCase, at

MEDIA = tempfile.mkdtemp(prefix="bulletin-confirm-tests-")
REFUSED = "Confirm that you want to issue the bulletin: tick the box and issue again."


@override_settings(MEDIA_ROOT=MEDIA, LANGUAGE_CODE="en")
class IssueConfirmTests(RoundTestCase):
    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        shutil.rmtree(MEDIA, ignore_errors=True)

    def setUp(self) -> None:
        self.bulletin = services.bulletin_draft(
            plan=self.plan, round=self.round, by=self.supervisor
        )
        self.url = reverse("bulletin_issue", args=[self.bulletin.pk])
        self.client.force_login(self.supervisor)

    def assert_nothing_issued(self) -> None:
        self.bulletin.refresh_from_db()
        self.assertEqual(self.bulletin.status, Bulletin.Status.DRAFT)
        self.assertIsNone(self.bulletin.number)
        self.assertFalse(self.bulletin.pdf)
        self.assertFalse(
            NumberSeries.objects.filter(series__startswith="bulletin:", last__gt=0).exists()
        )
        self.assertFalse(AuditEvent.objects.filter(action="bulletin.issue").exists())

    def test_the_service_refuses_an_unconfirmed_issue_and_writes_nothing(self) -> None:
        for confirmed in (False, "yes", 1):
            with self.assertRaisesMessage(services.BulletinError, REFUSED):
                services.bulletin_issue(
                    bulletin=self.bulletin, by=self.supervisor, now=at(TODAY), confirmed=confirmed
                )
        self.assert_nothing_issued()

    def test_the_page_says_the_number_and_the_reports_then_issues_when_confirmed(self) -> None:
        # An earlier issue this year: this one will be the second.
        NumberSeries.objects.create(
            series=f"bulletin:{self.plan.pk}", year=timezone.localdate().year, last=1
        )
        page = self.client.get(self.url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'data-number="2"')
        reports = UnitReport.objects.filter(round=self.round)
        sent = reports.filter(sent_at__isnull=False).count()
        self.assertEqual(sent, 2)
        # The round's deadline (3-31) has passed: the others are overdue, not in.
        self.assertContains(
            page,
            f'data-reports="{reports.count()}" data-sent="2" data-not-yet-due="0" '
            f'data-overdue="{reports.count() - 2}"',
        )
        self.assertNotContains(page, 'data-testid="issue-warning"')
        self.assertContains(page, 'name="confirmed" value="yes" required')
        response = self.client.post(self.url, {"confirmed": "yes"})
        self.assertEqual(response.status_code, 302)
        self.bulletin.refresh_from_db()
        self.assertEqual(self.bulletin.status, Bulletin.Status.ISSUED)
        self.assertEqual(self.bulletin.number, 2)

    def test_without_the_box_ticked_it_is_refused_with_the_reason(self) -> None:
        response = self.client.post(self.url, {})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, REFUSED, status_code=400)
        self.assertContains(response, 'data-testid="issue-error"', status_code=400)
        self.assert_nothing_issued()

    def test_it_warns_when_most_reports_are_not_due_yet(self) -> None:
        today = timezone.localdate()
        Round.objects.filter(pk=self.round.pk).update(deadline=today + datetime.timedelta(days=14))
        page = self.client.get(self.url)
        waiting = UnitReport.objects.filter(round=self.round, sent_at__isnull=True).count()
        self.assertContains(page, f'data-not-yet-due="{waiting}" data-overdue="0"')
        self.assertContains(page, 'data-testid="issue-warning"')
        outlook = issue_outlook(Bulletin.objects.get(pk=self.bulletin.pk), today)
        self.assertTrue(outlook.mostly_not_due)
        self.assertEqual(outlook.not_in, waiting)

    def test_an_issued_bulletin_is_not_issued_again(self) -> None:
        self.client.post(self.url, {"confirmed": "yes"})
        response = self.client.post(self.url, {"confirmed": "yes"})
        self.assertRedirects(response, reverse("bulletin_detail", args=[self.bulletin.pk]))
        self.assertEqual(NumberSeries.objects.get(series__startswith="bulletin:").last, 1)

    def test_the_draft_page_leads_to_the_confirmation_not_straight_to_issuing(self) -> None:
        page = self.client.get(reverse("bulletin_detail", args=[self.bulletin.pk]))
        self.assertContains(page, f'href="{self.url}"')
        self.assertNotContains(page, f'action="{self.url}"')

    def test_the_preview_is_the_document_with_its_official_stylesheet(self) -> None:
        page = self.client.get(reverse("bulletin_detail", args=[self.bulletin.pk]))
        # The document's own HTML, escaped whole into the frame's srcdoc.
        self.assertContains(page, 'srcdoc="&lt;!DOCTYPE html&gt;')
        self.assertContains(
            page, "&lt;link rel=&quot;stylesheet&quot; href=&quot;/static/documents/official.css"
        )
        self.assertContains(page, "一、总体进展情况")
        self.assertNotContains(page, '<html lang="zh-CN">')
