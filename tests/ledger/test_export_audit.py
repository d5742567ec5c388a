"""The ledger leaving the system is in the audit trail: who took it, of which plan,
with which filters, how many rows; and who took which unit's round sheet."""

from django.urls import reverse

from ledger import views
from ledger.jobs import export_xlsx_file
from tests.audit_coverage import audited
from tests.ledger.base import LedgerTestCase, report_of


class LedgerExportAuditTests(LedgerTestCase):
    def test_the_ledger_export_records_who_which_plan_which_filters_and_rows(self) -> None:
        self.login(self.supervisor)
        url = reverse("plan_ledger_xlsx", args=[self.plan.pk])
        with audited(
            views.plan_ledger_xlsx,
            export_xlsx_file,
            action="ledger.export",
            by=self.supervisor,
            obj=self.plan,
            client_ip="127.0.0.1",
            summary={
                "format": "xlsx",
                "filters": {"round": self.older.pk, "status": "behind"},
                "rows": 1,
            },
            count=1,
        ):
            response = self.client.get(url, {"round": self.older.pk, "status": "behind"})
        self.assertEqual(response.status_code, 200)
        # A liaison's export counts the rows of their unit's tasks only.
        self.login(self.co_liaison)
        with audited(
            views.plan_ledger_xlsx,
            action="ledger.export",
            by=self.co_liaison,
            obj=self.plan,
            summary={"filters": {}, "rows": 2},
            count=1,
        ):
            self.assertEqual(self.client.get(url).status_code, 200)

    def test_a_round_sheet_download_records_the_unit_and_round(self) -> None:
        report = report_of(self.newer, self.gongxin)
        self.login(self.supervisor)
        with audited(
            views.round_excel,
            action="ledger.sheet_download",
            by=self.supervisor,
            obj=report,
            summary={"format": "xlsx", "round": self.newer.pk, "unit": self.gongxin.pk},
            count=1,
        ):
            response = self.client.get(
                reverse("round_excel", args=[self.newer.pk]), {"unit": self.gongxin.pk}
            )
        self.assertEqual(response.status_code, 200)
