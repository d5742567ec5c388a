"""Proposal → interview → minutes with commitments → the unit reports → the working
group closes, through the URLs the way people click."""

import datetime
from urllib.parse import urlencode

from django.urls import reverse

from audit.models import AuditEvent
from documents.models import NumberSeries
from supervision import services
from supervision.models import Commitment, Interview, InterviewProposal
from supervision.selectors import interviews_visible_to, my_items_context
from tests.audit_coverage import audited
from tests.supervision.base import SupervisionTestCase, hold, issue_notice, schedule


def notices_installed() -> bool:
    try:
        import notices.services  # noqa: F401
    except ImportError:
        return False
    return True


class InterviewFlowTests(SupervisionTestCase):
    def test_from_proposal_to_closed_commitments_through_the_pages(self) -> None:
        trail = AuditEvent.objects.filter(username__in=["t.supervisor", "t.gongxin"])
        # The supervisor accepts the proposal and lands on the interview form, prefilled.
        self.login(self.supervisor)
        with audited(
            services.proposal_decide,
            action="supervision.proposal_accept",
            by=self.supervisor,
            obj=self.proposal,
        ):
            response = self.client.post(
                reverse("proposal_decide", args=[self.proposal.pk]), {"accept": "1", "note": ""}
            )
        query = urlencode({"unit": self.gongxin.pk, "proposal": self.proposal.pk})
        self.assertRedirects(response, f"{reverse('interview_new')}?{query}")
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, InterviewProposal.Status.ACCEPTED)
        event = trail.get(action="supervision.proposal_accept")
        self.assertEqual(event.object_id, str(self.proposal.pk))
        self.assertEqual(event.summary["unit"], "市工业和信息化局")

        response = self.client.get(response["Location"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].initial["interviewee"], "t.gongxin.leader")
        self.assertEqual(response.context["form"].initial["reason"], "督办单逾期未反馈")
        self.assertContains(response, 'data-testid="from-proposal"')

        with audited(
            services.interview_schedule,
            action="supervision.interview_schedule",
            by=self.supervisor,
            summary={"tasks": [4, 8]},
        ):
            response = self.client.post(
                response.request["PATH_INFO"] + "?" + query,
                {
                    "interviewee": "副局长 李某某",
                    "held_at": "2024-01-19T15:00",
                    "place": "市市场监管局三楼会议室",
                    "reason": "督办单逾期未反馈。",
                    "tasks": [self.task(4).pk, self.task(8).pk],
                },
            )
        interview = Interview.objects.get(unit=self.gongxin)
        self.assertRedirects(response, reverse("interview_detail", args=[interview.pk]))
        self.assertEqual(interview.proposal, self.proposal)
        self.assertEqual(sorted(t.number for t in interview.tasks.all()), [4, 8])
        event = trail.get(action="supervision.interview_schedule")
        self.assertEqual(event.summary["tasks"], [4, 8])
        if notices_installed():
            from notices.models import Notice

            told = Notice.objects.filter(kind="interview", key=f"interview:{interview.pk}")
            self.assertEqual(
                {n.recipient.username for n in told}, {"t.gongxin", "t.gongxin.leader"}
            )

        # After the interview: minutes and two commitments.
        url = reverse("interview_record", args=[interview.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        rows = {
            "commitments-TOTAL_FORMS": "3",
            "commitments-INITIAL_FORMS": "0",
            "commitments-0-text": "一周内完成全部任务签收。",
            "commitments-0-due_on": "2024-01-26",
            "commitments-1-text": "报送整改报告。",
            "commitments-1-due_on": "2024-02-10",
        }
        with audited(
            services.interview_record,
            action="supervision.interview_record",
            by=self.supervisor,
            summary={"commitments": 2},
        ):
            response = self.client.post(
                url, {"minutes": "听取整改情况汇报。", "problems": "签收不及时。", **rows}
            )
        self.assertRedirects(response, reverse("interview_detail", args=[interview.pk]))
        interview.refresh_from_db()
        self.assertEqual(interview.status, Interview.Status.HELD)
        first, second = interview.commitments.order_by("number")
        self.assertEqual(
            (first.text, first.due_on), ("一周内完成全部任务签收。", datetime.date(2024, 1, 26))
        )
        self.assertEqual(
            trail.get(action="supervision.interview_record").summary, {"commitments": 2}
        )

        # The unit finds the commitments in its inbox and on the interview page, and reports.
        self.assertEqual(my_items_context(self.lead_liaison)["my_commitments"], [first, second])
        self.login(self.lead_liaison)
        response = self.client.get(reverse("interview_detail", args=[interview.pk]))
        self.assertContains(response, reverse("commitment_report", args=[first.pk]))
        self.assertNotContains(response, reverse("commitment_close", args=[first.pk]))
        with audited(
            services.commitment_report,
            action="supervision.commitment_report",
            by=self.lead_liaison,
            obj=first,
        ):
            response = self.client.post(
                reverse("commitment_report", args=[first.pk]), {"report": "已全部签收。"}
            )
        self.assertRedirects(response, reverse("interview_detail", args=[interview.pk]))
        first.refresh_from_db()
        self.assertEqual((first.status, first.report), (Commitment.Status.REPORTED, "已全部签收。"))
        self.assertEqual(trail.get(action="supervision.commitment_report").username, "t.gongxin")

        # The supervisor sends it back once, then closes it.
        self.login(self.supervisor)
        url = reverse("commitment_close", args=[first.pk])
        response = self.client.post(url, {"note": "请补充签收记录。", "reopen": "1"})
        self.assertRedirects(response, reverse("interview_detail", args=[interview.pk]))
        first.refresh_from_db()
        self.assertEqual(first.status, Commitment.Status.OPEN)
        self.assertEqual(
            trail.get(action="supervision.commitment_reopen").summary["note"], "请补充签收记录。"
        )
        services.commitment_report(commitment=first, by=self.lead_liaison, report="已补充。")
        with audited(
            services.commitment_close,
            action="supervision.commitment_close",
            by=self.supervisor,
            obj=first,
        ):
            response = self.client.post(url, {"note": "核实无误。", "close": "1"})
        first.refresh_from_db()
        self.assertEqual(first.status, Commitment.Status.CLOSED)
        self.assertEqual(first.closed_by, self.supervisor)
        self.assertEqual(trail.get(action="supervision.commitment_close").object_id, str(first.pk))
        # A closed commitment takes no more reports or checks.
        response = self.client.post(url, {"note": "再次办结。"}, follow=True)
        self.assertContains(response, "该整改承诺已销号")
        self.assertEqual(my_items_context(self.lead_liaison)["my_commitments"], [second])

    def test_dismissing_a_proposal_needs_a_note(self) -> None:
        self.login(self.supervisor)
        url = reverse("proposal_decide", args=[self.proposal.pk])
        response = self.client.post(url, {"dismiss": "1", "note": ""})
        self.assertEqual(response.status_code, 200)
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, InterviewProposal.Status.PROPOSED)
        response = self.client.post(url, {"dismiss": "1", "note": "已当面督促。"})
        self.assertRedirects(response, reverse("supervision_board"))
        self.proposal.refresh_from_db()
        self.assertEqual(self.proposal.status, InterviewProposal.Status.DISMISSED)
        self.assertTrue(AuditEvent.objects.filter(action="supervision.proposal_dismiss").exists())

    def test_a_new_interview_without_a_unit_asks_for_it_first(self) -> None:
        self.login(self.supervisor)
        response = self.client.get(reverse("interview_new"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("choose", response.context)
        response = self.client.get(reverse("interview_new"), {"unit": self.keji.pk})
        self.assertIn("form", response.context)
        labels = [label for _value, label in response.context["form"].fields["tasks"].choices]
        self.assertIn("5. 推动政产学研用融合创新", labels)

    def test_a_missing_field_is_refused_and_nothing_is_scheduled(self) -> None:
        self.login(self.supervisor)
        url = reverse("interview_new") + f"?unit={self.keji.pk}"
        response = self.client.post(url, {"interviewee": "", "place": "市政府", "reason": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "请填写约谈对象")
        self.assertFalse(Interview.objects.exists())

    def test_only_supervisors_decide_schedule_record_and_close(self) -> None:
        interview = schedule(self.supervisor, self.gongxin)
        for person in (self.lead_liaison, self.leader, self.reader):
            with self.subTest(person=person.username):
                self.login(person)
                self.assertEqual(self.client.get(reverse("interview_new")).status_code, 404)
                for url in (
                    reverse("proposal_decide", args=[self.proposal.pk]),
                    reverse("interview_record", args=[interview.pk]),
                ):
                    self.assertEqual(self.client.post(url, {"accept": "1"}).status_code, 404)
        hold(self.supervisor, interview, datetime.date(2024, 2, 1))
        commitment = interview.commitments.get()
        self.login(self.lead_liaison)
        url = reverse("commitment_close", args=[commitment.pk])
        self.assertEqual(self.client.post(url, {"note": "自行办结。"}).status_code, 404)
        commitment.refresh_from_db()
        self.assertEqual(commitment.status, Commitment.Status.OPEN)
        # And only the interviewed unit reports.
        self.login(self.supervisor)
        url = reverse("commitment_report", args=[commitment.pk])
        self.assertEqual(self.client.post(url, {"report": "代报。"}).status_code, 404)

    def test_another_unit_gets_404_for_the_interview_and_its_commitments(self) -> None:
        interview = schedule(self.supervisor, self.gongxin)
        hold(self.supervisor, interview, datetime.date(2024, 2, 1))
        commitment = interview.commitments.get()
        self.assertEqual(list(interviews_visible_to(self.keji_liaison)), [])
        self.login(self.keji_liaison)
        denied = AuditEvent.objects.filter(action="access.denied", username="t.keji")
        for url in (
            reverse("interview_detail", args=[interview.pk]),
            reverse("interview_record", args=[interview.pk]),
            reverse("commitment_report", args=[commitment.pk]),
            reverse("commitment_close", args=[commitment.pk]),
            reverse("proposal_decide", args=[self.proposal.pk]),
        ):
            with self.subTest(url=url):
                before = denied.count()
                self.assertEqual(self.client.get(url).status_code, 404)
                self.assertEqual(denied.count(), before + 1)
        response = self.client.get(reverse("interview_list"))
        self.assertEqual(list(response.context["interviews"]), [])

    def test_the_record_form_adds_rows_without_checking(self) -> None:
        interview = schedule(self.supervisor, self.gongxin)
        self.login(self.supervisor)
        response = self.client.post(
            reverse("interview_record", args=[interview.pk]),
            {"commitments-TOTAL_FORMS": "3", "commitments-INITIAL_FORMS": "0", "add_rows": "1"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.context["rows"].forms), 6)
        self.assertNotContains(response, "errorlist")

    def test_a_commitment_before_the_interview_is_refused_with_the_reason(self) -> None:
        interview = schedule(self.supervisor, self.gongxin)
        self.login(self.supervisor)
        response = self.client.post(
            reverse("interview_record", args=[interview.pk]),
            {
                "minutes": "纪要。",
                "commitments-TOTAL_FORMS": "1",
                "commitments-INITIAL_FORMS": "0",
                "commitments-0-text": "整改。",
                "commitments-0-due_on": "2024-01-01",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "整改承诺的完成时限不能早于约谈日期")
        interview.refresh_from_db()
        self.assertEqual(interview.status, Interview.Status.SCHEDULED)
        self.assertFalse(Commitment.objects.exists())


class NumberingTests(SupervisionTestCase):
    def test_notices_are_numbered_per_year_without_gaps_and_the_number_is_audited(self) -> None:
        with audited(
            services.notice_issue,
            action="supervision.notice_issue",
            by=None,
            summary={"number": "督办〔2024〕2号", "unit": self.keji.name},
        ):
            second = issue_notice(self.keji, [self.p5], datetime.date(2024, 1, 17))
        next_year = issue_notice(self.keji, [self.p5], datetime.date(2025, 1, 2))
        self.assertEqual(
            [self.notice.doc_number, second.doc_number, next_year.doc_number],
            ["督办〔2024〕1号", "督办〔2024〕2号", "督办〔2025〕1号"],
        )
        self.assertEqual(NumberSeries.objects.get(series="supervision_notice", year=2024).last, 2)
        numbers = AuditEvent.objects.filter(action="supervision.notice_issue").order_by("pk")
        self.assertEqual(
            [e.summary["number"] for e in numbers],
            ["督办〔2024〕1号", "督办〔2024〕2号", "督办〔2025〕1号"],
        )
