"""Supervision notices (督办单): the list, a notice, its PDF, the unit's answer."""

import io

from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from supervision import services
from supervision.selectors import my_items_context, notices_visible_to
from tests.audit_coverage import audited
from tests.supervision.base import SupervisionTestCase, issue_notice


def pdf_text(pdf: bytes) -> str:
    """The PDF's text without the line breaks and spaces the layout puts in it."""
    return "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


class NoticePageTests(SupervisionTestCase):
    def test_a_unit_sees_its_own_notices_and_supervisors_and_readers_all(self) -> None:
        other = issue_notice(self.keji, [self.p5], self.notice.issued_at.date())
        self.assertEqual(list(notices_visible_to(self.lead_liaison)), [self.notice])
        self.assertEqual(list(notices_visible_to(self.keji_liaison)), [other])
        self.assertEqual(set(notices_visible_to(self.reader)), {self.notice, other})
        self.login(self.lead_liaison)
        response = self.client.get(reverse("supervision_notices"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.notice.doc_number)
        self.assertNotContains(response, other.doc_number)
        self.login(self.supervisor)
        response = self.client.get(reverse("supervision_notices"), {"state": "open"})
        self.assertEqual(list(response.context["notices"]), [other, self.notice])

    def test_the_notice_page_shows_the_frozen_items_and_the_answer_form_to_the_unit(self) -> None:
        self.login(self.lead_liaison)
        response = self.client.get(reverse("supervision_notice", args=[self.notice.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "督办〔2024〕1号")
        self.assertContains(response, "任务4签收逾期1天")
        self.assertContains(response, 'data-testid="answer-form"')
        self.assertContains(response, reverse("supervision_notice_pdf", args=[self.notice.pk]))

    def test_a_supervisor_and_a_reader_read_it_without_the_answer_form(self) -> None:
        for person in (self.supervisor, self.reader):
            self.login(person)
            response = self.client.get(reverse("supervision_notice", args=[self.notice.pk]))
            self.assertEqual(response.status_code, 200)
            self.assertNotContains(response, 'data-testid="answer-form"')

    def test_another_units_notice_answers_404_on_every_url(self) -> None:
        self.login(self.keji_liaison)
        denied = AuditEvent.objects.filter(action="access.denied", username="t.keji")
        for name in ("supervision_notice", "supervision_notice_pdf", "supervision_notice_answer"):
            with self.subTest(url=name):
                before = denied.count()
                url = reverse(name, args=[self.notice.pk])
                self.assertEqual(self.client.get(url).status_code, 404)
                self.assertEqual(denied.count(), before + 1)
        url = reverse("supervision_notice_answer", args=[self.notice.pk])
        self.assertEqual(self.client.post(url, {"answer": "已办理。"}).status_code, 404)
        self.notice.refresh_from_db()
        self.assertIsNone(self.notice.answered_at)


class NoticePdfTests(SupervisionTestCase):
    def test_the_pdf_is_an_attachment_named_after_the_notice_with_its_number_inside(self) -> None:
        self.login(self.lead_liaison)
        response = self.client.get(reverse("supervision_notice_pdf", args=[self.notice.pk]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("attachment", response["Content-Disposition"])
        self.assertIn(
            "%E7%9D%A3%E5%8A%9E%E3%80%942024%E3%80%951%E5%8F%B7.pdf",  # 督办〔2024〕1号.pdf
            response["Content-Disposition"],
        )
        pdf = b"".join(response.streaming_content)
        self.assertTrue(pdf.startswith(b"%PDF"))
        compact = pdf_text(pdf)
        self.assertIn("督办〔2024〕1号", compact)
        self.assertIn("市工业和信息化局", compact)
        self.assertIn("支持产业基础质量建设", compact)  # task 4's title
        self.assertIn("任务4签收逾期1天", compact)

    def test_the_pdf_reads_the_items_frozen_at_issue(self) -> None:
        # Issued on 2024-01-16 with the items one day late; a day later it still says so,
        # and answering it changes nothing in it.
        self.login(self.supervisor)
        url = reverse("supervision_notice_pdf", args=[self.notice.pk])
        first = pdf_text(b"".join(self.client.get(url).streaming_content))
        self.assertIn("任务8签收逾期1天", first)
        self.assertNotIn("逾期2天", first)
        services.notice_answer(notice=self.notice, by=self.lead_liaison, answer="已办理。")
        second = pdf_text(b"".join(self.client.get(url).streaming_content))
        self.assertEqual(first, second)


class AnswerTests(SupervisionTestCase):
    def test_the_unit_answers_through_the_page_once(self) -> None:
        self.login(self.lead_liaison)
        url = reverse("supervision_notice_answer", args=[self.notice.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        with audited(
            services.notice_answer,
            action="supervision.notice_answer",
            by=self.lead_liaison,
            obj=self.notice,
            summary={"number": "督办〔2024〕1号"},
        ):
            response = self.client.post(url, {"answer": "已签收任务4和任务8，并制定工作计划。"})
        self.assertRedirects(response, reverse("supervision_notice", args=[self.notice.pk]))
        self.notice.refresh_from_db()
        self.assertEqual(self.notice.answer, "已签收任务4和任务8，并制定工作计划。")
        self.assertEqual(self.notice.answered_by, self.lead_liaison)
        event = AuditEvent.objects.get(action="supervision.notice_answer")
        self.assertEqual(event.username, "t.gongxin")
        self.assertEqual(event.object_id, str(self.notice.pk))
        self.assertEqual(event.summary, {"number": "督办〔2024〕1号"})
        # A second answer is refused: the page says so and nothing changes.
        response = self.client.post(url, {"answer": "再答一次。"}, follow=True)
        self.assertContains(response, "该督办单已反馈")
        self.notice.refresh_from_db()
        self.assertEqual(self.notice.answer, "已签收任务4和任务8，并制定工作计划。")
        self.assertEqual(AuditEvent.objects.filter(action="supervision.notice_answer").count(), 1)

    def test_an_empty_answer_is_refused_with_the_reason(self) -> None:
        self.login(self.leader)
        url = reverse("supervision_notice_answer", args=[self.notice.pk])
        response = self.client.post(url, {"answer": "  "})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "请说明")
        self.notice.refresh_from_db()
        self.assertIsNone(self.notice.answered_at)

    def test_a_supervisor_cannot_answer_for_the_unit(self) -> None:
        self.login(self.supervisor)
        url = reverse("supervision_notice_answer", args=[self.notice.pk])
        self.assertEqual(self.client.post(url, {"answer": "代答。"}).status_code, 404)
        self.notice.refresh_from_db()
        self.assertIsNone(self.notice.answered_at)

    def test_the_unanswered_notice_is_in_the_units_inbox_until_answered(self) -> None:
        context = my_items_context(self.lead_liaison)
        self.assertEqual(context["my_notices"], [self.notice])
        self.assertEqual(my_items_context(self.keji_liaison)["my_notices"], [])
        self.assertEqual(my_items_context(self.supervisor)["my_notices"], [])
        services.notice_answer(notice=self.notice, by=self.lead_liaison, answer="已办理。")
        self.assertEqual(my_items_context(self.lead_liaison)["my_notices"], [])
