"""The supervision sweep, moved through a whole round with `supervise --now`."""

import datetime
import io
import json
from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEvent
from departments.models import Unit, User
from notices.models import Notice
from rounds.models import Round, UnitReport
from rounds.opening import round_create
from supervision import services
from supervision.models import (
    Commitment,
    InterviewProposal,
    LadderStep,
    Light,
    LightRecord,
    SupervisionNotice,
)
from supervision.sweep import sweep
from tests.audit_coverage import audited
from tests.base import PlanTestCase, make_person
from workflow.dispatch import task_dispatch

OPENED = datetime.date(2026, 3, 10)
DEADLINE = datetime.date(2026, 3, 31)


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def supervise(day: datetime.date, hour: int = 9) -> dict:
    out = StringIO()
    call_command("supervise", "--now", f"{day.isoformat()}T{hour:02d}:00", stdout=out)
    return json.loads(out.getvalue())


class SweepTestCase(PlanTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        unit = Unit.objects.get
        cls.keji = unit(code="keji")
        cls.fagai = unit(code="fagai")
        cls.keji_liaison = make_person("t.keji", User.Role.LIAISON, cls.keji)
        cls.keji_leader = make_person("t.keji.leader", User.Role.LEADER, cls.keji)
        cls.fagai_liaison = make_person("t.fagai", User.Role.LIAISON, cls.fagai)
        # Task 5: lead 市科技局 (co: 市市场监管局, 市工业和信息化局, 市税务局, the counties);
        # task 8: lead 市工业和信息化局 (co: 市发展改革委, the counties).
        cls.task5 = cls.plan.tasks.get(number=5)
        cls.task8 = cls.plan.tasks.get(number=8)
        # Acknowledged long before the round, so that only the round's report is due.
        task_dispatch(
            tasks=[cls.task5, cls.task8],
            by=None,
            today=OPENED,
            acknowledge_by=datetime.date(2026, 12, 31),
            complete_by=datetime.date(2027, 12, 31),
        )
        cls.round = round_create(
            plan=cls.plan, by=None, period="2026年第一季度", deadline=DEADLINE, today=OPENED
        )

    def notices(self, person: User, kind: str | None = None) -> list[Notice]:
        found = Notice.objects.filter(recipient=person)
        return list(found.filter(kind=kind) if kind else found)

    def send(self, unit: Unit, day: datetime.date) -> None:
        """The unit's report reaches the bureau (the rounds tests cover the steps)."""
        report = UnitReport.objects.get(round=self.round, unit=unit)
        report.sent_at = at(day)
        report.state = UnitReport.Status.SENT
        report.save()


class LadderTests(SweepTestCase):
    def test_a_whole_round_climbs_the_ladder_once_per_item_and_person(self) -> None:
        # Well before the deadline: nothing.
        counts = supervise(DEADLINE - datetime.timedelta(days=10))
        self.assertEqual(counts.get("reminders", 0), 0)
        # Only the notice that the round opened, sent when it opened.
        (opened,) = self.notices(self.keji_liaison)
        self.assertEqual(opened.kind, "report")

        # Three days before: a reminder to the liaisons of each unit that has not sent.
        supervise(DEADLINE - datetime.timedelta(days=3))
        (reminder,) = self.notices(self.keji_liaison, "reminder")
        self.assertIn("2026年第一季度", reminder.title)
        self.assertEqual(self.notices(self.keji_leader), [])
        # Sweeping again the same day, or twice more, sends nothing new.
        supervise(DEADLINE - datetime.timedelta(days=3), 10)
        supervise(DEADLINE - datetime.timedelta(days=3), 11)
        self.assertEqual(len(self.notices(self.keji_liaison, "reminder")), 1)

        # 市发展改革委 sends its report: its ladder stops there.
        self.send(self.fagai, DEADLINE - datetime.timedelta(days=2))
        supervise(DEADLINE - datetime.timedelta(days=1))
        self.assertEqual(len(self.notices(self.keji_liaison, "reminder")), 2)
        self.assertEqual(len(self.notices(self.fagai_liaison, "reminder")), 1)

        # The day after the deadline: 催办 to the liaisons and the leader; red lights.
        supervise(DEADLINE + datetime.timedelta(days=1))
        self.assertEqual(len(self.notices(self.keji_liaison, "urge")), 1)
        self.assertEqual(len(self.notices(self.keji_leader, "urge")), 1)
        self.assertEqual(self.notices(self.fagai_liaison, "urge"), [])
        task_light = LightRecord.objects.get(round=self.round, task=self.task5)
        self.assertEqual(task_light.color, Light.RED)
        self.assertIn("逾期1天", " ".join(task_light.reasons))
        unit_light = LightRecord.objects.get(round=self.round, unit=self.keji)
        self.assertEqual(unit_light.color, Light.RED)
        self.assertEqual(
            LightRecord.objects.get(round=self.round, unit=self.fagai).color, Light.GREEN
        )

        # Five more days: a numbered 督办单 to the unit leader, copied to the supervisors.
        with audited(
            services.notice_issue,
            action="supervision.notice_issue",
            by=None,
            summary={"unit": self.keji.name},
        ):
            supervise(DEADLINE + datetime.timedelta(days=6))
        notices = SupervisionNotice.objects.order_by("number")
        self.assertTrue(notices.filter(unit=self.keji).exists())
        self.assertEqual(
            list(notices.values_list("number", flat=True)), list(range(1, notices.count() + 1))
        )
        keji_notice = notices.get(unit=self.keji)
        self.assertEqual(keji_notice.doc_number, f"督办〔2026〕{keji_notice.number}号")
        self.assertEqual(keji_notice.plan, self.plan)  # the plan's next bulletin names the unit
        self.assertIn("逾期6天", keji_notice.items[0]["reason"])
        self.assertEqual(len(self.notices(self.keji_leader, "supervision_notice")), 1)
        self.assertEqual(len(self.notices(self.supervisor, "supervision_notice")), notices.count())
        self.assertTrue(
            AuditEvent.objects.filter(
                action="supervision.notice_issue", object_id=str(keji_notice.pk)
            ).exists()
        )
        # The unit reads its 督办单 as a one-page official PDF.
        self.client.force_login(self.keji_leader)
        response = self.client.get(reverse("supervision_notice_pdf", args=[keji_notice.pk]))
        self.assertEqual(response.status_code, 200)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        pdf = PdfReader(io.BytesIO(content))
        self.assertEqual(len(pdf.pages), 1)
        text = pdf.pages[0].extract_text()
        self.assertIn(f"{keji_notice.number}号", text)
        self.assertIn("市科技局", text)
        # Again: no second notice for the same items.
        supervise(DEADLINE + datetime.timedelta(days=7))
        self.assertEqual(SupervisionNotice.objects.filter(unit=self.keji).count(), 1)

        # The 督办单 unanswered for ten days: an interview is proposed to the supervisors.
        with audited(
            services.proposals_raise,
            services._proposal_create,
            action="supervision.proposal_create",
            by=None,
            summary={"unit": self.keji.pk, "cause": f"notice:{keji_notice.pk}"},
        ):
            supervise(keji_notice.answer_by + datetime.timedelta(days=1))
        proposal = InterviewProposal.objects.get(unit=self.keji, cause=f"notice:{keji_notice.pk}")
        self.assertEqual(proposal.status, InterviewProposal.Status.PROPOSED)
        # The fact, as a supervisor writes it: no countdown glued to it.
        (reason,) = proposal.reasons
        self.assertTrue(reason.startswith(keji_notice.doc_number), reason)
        self.assertNotIn("天", reason)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="supervision.proposal_create", object_id=str(proposal.pk)
            ).exists()
        )
        self.assertTrue(self.notices(self.supervisor, "interview"))

    def test_an_answered_notice_proposes_nothing(self) -> None:
        supervise(DEADLINE + datetime.timedelta(days=6))
        notice = SupervisionNotice.objects.get(unit=self.keji)
        services.notice_answer(notice=notice, by=self.keji_liaison, answer="已于4月8日补报。")
        supervise(notice.answer_by + datetime.timedelta(days=3))
        self.assertFalse(InterviewProposal.objects.filter(unit=self.keji).exists())

    def test_a_late_first_sweep_sends_one_reminder_not_two(self) -> None:
        supervise(DEADLINE - datetime.timedelta(days=1))
        self.assertEqual(len(self.notices(self.keji_liaison, "reminder")), 1)
        self.assertEqual(
            set(
                LadderStep.objects.filter(item__startswith="report:", unit=self.keji).values_list(
                    "step", flat=True
                )
            ),
            {"remind-3", "remind-1"},
        )

    def test_an_overdue_commitment_climbs_the_same_ladder(self) -> None:
        interview = services.interview_schedule(
            by=self.supervisor,
            unit=self.keji,
            interviewee="市科技局分管副局长",
            held_at=at(DEADLINE + datetime.timedelta(days=2)),
            place="市市场监管局三楼会议室",
            reason="一季度调度报告逾期未报",
        )
        services.interview_record(
            interview=interview,
            by=self.supervisor,
            minutes="约谈纪要",
            problems="报送不及时",
            commitments=[("建立调度报送台账", DEADLINE + datetime.timedelta(days=10))],
        )
        commitment = Commitment.objects.get()
        supervise(commitment.due_on + datetime.timedelta(days=1))
        urges = [
            n
            for n in self.notices(self.keji_leader, "urge")
            if n.key == f"commitment:{commitment.pk}"
        ]
        self.assertEqual(len(urges), 1)

    def test_the_light_history_is_kept_per_round(self) -> None:
        supervise(DEADLINE + datetime.timedelta(days=1))
        self.assertEqual(
            LightRecord.objects.get(round=self.round, task=self.task5).color, Light.RED
        )
        # The next round opens; the first round's lights stay as they were.
        next_round = round_create(
            plan=self.plan,
            by=None,
            period="2026年第二季度",
            deadline=datetime.date(2026, 6, 30),
            today=datetime.date(2026, 6, 1),
        )
        self.send(self.keji, datetime.date(2026, 6, 2))
        supervise(datetime.date(2026, 6, 2))
        self.assertEqual(
            LightRecord.objects.get(round=self.round, task=self.task5).color, Light.RED
        )
        self.assertTrue(LightRecord.objects.filter(round=next_round, task=self.task5).exists())

    def test_a_unit_red_in_two_consecutive_rounds_is_proposed_for_an_interview(self) -> None:
        supervise(DEADLINE + datetime.timedelta(days=1))
        self.assertEqual(LightRecord.objects.get(round=self.round, unit=self.keji).color, Light.RED)
        self.assertFalse(InterviewProposal.objects.filter(cause__startswith="red2:").exists())
        second = round_create(
            plan=self.plan,
            by=None,
            period="2026年第二季度",
            deadline=datetime.date(2026, 6, 30),
            today=datetime.date(2026, 6, 1),
        )
        supervise(datetime.date(2026, 7, 2))
        # One proposal open for the unit; its 督办单 unanswered may be a reason too.
        proposal = InterviewProposal.objects.get(
            unit=self.keji, status=InterviewProposal.Status.PROPOSED
        )
        self.assertIn(f"red2:{self.keji.pk}:{second.pk}", proposal.evidence)
        red = proposal.reasons[proposal.evidence.index(f"red2:{self.keji.pk}:{second.pk}")]
        # Both rounds named, and no "due today" glued to the fact.
        self.assertIn("2026年第一、二季度", red)
        self.assertNotIn("到期", red)
        # Once per unit and round, however often the sweep runs.
        supervise(datetime.date(2026, 7, 3))
        self.assertEqual(InterviewProposal.objects.filter(unit=self.keji).count(), 1)
        proposal.refresh_from_db()
        self.assertEqual(len(proposal.reasons), len(proposal.evidence))

    def test_supervise_refuses_a_bad_moment(self) -> None:
        with self.assertRaises(CommandError):
            call_command("supervise", "--now", "yesterday", stdout=StringIO())

    def test_scheduled_rounds_open_in_the_sweep(self) -> None:
        Round.objects.create(
            plan=self.plan,
            period="2026年4月",
            opens_on=datetime.date(2026, 4, 20),
            deadline=datetime.date(2026, 5, 5),
            status=Round.Status.SCHEDULED,
        )
        self.assertEqual(sweep(now=at(datetime.date(2026, 4, 20)))["rounds_opened"], 1)
