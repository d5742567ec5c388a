"""A reporting round end to end, through the URLs as the people click."""

import datetime
from datetime import timedelta
from io import StringIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from departments.models import Unit
from rounds import opening, services
from rounds.flows import ReportFlow
from rounds.models import Entry, ReportEvent, ReportFile, Round, TargetValue, UnitReport
from rounds.selectors import editable_entries
from tests.audit_coverage import audited
from tests.rounds.base import PDF, TODAY, RoundTestCase


class RoundLifecycleTests(RoundTestCase):
    def test_opening_a_round_gives_each_responsible_unit_one_report(self) -> None:
        period = "2024年第一季度"
        with (
            audited(
                opening.round_create,
                action="round.create",
                by=self.supervisor,
                summary={"plan": self.plan.doc_number, "period": period, "deadline": "2024-04-05"},
                count=1,
            ),
            audited(
                opening.round_open,
                action="round.open",
                by=self.supervisor,
                summary={"period": period, "tasks": 2},
                count=1,
            ) as opened,
        ):
            rnd = self.open_round(period)
        self.assertEqual(opened.rows[0].object_id, str(rnd.pk))
        self.assertEqual(rnd.status, Round.Status.OPEN)
        self.assertEqual({t.number for t in rnd.tasks.all()}, {5, 8})
        gongxin = self.report(rnd, self.gongxin)
        entries = {e.task.number: e.is_lead for e in gongxin.entries.all()}
        self.assertEqual(entries, {5: False, 8: True})  # one report for both of its tasks
        self.assertEqual(self.report(rnd, self.keji).entries.get().is_lead, True)
        # Every county government reports, on both tasks.
        counties = Unit.objects.get(code="counties").members.count()
        self.assertEqual(
            UnitReport.objects.filter(round=rnd, unit__kind=Unit.Kind.COUNTY).count(), counties
        )
        self.assertEqual(UnitReport.objects.filter(round=rnd).count(), 5 + counties)
        self.assertTrue(
            AuditEvent.objects.filter(action="round.open", object_id=str(rnd.pk)).exists()
        )
        # The report's fill step waits in the unit's queue, not in other units'.
        self.assertTrue(
            FlowTask.objects.user_queue(self.lead_liaison).filter(process_id=gongxin.pk).exists()
        )
        self.assertFalse(
            FlowTask.objects.user_queue(self.co_liaison).filter(process_id=gongxin.pk).exists()
        )

    def test_co_units_report_the_lead_consolidates_the_leader_signs_the_bureau_returns_and_approves(
        self,
    ) -> None:
        rnd = self.open_round()
        t5 = self.task5
        targets = list(t5.targets.order_by("pk"))
        # Two co-units write their parts of task 5.
        tax = self.report(rnd, self.tax)
        with audited(
            services.report_submit,
            action="report.submit",
            by=self.co_liaison,
            obj=tax,
            summary={"tasks": [5]},
            count=1,
        ):
            response = self.fill(
                self.co_liaison, tax, self.entry_fields(t5, "税务部门落实研发费用加计扣除")
            )
        self.assertEqual(response.status_code, 302, response.content[:3000])
        gongxin = self.report(rnd, self.gongxin)
        fields = self.entry_fields(t5, "工信部门组织企业申报研发机构")
        fields |= self.entry_fields(self.task8, "推进技改项目", "ahead")
        fields[f"e{self.task5.pk}-files"] = SimpleUploadedFile("佐证.pdf", PDF)
        self.assertEqual(self.fill(self.lead_liaison, gongxin, fields).status_code, 302)
        # Submitted, not yet signed off by their leaders: the parts are still theirs.
        keji = self.report(rnd, self.keji)
        task = self.claim(self.keji_liaison, keji, ReportFlow.fill)
        page = self.client.get(ReportFlow.fill.reverse("execute", args=[keji.pk, task.pk]))
        self.assertNotContains(page, "税务部门落实研发费用加计扣除")
        self.assertNotContains(page, "佐证.pdf")
        for leader, report in ((self.tax_leader, tax), (self.leader, gongxin)):
            url = self.step_url(leader, report, ReportFlow.sign)
            self.assertEqual(self.client.post(url, {"decision": "sign"}).status_code, 302)

        # The lead unit sees the signed parts where it writes the task's report.
        self.client.force_login(self.keji_liaison)
        page = self.client.get(ReportFlow.fill.reverse("execute", args=[keji.pk, task.pk]))
        self.assertContains(page, "税务部门落实研发费用加计扣除")
        self.assertContains(page, "工信部门组织企业申报研发机构")
        self.assertContains(page, "佐证.pdf")
        # A draft first, then a bad number is refused and nothing changes.
        values = {str(targets[0].pk): "12"}
        with audited(
            services.report_save,
            action="report.save",
            by=self.keji_liaison,
            obj=keji,
            summary={"tasks": [5]},
            count=1,
        ):
            response = self.fill(
                self.keji_liaison, keji, self.entry_fields(t5, "草稿", **values), action="save"
            )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(keji.entries.get().progress, "草稿")
        bad = self.entry_fields(t5, "汇总进展", **{str(targets[0].pk): "十二"})
        response = self.fill(self.keji_liaison, keji, bad)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "十二")
        self.assertEqual(keji.entries.get().progress, "草稿")
        self.assertEqual(TargetValue.objects.get(entry__report=keji).value, 12)
        good = self.entry_fields(
            t5, "汇总：研发机构新增，税收优惠落实", **{str(targets[0].pk): "15"}
        )
        self.assertEqual(self.fill(self.keji_liaison, keji, good).status_code, 302)
        keji.refresh_from_db()
        self.assertEqual(keji.state, UnitReport.Status.SIGNING)
        # The co-units' originals are kept as they wrote them.
        self.assertEqual(
            Entry.objects.get(report=tax, task=t5).progress, "税务部门落实研发费用加计扣除"
        )

        # The unit leader signs off; the report goes to the bureau on time.
        url = self.step_url(self.keji_leader, keji, ReportFlow.sign)
        with audited(
            services.report_sign,
            action="report.sign",
            by=self.keji_leader,
            obj=keji,
            summary={"late_days": 0},
            count=1,
        ):
            self.assertEqual(self.client.post(url, {"decision": "sign"}).status_code, 302)
        keji.refresh_from_db()
        self.assertEqual((keji.state, keji.late_days), (UnitReport.Status.SENT, 0))

        # The supervisor returns task 5 with a reason.
        url = self.step_url(self.supervisor, keji, ReportFlow.review)
        response = self.client.post(url, {f"e{t5.pk}-decision": "return", f"e{t5.pk}-reason": ""})
        self.assertEqual(response.status_code, 200)  # a return needs a reason
        with audited(
            services.report_review,
            action="report.review",
            by=self.supervisor,
            obj=keji,
            summary={"returned": [5]},
            count=1,
        ):
            response = self.client.post(
                url, {f"e{t5.pk}-decision": "return", f"e{t5.pk}-reason": "请补充研发机构名单"}
            )
        self.assertEqual(response.status_code, 302)
        entry = keji.entries.get()
        self.assertEqual((entry.status, entry.times_returned), (Entry.Status.RETURNED, 1))
        # The liaison sees the reason where they fill it in, and resubmits.
        task = self.claim(self.keji_liaison, keji, ReportFlow.fill)
        page = self.client.get(ReportFlow.fill.reverse("execute", args=[keji.pk, task.pk]))
        self.assertContains(page, "请补充研发机构名单")
        fixed = self.entry_fields(
            t5, "汇总：新增研发机构12家（名单附后）", **{str(targets[0].pk): "15"}
        )
        self.assertEqual(self.fill(self.keji_liaison, keji, fixed).status_code, 302)
        url = self.step_url(self.keji_leader, keji, ReportFlow.sign)
        self.client.post(url, {"decision": "sign"})
        url = self.step_url(self.supervisor, keji, ReportFlow.review)
        with audited(
            services.report_review,
            action="report.review",
            by=self.supervisor,
            obj=keji,
            summary={"returned": []},
            count=1,
        ):
            response = self.client.post(url, {f"e{t5.pk}-decision": "approve"})
        self.assertEqual(response.status_code, 302)
        keji.refresh_from_db()
        self.assertEqual(keji.state, UnitReport.Status.APPROVED)
        self.assertEqual(keji.status, STATUS.DONE)
        actions = list(keji.events.values_list("action", flat=True))
        self.assertIn(ReportEvent.Action.RETURN, actions)
        self.assertEqual(actions[-1], ReportEvent.Action.APPROVE)

    def test_only_the_returned_parts_reopen(self) -> None:
        rnd = self.open_round()
        gongxin = self.report(rnd, self.gongxin)
        fields = self.entry_fields(self.task5, "配合") | self.entry_fields(self.task8, "牵头")
        self.fill(self.lead_liaison, gongxin, fields)
        gongxin_leader = self.leader
        url = self.step_url(gongxin_leader, gongxin, ReportFlow.sign)
        self.client.post(url, {"decision": "sign"})
        url = self.step_url(self.supervisor, gongxin, ReportFlow.review)
        self.client.post(
            url,
            {
                f"e{self.task5.pk}-decision": "approve",
                f"e{self.task8.pk}-decision": "return",
                f"e{self.task8.pk}-reason": "数据不全",
            },
        )
        editable = editable_entries(gongxin)
        self.assertEqual([e.task.number for e in editable], [8])
        # A post that tries to change the approved part is refused whole.
        response = self.fill(
            self.lead_liaison, gongxin, fields | self.entry_fields(self.task8, "补充")
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Entry.objects.get(report=gongxin, task=self.task5).progress, "配合")
        self.assertEqual(Entry.objects.get(report=gongxin, task=self.task8).progress, "补充")

    def test_the_leader_can_send_the_report_back_to_the_liaison(self) -> None:
        rnd = self.open_round()
        tax = self.report(rnd, self.tax)
        self.fill(self.co_liaison, tax, self.entry_fields(self.task5, "初稿"))
        url = self.step_url(self.tax_leader, tax, ReportFlow.sign)
        self.assertEqual(self.client.post(url, {"decision": "return"}).status_code, 200)
        with audited(
            services.report_sign,
            action="report.sign_return",
            by=self.tax_leader,
            obj=tax,
            summary={"reason": "表述不准确"},
            count=1,
        ):
            self.client.post(url, {"decision": "return", "reason": "表述不准确"})
        tax.refresh_from_db()
        self.assertEqual(tax.state, UnitReport.Status.DRAFT)
        self.assertTrue(
            FlowTask.objects.user_queue(self.co_liaison)
            .filter(process_id=tax.pk, flow_task=ReportFlow.fill)
            .exists()
        )

    def test_a_late_report_is_accepted_and_marked_with_its_delay(self) -> None:
        rnd = self.open_round(deadline="2024-04-05")
        tax = self.report(rnd, self.tax)
        self.at(timedelta(days=18))  # 2024-04-07
        self.client.force_login(self.supervisor)
        page = self.client.get(reverse("round_detail", args=[rnd.pk]))
        self.assertContains(page, 'data-unit="市税务局" data-status="missing"')
        self.fill(self.co_liaison, tax, self.entry_fields(self.task5, "迟报"))
        url = self.step_url(self.tax_leader, tax, ReportFlow.sign)
        self.client.post(url, {"decision": "sign"})
        tax.refresh_from_db()
        self.assertEqual(tax.late_days, 2)
        self.client.force_login(self.supervisor)
        page = self.client.get(reverse("round_detail", args=[rnd.pk]))
        self.assertContains(page, 'data-unit="市税务局" data-status="late"')

    def test_the_next_round_starts_empty_with_the_units_previous_report_beside_it(self) -> None:
        first = self.open_round("2024年第一季度", "2024-04-05")
        tax = self.report(first, self.tax)
        self.fill(self.co_liaison, tax, self.entry_fields(self.task5, "一季度进展", "behind"))
        self.at(timedelta(days=90))
        second = self.open_round("2024年第二季度", "2024-07-05")
        entry = Entry.objects.get(report__round=second, report__unit=self.tax, task=self.task5)
        self.assertEqual((entry.progress, entry.schedule, entry.status), ("", "", "draft"))
        task = self.claim(self.co_liaison, self.report(second, self.tax), ReportFlow.fill)
        page = self.client.get(ReportFlow.fill.reverse("execute", args=[entry.report_id, task.pk]))
        self.assertContains(page, "2024年第一季度")
        self.assertContains(page, "一季度进展")
        self.assertContains(page, f'name="e{self.task5.pk}-same"')
        # Sending it untouched is refused, at the field, and nothing moves on.
        response = self.fill(self.co_liaison, entry.report, {})
        self.assertContains(response, f'id="e{self.task5.pk}-progress" rows="4"')
        self.assertContains(response, 'aria-invalid="true"')
        entry.report.refresh_from_db()
        self.assertEqual(entry.report.state, UnitReport.Status.DRAFT)
        # "No change since the last round" takes the previous report over, marked as such.
        self.fill(self.co_liaison, entry.report, {f"e{self.task5.pk}-same": "1"})
        entry.refresh_from_db()
        self.assertEqual((entry.progress, entry.schedule), ("一季度进展", "behind"))
        self.assertTrue(entry.kept_previous)
        self.assertEqual(entry.status, Entry.Status.SUBMITTED)

    def test_an_unrelated_unit_gets_404_on_the_round_the_reports_and_the_files(self) -> None:
        rnd = self.open_round()
        gongxin = self.report(rnd, self.gongxin)
        fields = self.entry_fields(self.task5, "配合") | self.entry_fields(self.task8, "牵头")
        fields[f"e{self.task5.pk}-files"] = SimpleUploadedFile("scan.pdf", PDF)
        self.fill(self.lead_liaison, gongxin, fields, action="save")
        record = ReportFile.objects.get()
        fill = FlowTask.objects.get(process_id=gongxin.pk, flow_task=ReportFlow.fill)
        self.client.force_login(self.unrelated_liaison)
        for url in (
            reverse("round_detail", args=[rnd.pk]),
            reverse("report_detail", args=[gongxin.pk]),
            reverse("report_file_download", args=[record.pk]),
            ReportFlow.fill.reverse("assign", args=[gongxin.pk, fill.pk]),
            ReportFlow.fill.reverse("detail", args=[gongxin.pk, fill.pk]),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        # Another unit of the same round sees the round but not gongxin's report.
        self.client.force_login(self.co_liaison)
        self.assertEqual(self.client.get(reverse("round_detail", args=[rnd.pk])).status_code, 200)
        self.assertEqual(
            self.client.get(reverse("report_detail", args=[gongxin.pk])).status_code, 404
        )

    def test_evidence_is_downloaded_as_an_attachment_by_the_lead_once_signed_off(self) -> None:
        rnd = self.open_round()
        gongxin = self.report(rnd, self.gongxin)
        fields = self.entry_fields(self.task5, "配合")
        fields |= self.entry_fields(self.task8, "牵头")
        upload = {f"e{self.task5.pk}-files": SimpleUploadedFile("佐证材料.pdf", PDF)}
        self.fill(self.lead_liaison, gongxin, fields | upload, action="save")
        record = ReportFile.objects.get()
        self.assertNotIn("佐证", record.file.name)
        url = reverse("report_file_download", args=[record.pk])
        # A draft's file, then one awaiting the leader: the unit's own only.
        self.client.force_login(self.keji_liaison)  # the lead unit of task 5
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.lead_liaison)
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.fill(self.lead_liaison, gongxin, fields).status_code, 302)
        self.client.force_login(self.keji_liaison)
        self.assertEqual(self.client.get(url).status_code, 404)
        sign = self.step_url(self.leader, gongxin, ReportFlow.sign)
        self.assertEqual(self.client.post(sign, {"decision": "sign"}).status_code, 302)
        self.client.force_login(self.keji_liaison)
        with audited(
            services.report_file_download,
            action="report.file_download",
            by=self.keji_liaison,
            obj=record,
            client_ip="127.0.0.1",
            summary={"report": gongxin.pk, "name": "佐证材料.pdf"},
            count=1,
        ):
            response = self.client.get(reverse("report_file_download", args=[record.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Disposition"].startswith("attachment"))
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(b"".join(response.streaming_content), PDF)

    def test_a_refused_upload_writes_nothing(self) -> None:
        rnd = self.open_round()
        tax = self.report(rnd, self.tax)
        fields = self.entry_fields(self.task5, "新内容")
        fields[f"e{self.task5.pk}-files"] = SimpleUploadedFile("x.pdf", b"MZ\x90\x00 not a pdf")
        with override_settings(MEDIA_ROOT=self.media):
            response = self.fill(self.co_liaison, tax, fields, action="save")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Entry.objects.get(report=tax).progress, "")
        self.assertFalse(ReportFile.objects.exists())
        self.assertEqual(list(self.media.rglob("*.*")), [])

    @property
    def media(self):  # type: ignore[no-untyped-def]
        import tempfile
        from pathlib import Path

        if not hasattr(self, "_media"):
            self._media = Path(tempfile.mkdtemp())
        return self._media


class SchedulingTests(RoundTestCase):
    def test_scheduled_rounds_open_by_themselves_on_their_day(self) -> None:
        with audited(
            opening.rounds_schedule,
            opening.round_create,
            action="round.create",
            by=self.supervisor,
            count=3,
        ):
            created = opening.rounds_schedule(
                plan=self.plan,
                by=self.supervisor,
                cadence=Round.Cadence.MONTHLY,
                year=2024,
                first=4,
                count=3,
                deadline_day=5,
                today=TODAY,
            )
        self.assertEqual([r.period for r in created], ["2024年4月", "2024年5月", "2024年6月"])
        self.assertEqual(created[0].deadline, datetime.date(2024, 5, 5))
        self.assertEqual(created[0].opens_on, datetime.date(2024, 4, 20))
        self.assertTrue(all(r.status == Round.Status.SCHEDULED for r in created))
        self.assertEqual(opening.rounds_open_due(today=datetime.date(2024, 4, 19)), [])
        with audited(
            opening.rounds_open_due,
            opening.round_open,
            action="round.open",
            by=None,
            summary={"period": "2024年4月"},
            count=1,
        ):
            opened = opening.rounds_open_due(today=datetime.date(2024, 4, 20))
        self.assertEqual([r.period for r in opened], ["2024年4月"])
        self.assertTrue(UnitReport.objects.filter(round=opened[0]).exists())

    def test_quarterly_labels(self) -> None:
        created = opening.rounds_schedule(
            plan=self.plan,
            by=None,
            cadence=Round.Cadence.QUARTERLY,
            year=2024,
            first=4,
            count=2,
            deadline_day=10,
            today=TODAY,
        )
        self.assertEqual([r.period for r in created], ["2024年第四季度", "2025年第一季度"])
        self.assertEqual(created[1].deadline, datetime.date(2025, 4, 10))

    def test_a_liaison_cannot_open_a_round(self) -> None:
        self.client.force_login(self.lead_liaison)
        response = self.client.post(
            reverse("plan_rounds", args=[self.plan.pk]),
            {"one-period": "2024年3月", "one-deadline": "2024-04-05"},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Round.objects.exists())

    def test_bad_input_is_refused_with_a_message_and_nothing_written(self) -> None:
        self.client.force_login(self.supervisor)
        url = reverse("plan_rounds", args=[self.plan.pk])
        self.client.post(url, {"one-period": "2024年3月", "one-deadline": "2024-04-05"})
        response = self.client.post(url, {"one-period": "2024年3月", "one-deadline": "2024-04-05"})
        self.assertContains(response, "2024年3月")
        response = self.client.post(url, {"one-period": "2024年4月", "one-deadline": "2024-03-01"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Round.objects.count(), 1)

    def test_open_round_command(self) -> None:
        out = StringIO()
        call_command(
            "open_round",
            "--plan",
            self.plan.doc_number,
            "--period",
            "2024年3月",
            "--deadline",
            "2024-04-05",
            stdout=out,
        )
        self.assertIn("2024年3月", out.getvalue())
        self.assertEqual(Round.objects.get().status, Round.Status.OPEN)
        with self.assertRaises(CommandError):
            call_command(
                "open_round",
                "--plan",
                self.plan.doc_number,
                "--period",
                "2024年3月",
                "--deadline",
                "2024-04-05",
                stdout=out,
            )
        with self.assertRaises(CommandError):
            call_command(
                "open_round",
                "--plan",
                "nope",
                "--period",
                "x",
                "--deadline",
                "2024-04-05",
                stdout=out,
            )
