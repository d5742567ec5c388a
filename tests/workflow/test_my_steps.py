"""我的待办 (My steps): what waits for each person, in their words, with its deadline,
through the URLs as people click."""

import datetime
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.models import Task as FlowTask
from viewflow.workflow.status import STATUS

from audit.models import AuditEvent
from departments.models import User
from rounds.flows import ReportFlow
from rounds.models import Round, UnitReport
from rounds.opening import round_create
from tests.base import PlanTestCase, make_person
from tests.clock import FrozenClockMixin
from tests.visible_text import _VisibleText, english_on_page
from workflow.dispatch import task_dispatch
from workflow.flows import TaskFlow
from workflow.selectors import my_steps

START = datetime.datetime(2024, 3, 25, 9, 0, tzinfo=datetime.timezone(timedelta(hours=8)))
TODAY = START.date()
ROUND_DEADLINE = datetime.date(2024, 4, 5)
LEADER_REASON = (
    "本期进展写得太笼统，请补充企业研发机构新增数量和具体措施，并附相关佐证材料；"
    "存在问题和下步打算两栏不要空着，写明时间节点后重新报送。"
)


class MyStepsTestCase(FrozenClockMixin, PlanTestCase):
    """Task 4 (lead 市工业和信息化局, the counties informed) dispatched a week ago
    and a round open on it: the lead unit's liaison has the acknowledgement and
    the round report waiting; its leader, nothing yet."""

    start = START

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.tax_leader = make_person("t.shuiwu.leader", User.Role.LEADER, cls.tax)
        cls.task4 = cls.plan.tasks.get(number=4)
        (cls.process,) = task_dispatch(tasks=[cls.task4], by=None, today=TODAY - timedelta(days=7))
        cls.round = round_create(
            plan=cls.plan,
            by=cls.supervisor,
            period="2024年第一季度",
            cadence=Round.Cadence.QUARTERLY,
            opens_on=TODAY,
            deadline=ROUND_DEADLINE,
            today=TODAY,
        )
        cls.report = UnitReport.objects.get(round=cls.round, unit=cls.gongxin)

    def setUp(self) -> None:
        super().setUp()
        reverse("home")  # viewflow's node URLs know their namespace once the URLconf loads

    def inbox(self, user: User):  # type: ignore[no-untyped-def]
        self.client.force_login(user)
        response = self.client.get(reverse("my_tasks"))
        self.assertEqual(response.status_code, 200)
        return response, response.context["inbox"]

    def row(self, user: User, kind: str):  # type: ignore[no-untyped-def]
        _response, inbox = self.inbox(user)
        (row,) = [row for row in inbox.rows if row.kind == kind]
        return row

    def handle(self, user: User, kind: str) -> str:
        """Press 办理 on the person's row of this kind: the step is theirs and opens."""
        row = self.row(user, kind)
        response = self.client.post(reverse("my_tasks"), {"step": row.step_id})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(FlowTask.objects.get(pk=row.step_id).owner, user)
        return response["Location"]

    def submit_report(self, progress: str = "召开专题推进会，新增企业研发机构12家。") -> None:
        url = self.handle(self.lead_liaison, "fill")
        pk = self.task4.pk
        response = self.client.post(
            url,
            {
                "action": "submit",
                f"e{pk}-progress": progress,
                f"e{pk}-schedule": "on",
                f"e{pk}-problems": "",
                f"e{pk}-next_steps": "继续推进",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, UnitReport.Status.SIGNING)

    def leader_returns(self, reason: str = LEADER_REASON) -> None:
        url = self.handle(self.leader, "sign")
        response = self.client.post(url, {"decision": "return", "reason": reason})
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, UnitReport.Status.DRAFT)


