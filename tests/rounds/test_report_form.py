"""The round report as a unit's liaison fills it: asked only what the unit
answers for, last round beside empty fields, the co-units' parts of this round
only, errors at the field, saved as it goes, and told when it comes back."""

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from departments.models import Unit
from indicators.models import Indicator
from indicators.selectors import indicator_rows
from indicators.services import indicator_update
from notices.models import Notice
from rounds import services
from rounds.asks import report_form
from rounds.errors import RoundError
from rounds.flows import ReportFlow
from rounds.models import Entry, ReportEvent, UnitReport
from tests.audit_coverage import audited
from tests.base import make_person
from tests.rounds.base import RoundTestCase
from workflow.dispatch import task_dispatch


class ReportFormTestCase(RoundTestCase):
    def fill_url(self, user, report: UnitReport) -> str:  # type: ignore[no-untyped-def]
        """The fill step's page for `user`, claiming the step unless they hold it."""
        task = (
            FlowTask.objects.filter(process_id=report.pk, flow_task=ReportFlow.fill)
            .exclude(status=STATUS.DONE)
            .first()
        )
        if task is None or task.owner_id != user.pk:
            return self.step_url(user, report, ReportFlow.fill)
        self.client.force_login(user)
        return ReportFlow.fill.reverse("execute", args=[report.pk, task.pk])

    def sign(self, leader, report: UnitReport, **fields: str):  # type: ignore[no-untyped-def]
        return self.client.post(self.step_url(leader, report, ReportFlow.sign), fields)


class AskedOfWhomTests(ReportFormTestCase):
    def test_a_tasks_indicators_are_asked_of_its_lead_unit_only(self) -> None:
        rnd = self.open_round()
        gongxin = self.report(rnd, self.gongxin)
        page = self.client.get(self.fill_url(self.lead_liaison, gongxin))
        lead_target = self.task8.targets.first()
        co_target = self.task5.targets.first()
        # 市工业和信息化局 leads task 8 and is a co-unit of task 5.
        self.assertContains(page, f'name="e{self.task8.pk}-v{lead_target.pk}"')
        self.assertNotContains(page, f'name="e{self.task5.pk}-v{co_target.pk}"')
        with self.assertRaisesMessage(RoundError, "不由本单位填报"):
            services.report_save(
                report=gongxin,
                by=self.lead_liaison,
                data={self.task5.pk: services.EntryInput(values={co_target.pk: "3"})},
            )
        county = self.report(rnd, self.county)
        page = self.client.get(self.fill_url(self.county_liaison, county))
        self.assertNotContains(page, f"-v{lead_target.pk}")

    def test_a_broken_down_indicator_is_each_countys_share_and_the_city_value_their_sum(
        self,
    ) -> None:
        indicator = Indicator.objects.get(task=self.task8, name="实施技改项目")
        target = self.task8.targets.get(indicator="实施技改项目")
        with audited(
            indicator_update,
            action="indicator.update",
            by=self.supervisor,
            obj=indicator,
        ):
            indicator_update(
                indicator=indicator,
                by=self.supervisor,
                kind=indicator.kind,
                owner=indicator.owner,
                baseline=indicator.baseline,
                direction=indicator.direction,
                by_member=True,
            )
        target.refresh_from_db()
        self.assertTrue(target.by_member)
        event = AuditEvent.objects.get(action="indicator.update")
        self.assertEqual(
            (event.summary["before"]["by_member"], event.summary["after"]["by_member"]),
            (False, True),
        )
        rnd = self.open_round()
        county = self.report(rnd, self.county)
        other_county = make_person("t.neiqiu", "liaison", Unit.objects.get(code="neiqiu"))
        page = self.client.get(self.fill_url(self.county_liaison, county))
        self.assertContains(page, f'name="e{self.task8.pk}-v{target.pk}"')
        gongxin = self.report(rnd, self.gongxin)
        page = self.client.get(self.fill_url(self.lead_liaison, gongxin))
        self.assertNotContains(page, f'name="e{self.task8.pk}-v{target.pk}"')
        both = {
            f"e{task.pk}-{name}": value
            for task in (self.task5, self.task8)
            for name, value in (("progress", "推进中"), ("schedule", "on"))
        }
        self.fill(self.county_liaison, county, {**both, f"e{self.task8.pk}-v{target.pk}": "30"})
        neiqiu = self.report(rnd, other_county.unit)
        self.fill(other_county, neiqiu, {**both, f"e{self.task8.pk}-v{target.pk}": "12.5"})
        # Submitted, not signed off: no county's share counts yet.
        page = self.client.get(self.fill_url(self.lead_liaison, gongxin))
        self.assertContains(page, 'data-testid="member-sums"')
        self.assertNotContains(page, "<b>42.5</b>项")
        # The lead and the indicator read the sum of the shares the counties' leaders sent.
        for liaison_unit, report in ((self.county, county), (other_county.unit, neiqiu)):
            leader = make_person(f"t.{liaison_unit.code}.leader", "leader", liaison_unit)
            self.sign(leader, report, decision="sign")
        page = self.client.get(self.fill_url(self.lead_liaison, gongxin))
        self.assertContains(page, "<b>42.5</b>项")
        row = indicator_rows(self.plan, [indicator], timezone.localdate())[0]
        self.assertEqual(row.latest.value, Decimal("42.5"))


