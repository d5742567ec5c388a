import re
from datetime import datetime
from io import BytesIO
from unittest import mock
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from audit.services import audit_record
from audit.views import audit_export
from departments.models import Unit, User
from departments.refusals import permission_denied
from departments.services import registry_sync
from tests.audit_coverage import audited
from tests.base import make_person

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADERS_ZH = [
    "时间",
    "用户名",
    "单位",
    "角色",
    "操作",
    "对象类型",
    "对象编号",
    "对象",
    "结果",
    "客户端地址",
    "摘要",
]


def events_shown(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-event="(\d+)"', html)}


def record_at(local: datetime, **kwargs: object) -> AuditEvent:
    """An audit row written as if at `local`, a wall-clock time in Shanghai."""
    with mock.patch("audit.services.timezone.now", return_value=local.replace(tzinfo=SHANGHAI)):
        return audit_record(**kwargs)


class AuditPageTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.bureau = Unit.objects.get(code="shichang")
        cls.gongxin = Unit.objects.get(code="gongxin")
        cls.shenji = Unit.objects.get(code="shenji")
        cls.auditor = make_person("a.auditor", User.Role.AUDITOR, cls.shenji)
        cls.supervisor = make_person("a.supervisor", User.Role.SUPERVISOR, cls.bureau)
        cls.liaison = make_person("a.gongxin", User.Role.LIAISON, cls.gongxin)
        cls.admin = make_person("a.admin", User.Role.ADMIN, cls.shenji)

        cls.before_day = record_at(
            datetime(2025, 3, 9, 23, 59, 59), action="ledger.entry.submit", by=cls.liaison
        )
        cls.day_start = record_at(
            datetime(2025, 3, 10, 0, 0, 0),
            action="round.open",
            by=cls.supervisor,
            obj=cls.gongxin,
            summary={"period": "2025-03"},
        )
        cls.day_end = record_at(
            datetime(2025, 3, 10, 23, 59, 59),
            action="ledger.entry.submit",
            by=cls.liaison,
            obj=cls.bureau,
            outcome=AuditEvent.Outcome.FAILED,
            client_ip="10.1.2.3",
        )
        cls.after_day = record_at(
            datetime(2025, 3, 11, 0, 0, 0),
            action="access.denied",
            by=cls.liaison,
            outcome=AuditEvent.Outcome.DENIED,
        )

    def get_page(self, **params: str) -> set[int]:
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("audit_events"), params)
        self.assertEqual(response.status_code, 200)
        return events_shown(response.content.decode())

    def export(self, **params: str):
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("audit_export"), params)
        self.assertEqual(response.status_code, 200)
        workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
        return response, list(workbook.active.iter_rows(values_only=True))

    def test_an_auditor_sees_every_row_newest_first(self) -> None:
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("audit_events"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        shown = [int(pk) for pk in re.findall(r'data-event="(\d+)"', html)]
        # Creating the people above wrote rows too: the page shows them all.
        self.assertEqual(
            shown, list(AuditEvent.objects.order_by("-id").values_list("pk", flat=True))
        )
        self.assertLess(shown.index(self.after_day.pk), shown.index(self.before_day.pk))
        self.assertContains(response, "2025-03-10 23:59:59")
        self.assertContains(response, "10.1.2.3")
        self.assertContains(response, "市工业和信息化局")
        self.assertContains(response, "联络员")
        self.assertContains(response, "失败")
        self.assertContains(response, f"departments.Unit #{self.bureau.pk}")
        self.assertContains(response, "{&quot;period&quot;:&quot;2025-03&quot;}")

    def test_the_time_bounds_are_whole_days_in_shanghai_inclusive(self) -> None:
        one_day = {"date_from": "2025-03-10", "date_to": "2025-03-10"}
        self.assertEqual(self.get_page(**one_day), {self.day_start.pk, self.day_end.pk})
        self.assertEqual(
            self.get_page(date_from="2025-03-10", date_to="2025-03-11"),
            {self.day_start.pk, self.day_end.pk, self.after_day.pk},
        )
        self.assertEqual(
            self.get_page(date_to="2025-03-10"),
            {self.before_day.pk, self.day_start.pk, self.day_end.pk},
        )

    def test_it_filters_by_user_name_contains(self) -> None:
        self.assertEqual(self.get_page(user="supervis"), {self.day_start.pk})

    def test_it_filters_by_unit(self) -> None:
        self.assertEqual(self.get_page(unit="市市场监管局"), {self.day_start.pk})

    def test_it_filters_by_action(self) -> None:
        self.assertEqual(
            self.get_page(action="ledger.entry.submit"), {self.before_day.pk, self.day_end.pk}
        )

    def test_it_filters_by_object_type_id_or_name(self) -> None:
        both = {self.day_start.pk, self.day_end.pk}
        self.assertEqual(self.get_page(object="departments.unit"), both)
        self.assertEqual(self.get_page(object=str(self.bureau.pk)), {self.day_end.pk})
        self.assertEqual(self.get_page(object="工业和信息化"), {self.day_start.pk})

    def test_it_filters_by_outcome(self) -> None:
        self.assertEqual(self.get_page(outcome="denied"), {self.after_day.pk})
        self.assertEqual(self.get_page(outcome="failed"), {self.day_end.pk})

    def test_filters_combine(self) -> None:
        self.assertEqual(
            self.get_page(user="gongxin", date_from="2025-03-10", date_to="2025-03-10"),
            {self.day_end.pk},
        )

    def test_an_invalid_date_shows_the_error_and_no_rows(self) -> None:
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("audit_events"), {"date_from": "2026-13-45"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "输入一个有效的日期。")
        self.assertEqual(events_shown(response.content.decode()), set())

    def test_a_start_date_after_the_end_date_is_refused(self) -> None:
        self.client.force_login(self.auditor)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(
            reverse("audit_events"), {"date_from": "2025-03-11", "date_to": "2025-03-10"}
        )
        self.assertContains(response, "The start date is after the end date.")
        self.assertEqual(events_shown(response.content.decode()), set())

    def test_an_unknown_action_is_an_error_not_an_empty_list(self) -> None:
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("audit_events"), {"action": "no.such.action"})
        self.assertContains(response, "选择一个有效的选项")
        self.assertEqual(events_shown(response.content.decode()), set())

    def test_page_links_keep_the_filters(self) -> None:
        for _ in range(51):
            audit_record(action="plan.import", by=self.supervisor)
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("audit_events"), {"action": "plan.import"})
        self.assertEqual(len(events_shown(response.content.decode())), 50)
        self.assertContains(response, 'href="?action=plan.import&amp;page=2"')
        response = self.client.get(reverse("audit_events"), {"action": "plan.import", "page": 2})
        self.assertEqual(len(events_shown(response.content.decode())), 1)

    def test_people_other_than_auditors_get_403_and_the_attempt_is_recorded(self) -> None:
        for person in (self.liaison, self.supervisor, self.admin):
            for url in (reverse("audit_events"), reverse("audit_export")):
                with self.subTest(person=person.username, url=url):
                    self.client.force_login(person)
                    with audited(
                        permission_denied,
                        action="access.denied",
                        by=person,
                        obj=None,
                        outcome=AuditEvent.Outcome.DENIED,
                        client_ip="10.9.8.7",
                        summary={"path": url, "status": 403, "method": "GET"},
                        count=1,
                    ):
                        response = self.client.get(url, REMOTE_ADDR="10.9.8.7")
                    self.assertEqual(response.status_code, 403)
                    event = AuditEvent.objects.order_by("-id").first()
                    self.assertEqual(event.action, "access.denied")
                    self.assertEqual(event.outcome, AuditEvent.Outcome.DENIED)
                    self.assertEqual(event.user, person)
                    self.assertEqual(event.client_ip, "10.9.8.7")
                    self.assertEqual(event.summary["path"], url)
        self.assertFalse(AuditEvent.objects.filter(action="audit.export").exists())

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for url in (reverse("audit_events"), reverse("audit_export")):
            response = self.client.get(url)
            self.assertRedirects(response, f"{reverse('login')}?next={url}")

    def test_the_export_holds_the_headers_and_exactly_the_filtered_rows(self) -> None:
        response, rows = self.export(action="ledger.entry.submit")
        self.assertRegex(response["Content-Disposition"], r'filename="audit-\d{8}-\d{4}\.xlsx"')
        self.assertEqual(list(rows[0]), HEADERS_ZH)
        self.assertEqual(len(rows), 3)
        newest = rows[1]
        self.assertEqual(newest[0], datetime(2025, 3, 10, 23, 59, 59))
        self.assertEqual(
            list(newest[1:]),
            [
                "a.gongxin",
                "市工业和信息化局",
                "联络员",
                "ledger.entry.submit",
                "departments.Unit",
                str(self.bureau.pk),
                "市市场监管局",
                "失败",
                "10.1.2.3",
                "{}",
            ],
        )
        self.assertEqual(rows[2][0], datetime(2025, 3, 9, 23, 59, 59))

    def test_the_export_writes_times_with_a_date_format_and_the_summary_as_json(self) -> None:
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("audit_export"), {"action": "round.open"})
        sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
        self.assertTrue(sheet["A2"].is_date)
        self.assertEqual(sheet["A2"].number_format, "yyyy-mm-dd hh:mm:ss")
        self.assertEqual(sheet["K2"].value, '{"period":"2025-03"}')

    def test_exporting_is_recorded_with_the_filters_and_the_row_count(self) -> None:
        with audited(
            audit_export,
            action="audit.export",
            by=self.auditor,
            outcome=AuditEvent.Outcome.OK,
            summary={"rows": 1},
        ):
            self.export(date_from="2025-03-10", date_to="2025-03-10", outcome="failed")
        event = AuditEvent.objects.order_by("-id").first()
        self.assertEqual(event.action, "audit.export")
        self.assertEqual(event.user, self.auditor)
        self.assertEqual(event.outcome, AuditEvent.Outcome.OK)
        self.assertEqual(
            event.summary,
            {
                "filters": {
                    "date_from": "2025-03-10",
                    "date_to": "2025-03-10",
                    "outcome": "failed",
                },
                "rows": 1,
            },
        )

    def test_an_export_with_bad_filters_exports_nothing(self) -> None:
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("audit_export"), {"date_to": "not a date"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "输入一个有效的日期。", status_code=400)
        self.assertFalse(AuditEvent.objects.filter(action="audit.export").exists())

    def test_a_name_that_looks_like_a_formula_is_exported_as_text(self) -> None:
        audit_record(
            action="login.failed",
            by=None,
            username='=HYPERLINK("http://evil.example","x")',
            outcome=AuditEvent.Outcome.DENIED,
        )
        self.client.force_login(self.auditor)
        response = self.client.get(reverse("audit_export"), {"action": "login.failed"})
        sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
        self.assertEqual(sheet["B2"].value, '=HYPERLINK("http://evil.example","x")')
        self.assertEqual(sheet["B2"].data_type, "s")

    def test_the_page_makes_as_many_queries_for_120_rows_as_for_3(self) -> None:
        self.client.force_login(self.auditor)
        url = reverse("audit_events")
        # Up to the end of 10 March: 3 rows; rows can only be added, never removed.
        params = {"date_to": "2025-03-10"}
        with CaptureQueriesContext(connection) as few:
            response = self.client.get(url, params)
        self.assertEqual(len(events_shown(response.content.decode())), 3)
        for n in range(117):
            record_at(
                datetime(2025, 3, 10, 12, 0),
                action="ledger.entry.submit",
                by=self.liaison,
                obj=self.gongxin,
                summary={"n": n},
            )
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(url, params)
        self.assertContains(response, "120")
        self.assertEqual(len(events_shown(response.content.decode())), 50)
        self.assertEqual(len(many), len(few))

    def test_no_url_changes_or_deletes_a_row(self) -> None:
        self.client.force_login(self.auditor)
        before = list(AuditEvent.objects.values_list("pk", "hash"))
        for url in (reverse("audit_events"), reverse("audit_export")):
            for method in ("post", "put", "patch", "delete"):
                with self.subTest(url=url, method=method):
                    response = getattr(self.client, method)(url, {"action": "x"})
                    self.assertEqual(response.status_code, 405)
        self.assertEqual(list(AuditEvent.objects.values_list("pk", "hash")), before)

    def test_the_audit_trail_is_not_in_the_admin(self) -> None:
        self.assertFalse(admin.site.is_registered(AuditEvent))