class LiaisonInboxTests(MyStepsTestCase):
    def test_the_liaison_finds_the_round_report_with_the_rounds_deadline_to_fill_in(self) -> None:
        response, inbox = self.inbox(self.lead_liaison)
        rows = {row.kind: row for row in inbox.rows}
        self.assertEqual(set(rows), {"acknowledge", "fill"})
        fill = rows["fill"]
        self.assertEqual(fill.what, "填报本期进展")
        self.assertEqual(fill.subject, "2024年第一季度调度报告")
        self.assertEqual(fill.subject_url, reverse("report_detail", args=[self.report.pk]))
        self.assertEqual(fill.deadline.on, ROUND_DEADLINE)
        self.assertEqual(fill.status, "待填报")
        self.assertTrue(fill.claim)
        ack = rows["acknowledge"]
        self.assertEqual((ack.what, ack.status), ("确认接收任务", "待签收"))
        self.assertEqual(ack.subject, "任务4 · 支持产业基础质量建设")
        self.assertEqual(ack.deadline.on, self.process.acknowledge_by)
        # The soonest deadline first: the acknowledgement was due within a week.
        self.assertEqual([row.kind for row in inbox.rows], ["acknowledge", "fill"])
        self.assertContains(response, "2024-04-05")
        self.assertContains(response, "还剩 11 天")
        self.assertContains(response, "待填报")
        self.assertContains(response, ">办理</button>", count=2)

    def test_the_page_speaks_the_liaisons_words_not_the_engines(self) -> None:
        self.handle(self.lead_liaison, "acknowledge")  # taken: the row now links to the form
        response, _inbox = self.inbox(self.lead_liaison)
        # The page's own part (the top bar is the site's).
        html = response.content.decode().split('<main class="page">', 1)[1]
        for word in ("环节", "领取", "Claim", "#"):
            with self.subTest(word=word):
                self.assertNotIn(word, _visible(html))
        self.assertEqual(english_on_page(html, self.lead_liaison.username), [])

    def test_handle_takes_the_step_and_opens_its_form(self) -> None:
        row = self.row(self.lead_liaison, "fill")
        response = self.client.post(reverse("my_tasks"), {"step": row.step_id})
        self.assertRedirects(
            response,
            ReportFlow.fill.reverse("execute", args=[self.report.pk, row.step_id]),
            fetch_redirect_response=False,
        )
        # A colleague of the unit now sees who has it, and no button to take it.
        colleague = make_person("t.gongxin2", User.Role.LIAISON, self.gongxin)
        _response, inbox = self.inbox(colleague)
        (held,) = [r for r in inbox.rows if r.kind == "fill"]
        self.assertEqual((held.claim, held.open_url), (False, ""))
        self.assertEqual(held.status, "t.gongxin 正在办理")
        # Pressing it anyway (a stale page) takes nothing and says who has it.
        response = self.client.post(reverse("my_tasks"), {"step": row.step_id}, follow=True)
        self.assertContains(response, 'id="step-already-done"')
        self.assertContains(response, "t.gongxin")
        self.assertEqual(FlowTask.objects.get(pk=row.step_id).owner, self.lead_liaison)

    def test_a_leader_return_shows_returned_and_the_reason_on_the_row(self) -> None:
        self.submit_report()
        self.leader_returns()
        response, inbox = self.inbox(self.lead_liaison)
        (fill,) = [row for row in inbox.rows if row.kind == "fill"]
        self.assertEqual(fill.status, "已退回")
        self.assertEqual(fill.what, "修改后重新报送")
        self.assertEqual(fill.full_reason, LEADER_REASON)
        self.assertEqual(fill.reason, LEADER_REASON[:59] + "…")
        self.assertContains(response, "已退回")
        self.assertContains(response, LEADER_REASON[:40])
        # Sent again, it is no longer "returned" anywhere.
        self.submit_report("补充：新增企业研发机构12家，附认定文件。")
        _response, inbox = self.inbox(self.lead_liaison)
        self.assertNotIn("fill", [row.kind for row in inbox.rows])

    def test_the_bureaus_return_names_the_task_and_its_reason(self) -> None:
        self.submit_report()
        url = self.handle(self.leader, "sign")
        self.client.post(url, {"decision": "sign"})
        review = self.handle(self.supervisor, "review")
        self.client.post(
            review,
            {
                f"e{self.task4.pk}-decision": "return",
                f"e{self.task4.pk}-reason": "佐证材料不足",
            },
        )
        self.report.refresh_from_db()
        self.assertEqual(self.report.state, UnitReport.Status.RETURNED)
        fill = self.row(self.lead_liaison, "fill")
        self.assertEqual((fill.status, fill.reason), ("已退回", "任务4：佐证材料不足"))

    def test_overdue_rows_are_marked_in_red_with_the_days(self) -> None:
        self.at(timedelta(days=14))  # 2024-04-08: the report is three days late
        response, inbox = self.inbox(self.lead_liaison)
        (fill,) = [row for row in inbox.rows if row.kind == "fill"]
        self.assertTrue(fill.deadline.overdue)
        self.assertEqual(fill.deadline.days_overdue, 3)
        self.assertContains(response, "已逾期 3 天")
        self.assertContains(response, "inbox-row inbox-overdue")
        self.assertContains(response, "共 2 项待办")
        self.assertContains(response, "其中 2 项已逾期")

    def test_each_finished_step_is_listed_once_with_its_date(self) -> None:
        url = self.handle(self.lead_liaison, "acknowledge")
        self.assertEqual(self.client.post(url, {}).status_code, 302)
        self.submit_report()
        self.leader_returns()
        self.at(timedelta(days=1))
        self.submit_report("补充：新增企业研发机构12家，附认定文件。")
        response, inbox = self.inbox(self.lead_liaison)
        self.assertEqual([row.kind for row in inbox.done], ["fill", "acknowledge"])
        self.assertEqual(inbox.done[0].finished.date(), TODAY + timedelta(days=1))
        self.assertContains(response, 'data-testid="done-row"', count=2)
        self.assertContains(response, "2024-03-26")