class WhatTheUnitIsAskedTests(ReportFormTestCase):
    def test_each_entry_shows_the_clauses_that_name_the_unit(self) -> None:
        task1 = self.plan.tasks.get(number=1)
        task_dispatch(tasks=[task1], by=None, today=timezone.localdate())
        rnd = self.open_round()
        form = report_form(self.report(rnd, self.county))
        ask = next(a for a in form.asks if a.entry.task_id == task1.pk)
        # Task 1's first clause names 各县(市、区)政府; its others do not.
        self.assertEqual([m.order for m in ask.clauses], [1])
        self.assertFalse(ask.whole_task)
        page = self.client.get(self.fill_url(self.county_liaison, form.report))
        self.assertContains(page, ask.clauses[0].text)
        # No clause of task 5 names the counties: the plan names them for the whole task.
        ask5 = next(a for a in form.asks if a.entry.task_id == self.task5.pk)
        self.assertTrue(ask5.whole_task)
        self.assertEqual(len(ask5.clauses), self.task5.measures.count())
        self.assertContains(page, "整项任务的责任单位")

    def test_the_form_costs_the_same_queries_for_a_short_and_a_long_report(self) -> None:
        rnd = self.open_round()
        counts = []
        for unit in (self.tax, self.county):
            report = self.report(rnd, unit)
            with CaptureQueriesContext(connection) as queries:
                form = report_form(report)
                for ask in form.asks:
                    _ = (ask.filled, ask.state_label, ask.given_parts, ask.previous)
            counts.append(len(queries))
        self.assertEqual(len(form.asks), 2)
        self.assertEqual(counts[0], counts[1])


class CoUnitPartsTests(ReportFormTestCase):
    def test_the_lead_sees_this_rounds_signed_parts_only_and_never_a_draft(self) -> None:
        rnd = self.open_round()
        tax = self.report(rnd, self.tax)
        self.fill(
            self.co_liaison, tax, self.entry_fields(self.task5, "税务草稿未报送"), action="save"
        )
        keji = self.report(rnd, self.keji)
        url = self.fill_url(self.keji_liaison, keji)
        page = self.client.get(url)
        self.assertContains(page, 'data-testid="co-parts"')
        self.assertNotContains(page, "税务草稿未报送")
        self.fill(self.co_liaison, tax, self.entry_fields(self.task5, "税务一季度已报送"))
        self.client.force_login(self.keji_liaison)
        page = self.client.get(url)
        self.assertNotContains(page, "税务一季度已报送")  # waiting for its leader's sign-off
        self.sign(self.tax_leader, tax, decision="sign")
        self.client.force_login(self.keji_liaison)
        page = self.client.get(url)
        self.assertContains(page, "税务一季度已报送")
        self.assertContains(page, "市税务局：税务一季度已报送")  # the quote button's text

    def test_last_rounds_parts_are_not_shown_as_this_rounds(self) -> None:
        first = self.open_round("2024年第一季度", "2024-04-05")
        self.fill(
            self.co_liaison, self.report(first, self.tax), self.entry_fields(self.task5, "旧季度")
        )
        self.at(timedelta(days=90))
        second = self.open_round("2024年第二季度", "2024-07-05")
        page = self.client.get(self.fill_url(self.keji_liaison, self.report(second, self.keji)))
        self.assertNotContains(page, "旧季度")


class ErrorsAtTheFieldTests(ReportFormTestCase):
    def test_an_invalid_number_is_marked_at_its_field_and_nothing_is_saved(self) -> None:
        rnd = self.open_round()
        gongxin = self.report(rnd, self.gongxin)
        target = self.task8.targets.first()
        fields = self.entry_fields(self.task8, "牵头进展", **{str(target.pk): "三百"})
        fields |= self.entry_fields(self.task5, "配合进展")
        response = self.fill(self.lead_liaison, gongxin, fields)
        self.assertEqual(response.status_code, 200)
        field_id = f"e{self.task8.pk}-v{target.pk}"
        self.assertContains(response, f'id="{field_id}"')
        html = response.content.decode()
        tag = html[html.index(f'id="{field_id}"') :][:200]
        self.assertIn('aria-invalid="true"', tag)
        self.assertIn("autofocus", tag)
        self.assertContains(response, f'href="#{field_id}"')
        self.assertIn(f'id="task-{self.task8.number}"', html)
        # The entry at fault is the one open.
        self.assertRegex(html, rf'id="task-{self.task8.number}"[^>]* open>')
        self.assertFalse(Entry.objects.filter(report=gongxin).exclude(progress="").exists())


