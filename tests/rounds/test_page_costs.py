"""The report's pages and writes cost a fixed number of queries, whatever the
report holds: at the deadline every liaison of the city loads, saves and submits
at once on a server that is short of CPU, and a query per entry (or per earlier
entry, or per co-unit's part) adds up across them (benchmarks/page_cpu_bench.py)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.models import Entry, ReportFile
from tests.rounds.base import PDF
from tests.rounds.test_report_form import ReportFormTestCase

# A lead unit's pages and writes (two tasks, one of them led), in queries: before
# issue 20's cuts the report page took 17, the fill page 25, an autosave 34 and a
# submit 38.
MEASURED = {"report page": 11, "fill page": 23, "autosave": 29, "submit": 35}


class PageCostTests(ReportFormTestCase):
    def queries(self, user, url: str, data: dict | None = None, **headers: str) -> int:  # type: ignore[no-untyped-def]
        self.client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            if data is None:
                response = self.client.get(url)
            else:
                response = self.client.post(url, data, headers=headers)
        self.assertLess(response.status_code, 400, response.content[:500])
        return len(queries)

    def test_the_fill_and_report_pages_cost_the_same_whatever_last_round_held(self) -> None:
        first = self.open_round()
        earlier = self.report(first, self.gongxin)
        self.fill(self.lead_liaison, earlier, self.entry_fields(self.task8, "上期牵头进展"), "save")
        rnd = self.open_round("2024年第二季度", "2024-07-05")
        report = self.report(rnd, self.gongxin)
        fill_url = self.fill_url(self.lead_liaison, report)
        report_url = reverse("report_detail", args=[report.pk])
        before = [
            self.queries(self.lead_liaison, fill_url),
            self.queries(self.lead_liaison, report_url),
        ]
        # Last round now holds both of the unit's entries, each with evidence.
        fields = {
            **self.entry_fields(self.task5, "上期配合进展"),
            **self.entry_fields(self.task8, "上期牵头进展"),
            f"e{self.task5.pk}-files": SimpleUploadedFile("佐证一.pdf", PDF),
            f"e{self.task8.pk}-files": SimpleUploadedFile("佐证二.pdf", PDF),
        }
        self.fill(self.lead_liaison, earlier, fields, "save")
        self.assertEqual(ReportFile.objects.filter(entry__report=earlier).count(), 2)
        page = self.client.get(fill_url)
        self.assertContains(page, "佐证一.pdf")
        self.assertContains(page, "上期配合进展")
        after = [
            self.queries(self.lead_liaison, fill_url),
            self.queries(self.lead_liaison, report_url),
        ]
        self.assertEqual(after, before)

    def test_a_save_and_a_submit_cost_the_same_for_a_short_and_a_long_report(self) -> None:
        rnd = self.open_round()
        counts = []
        for unit, liaison in ((self.tax, self.co_liaison), (self.county, self.county_liaison)):
            report = self.report(rnd, unit)
            url = self.fill_url(liaison, report)
            fields: dict = {}
            for entry in report.entries.select_related("task"):
                fields |= self.entry_fields(entry.task, f"{unit.name}本期进展")
            saving = self.queries(liaison, url, fields, X_Autosave="1")
            sending = self.queries(liaison, url, {**fields, "action": "submit"})
            counts.append((report.entries.count(), saving, sending))
            self.assertEqual(
                set(report.entries.values_list("status", flat=True)), {Entry.Status.SUBMITTED}
            )
        (short, *short_costs), (long, *long_costs) = counts
        self.assertLess(short, long)
        self.assertEqual(short_costs, long_costs)

    def test_each_step_costs_no_more_queries_than_measured(self) -> None:
        # The counts after issue 20's cuts (the step's process read once by the
        # middleware, the owner check by id, the report page without what the
        # unit is asked, one read of the editable tasks before a save): a query
        # more is a regression to look at, a query less a chance to lower these.
        rnd = self.open_round()
        report = self.report(rnd, self.gongxin)
        fill_url = self.fill_url(self.lead_liaison, report)
        report_url = reverse("report_detail", args=[report.pk])
        fields: dict = {}
        for entry in report.entries.select_related("task"):
            fields |= self.entry_fields(entry.task, "本期进展")
        counts = {
            "report page": self.queries(self.lead_liaison, report_url),
            "fill page": self.queries(self.lead_liaison, fill_url),
            "autosave": self.queries(self.lead_liaison, fill_url, fields, X_Autosave="1"),
            "submit": self.queries(self.lead_liaison, fill_url, {**fields, "action": "submit"}),
        }
        # PostgreSQL takes one query more per write: a lock SQLite does without.
        extra = 1 if connection.vendor == "postgresql" else 0
        expected = {
            **MEASURED,
            "autosave": MEASURED["autosave"] + extra,
            "submit": MEASURED["submit"] + extra,
        }
        self.assertEqual(counts, expected)