class RoleTests(MyStepsTestCase):
    def test_a_leader_has_only_the_sign_off_to_act_on(self) -> None:
        # The unit's acknowledgement, work plan and report wait: none for the leader.
        _response, inbox = self.inbox(self.leader)
        self.assertEqual((inbox.rows, inbox.later), ([], []))
        self.submit_report()
        response, inbox = self.inbox(self.leader)
        self.assertEqual(
            [(row.kind, row.what, row.status) for row in inbox.rows],
            [("sign", "签发调度报告", "待签发")],
        )
        self.assertEqual(inbox.rows[0].deadline.on, ROUND_DEADLINE)
        self.assertContains(response, "待签发")
        self.assertNotContains(response, "确认接收任务")

    def test_a_leader_cannot_take_the_liaisons_step_through_the_inbox(self) -> None:
        ack = FlowTask.objects.get(process_id=self.process.pk, flow_task=TaskFlow.acknowledge)
        self.client.force_login(self.leader)
        response = self.client.post(reverse("my_tasks"), {"step": ack.pk})
        self.assertEqual(response.status_code, 404)
        self.assertIsNone(FlowTask.objects.get(pk=ack.pk).owner)

    def test_a_liaison_never_sees_the_sign_off(self) -> None:
        self.submit_report()
        _response, inbox = self.inbox(self.lead_liaison)
        self.assertNotIn("sign", [row.kind for row in inbox.rows])

    def test_the_supervisor_sees_what_to_review_with_the_unit(self) -> None:
        self.submit_report()
        url = self.handle(self.leader, "sign")
        self.client.post(url, {"decision": "sign"})
        _response, inbox = self.inbox(self.supervisor)
        (row,) = inbox.rows
        self.assertEqual((row.kind, row.what, row.status), ("review", "审核调度报告", "待审核"))
        self.assertEqual(row.context, "市工业和信息化局")


class UnitRuleTests(MyStepsTestCase):
    def test_another_units_steps_never_appear(self) -> None:
        gongxin_steps = set(
            FlowTask.objects.filter(
                process_id__in=[self.process.pk, self.report.pk], status=STATUS.NEW
            ).values_list("pk", flat=True)
        )
        self.assertTrue(gongxin_steps)
        for person in (self.co_liaison, self.unrelated_liaison, self.tax_leader, self.reader):
            with self.subTest(person=person.username):
                response, inbox = self.inbox(person)
                shown = {row.step_id for row in inbox.rows + inbox.later}
                self.assertFalse(shown & gongxin_steps)
                self.assertNotContains(response, "支持产业基础质量建设")
                self.assertNotContains(response, reverse("report_detail", args=[self.report.pk]))

    def test_taking_another_units_step_answers_404_and_is_recorded(self) -> None:
        fill = FlowTask.objects.get(process_id=self.report.pk, flow_task=ReportFlow.fill)
        self.client.force_login(self.unrelated_liaison)
        response = self.client.post(reverse("my_tasks"), {"step": fill.pk})
        self.assertEqual(response.status_code, 404)
        self.assertIsNone(FlowTask.objects.get(pk=fill.pk).owner)
        self.assertTrue(
            AuditEvent.objects.filter(action="access.denied", username="t.shenji").exists()
        )
        for junk in ("", "abc", "99999999", "1" * 40):
            with self.subTest(step=junk):
                self.assertEqual(
                    self.client.post(reverse("my_tasks"), {"step": junk}).status_code, 404
                )


class QueryCountTests(MyStepsTestCase):
    def count(self, user: User) -> int:
        user = User.objects.get(pk=user.pk)  # no permission cached from an earlier look
        with CaptureQueriesContext(connection) as queries:
            inbox = my_steps(user, today=TODAY)
        self.assertTrue(inbox.rows)
        return len(queries)

    def test_the_inbox_costs_the_same_for_one_task_or_many(self) -> None:
        # One task acknowledged (its work plan open) and a report sent back.
        url = self.handle(self.lead_liaison, "acknowledge")
        self.client.post(url, {})
        self.submit_report()
        self.leader_returns()
        few = self.count(self.lead_liaison)
        # Three more tasks of the same unit, each acknowledged, and a second round.
        for number in (6, 8, 10):
            task_dispatch(tasks=[self.plan.tasks.get(number=number)], by=None, today=TODAY)
            url = self.handle(self.lead_liaison, "acknowledge")
            self.client.post(url, {})
        round_create(
            plan=self.plan,
            by=self.supervisor,
            period="2024年3月",
            cadence=Round.Cadence.MONTHLY,
            opens_on=TODAY,
            deadline=ROUND_DEADLINE + timedelta(days=5),
            today=TODAY,
        )
        _response, inbox = self.inbox(self.lead_liaison)
        self.assertGreaterEqual(len(inbox.rows), 6)
        self.assertEqual(self.count(self.lead_liaison), few)


def _visible(html: str) -> str:
    """The page's visible text, joined (attributes that show count too)."""
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.texts)