class SavingAsYouGoTests(ReportFormTestCase):
    def test_the_form_saves_by_itself_and_one_sitting_is_one_history_line(self) -> None:
        rnd = self.open_round()
        tax = self.report(rnd, self.tax)
        url = self.fill_url(self.co_liaison, tax)
        for text in ("半句", "半句话写完了"):
            response = self.client.post(
                url, self.entry_fields(self.task5, text), headers={"X-Autosave": "1"}
            )
            self.assertEqual(response.status_code, 200)
            self.assertIn("saved", response.json())
        entry = Entry.objects.get(report=tax, task=self.task5)
        self.assertEqual(entry.progress, "半句话写完了")
        self.assertEqual(
            ReportEvent.objects.filter(report=tax, action=ReportEvent.Action.SAVE).count(), 1
        )
        tax.refresh_from_db()
        self.assertEqual(tax.state, UnitReport.Status.DRAFT)
        bad = self.client.post(
            url,
            {**self.entry_fields(self.task5, "x"), f"e{self.task5.pk}-schedule": "soon"},
            headers={"X-Autosave": "1"},
        )
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(bad.json()["field"], "schedule")


class ReturnLoopTests(ReportFormTestCase):
    def test_opening_a_round_tells_each_units_liaisons(self) -> None:
        rnd = self.open_round()
        notice = Notice.objects.get(recipient=self.co_liaison)
        self.assertEqual(notice.kind, Notice.Kind.REPORT)
        self.assertIn(rnd.period, notice.title)
        self.assertIn("2024-04-05", notice.title)
        self.assertEqual(notice.url, f"/reports/{self.report(rnd, self.tax).pk}/")
        self.assertFalse(Notice.objects.filter(recipient=self.supervisor).exists())

    def test_a_leaders_return_reaches_the_liaison_and_the_top_of_the_form(self) -> None:
        rnd = self.open_round()
        tax = self.report(rnd, self.tax)
        leader = make_person("t.shuiwu.leader2", "leader", self.tax)
        self.fill(self.co_liaison, tax, self.entry_fields(self.task5, "初稿"))
        self.sign(leader, tax, decision="return", reason="请补充减税数据")
        notice = Notice.objects.filter(recipient=self.co_liaison).order_by("-id").first()
        self.assertIn("请补充减税数据", notice.title)
        page = self.client.get(self.fill_url(self.co_liaison, tax))
        self.assertContains(page, 'data-testid="leader-return"')
        self.assertContains(page, "请补充减税数据")
        self.fill(self.co_liaison, tax, self.entry_fields(self.task5, "补充了减税数据"))
        page = self.client.get(f"/reports/{tax.pk}/")
        self.assertNotContains(page, 'data-testid="leader-return"')

    def test_a_working_group_return_opens_only_that_entry_and_tells_the_liaison(self) -> None:
        rnd = self.open_round()
        gongxin = self.report(rnd, self.gongxin)
        fields = self.entry_fields(self.task5, "配合进展") | self.entry_fields(self.task8, "牵头")
        self.fill(self.lead_liaison, gongxin, fields)
        self.sign(self.leader, gongxin, decision="sign")
        url = self.step_url(self.supervisor, gongxin, ReportFlow.review)
        self.client.post(
            url,
            {
                f"e{self.task5.pk}-decision": "approve",
                f"e{self.task8.pk}-decision": "return",
                f"e{self.task8.pk}-reason": "缺少技改项目清单",
            },
        )
        notice = Notice.objects.filter(recipient=self.lead_liaison).order_by("-id").first()
        self.assertIn("缺少技改项目清单", notice.body)
        page = self.client.get(self.fill_url(self.lead_liaison, gongxin))
        self.assertContains(page, 'data-testid="review-return"')
        self.assertContains(page, "缺少技改项目清单")
        self.assertContains(page, f'name="e{self.task8.pk}-progress"')
        self.assertNotContains(page, f'name="e{self.task5.pk}-progress"')
        self.assertRegex(page.content.decode(), rf'id="task-{self.task8.number}"[^>]* open>')


class BreakdownSettingTests(ReportFormTestCase):
    def test_the_working_group_asks_for_county_shares_on_the_indicators_page(self) -> None:
        indicator = Indicator.objects.get(task=self.task8, name="实施技改项目")
        url = f"/indicators/{indicator.pk}/"
        self.client.force_login(self.supervisor)
        page = self.client.get(url)
        self.assertContains(page, 'name="by_member"')
        response = self.client.post(
            url,
            {
                "kind": indicator.kind,
                "direction": indicator.direction,
                "baseline": "",
                "by_member": "on",
                **{
                    f"target_{t.year}": format(t.value.normalize(), "f")
                    for t in indicator.targets.all()
                },
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(self.task8.targets.get(indicator="实施技改项目").by_member)
        page = self.client.get(url)
        self.assertContains(page, 'data-testid="by-member"')
        # A plan indicator has no county breakdown to offer.
        plan_indicator = Indicator.objects.filter(plan=self.plan, task__isnull=True).first()
        page = self.client.get(f"/indicators/{plan_indicator.pk}/")
        self.assertNotContains(page, 'name="by_member"')


class WhoTakesWhichStepTests(ReportFormTestCase):
    def test_a_unit_leader_is_never_offered_the_liaisons_step(self) -> None:
        rnd = self.open_round()
        gongxin = self.report(rnd, self.gongxin)
        self.client.force_login(self.leader)
        page = self.client.get(f"/reports/{gongxin.pk}/")
        self.assertContains(page, 'data-step="fill"')
        self.assertNotContains(page, "/fill/", html=False)
        fill = FlowTask.objects.get(process_id=gongxin.pk, flow_task=ReportFlow.fill)
        response = self.client.post(
            ReportFlow.fill.reverse("assign", args=[gongxin.pk, fill.pk]), {"_continue": 1}
        )
        self.assertIn(response.status_code, (403, 404))
        fill.refresh_from_db()
        self.assertIsNone(fill.owner_id)
        # The liaison takes it; once sent, the leader takes the sign-off.
        self.fill(
            self.lead_liaison,
            gongxin,
            self.entry_fields(self.task5, "配合") | self.entry_fields(self.task8, "牵头"),
        )
        self.sign(self.leader, gongxin, decision="sign")
        gongxin.refresh_from_db()
        self.assertEqual(gongxin.state, UnitReport.Status.SENT)


class ReviewTests(ReportFormTestCase):
    def sent_report(self) -> UnitReport:
        rnd = self.open_round()
        gongxin = self.report(rnd, self.gongxin)
        fields = self.entry_fields(self.task5, "配合进展") | self.entry_fields(self.task8, "牵头")
        self.fill(self.lead_liaison, gongxin, fields)
        self.sign(self.leader, gongxin, decision="sign")
        return gongxin

    def test_approve_all_but_the_tasks_marked_for_return(self) -> None:
        gongxin = self.sent_report()
        url = self.step_url(self.supervisor, gongxin, ReportFlow.review)
        self.client.post(
            url,
            {
                "all": "approve",
                f"e{self.task8.pk}-decision": "return",
                f"e{self.task8.pk}-reason": "请补充清单",
            },
        )
        statuses = dict(Entry.objects.filter(report=gongxin).values_list("task_id", "status"))
        self.assertEqual(
            statuses, {self.task5.pk: Entry.Status.APPROVED, self.task8.pk: Entry.Status.RETURNED}
        )
        gongxin.refresh_from_db()
        self.assertEqual(gongxin.state, UnitReport.Status.RETURNED)
        # The report's page says it once, and the round page no longer says "on time".
        page = self.client.get(f"/reports/{gongxin.pk}/")
        meta = page.content.decode().split('<p class="meta">', 1)[1].split("</p>", 1)[0]
        self.assertEqual(meta.count("已退回"), 1)
        round_page = self.client.get(f"/rounds/{gongxin.round_id}/")
        self.assertContains(round_page, 'data-unit="市工业和信息化局" data-status="returned"')

    def test_an_incomplete_review_names_the_tasks_left_undecided(self) -> None:
        gongxin = self.sent_report()
        url = self.step_url(self.supervisor, gongxin, ReportFlow.review)
        response = self.client.post(url, {f"e{self.task5.pk}-decision": "approve"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'data-testid="form-error"')
        error = response.content.decode().split('data-testid="form-error">', 1)[1][:300]
        self.assertIn(str(self.task8.number), error)
        self.assertNotIn(f"{self.task5.number}、", error)
        self.assertEqual(
            set(Entry.objects.filter(report=gongxin).values_list("status", flat=True)),
            {Entry.Status.SUBMITTED},
        )
