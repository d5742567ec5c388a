"""Interview proposals do not pile up: one open proposal per unit, to which each new
fact adds a reason; a dismissed proposal stays dismissed until a new fact comes."""

import datetime
import threading
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import TestCase, TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from departments.models import Unit, User
from departments.services import registry_sync
from rounds.models import Round
from rounds.opening import round_create
from supervision import services
from supervision.items import periods_named
from supervision.models import InterviewProposal
from supervision.selectors import board
from supervision.services import ProposalGround, proposals_raise
from tests.audit_coverage import audited
from tests.supervision.test_sweep import DEADLINE, SweepTestCase, at, supervise

PROPOSED = InterviewProposal.Status.PROPOSED


def next_round(plan, period: str, opens: datetime.date, deadline: datetime.date) -> Round:  # type: ignore[no-untyped-def]
    return round_create(plan=plan, by=None, period=period, deadline=deadline, today=opens)


class RoundsOfRedTests(SweepTestCase):
    """市科技局 never sends its reports: red in every round from the first quarter."""

    def red_for_two_rounds(self) -> Round:
        supervise(DEADLINE + datetime.timedelta(days=1))
        second = next_round(
            self.plan, "2026年第二季度", datetime.date(2026, 6, 1), datetime.date(2026, 6, 30)
        )
        supervise(datetime.date(2026, 7, 2))
        return second

    def red_evidence(self, rnd: Round) -> str:
        return f"red2:{self.keji.pk}:{rnd.pk}"

    def test_a_further_red_round_adds_a_reason_to_the_open_proposal(self) -> None:
        second = self.red_for_two_rounds()
        proposal = InterviewProposal.objects.get(unit=self.keji, status=PROPOSED)
        before = list(proposal.evidence)
        third = next_round(
            self.plan, "2026年第三季度", datetime.date(2026, 9, 1), datetime.date(2026, 9, 30)
        )
        with audited(
            services.proposals_raise,
            services._proposal_extend,
            action="supervision.proposal_extend",
            by=None,
            obj=proposal,
            summary={"unit": self.keji.pk},
            count=1,
        ) as check:
            counts = supervise(datetime.date(2026, 10, 2))
        # Every unit red since spring has its proposal extended, none a second one.
        open_ones = InterviewProposal.objects.filter(status=PROPOSED)
        self.assertEqual(counts.get("proposals", 0), 0)
        self.assertEqual(counts["proposals_extended"], open_ones.count())
        self.assertEqual(open_ones.count(), len(set(open_ones.values_list("unit_id", flat=True))))
        # Still one proposal for the unit, with a further reason naming the new rounds.
        (same,) = InterviewProposal.objects.filter(unit=self.keji)
        self.assertEqual(same.pk, proposal.pk)
        self.assertEqual(same.status, PROPOSED)
        self.assertEqual(same.evidence[: len(before)], before)
        added = same.evidence[len(before) :]
        self.assertIn(self.red_evidence(third), added)
        self.assertEqual(check.rows[0].summary["evidence"], added)
        self.assertEqual(len(same.reasons), len(same.evidence))
        reason = dict(zip(same.evidence, same.reasons, strict=True))
        self.assertIn("2026年第二、三季度", reason[self.red_evidence(third)])
        self.assertIn("2026年第一、二季度", reason[self.red_evidence(second)])
        # The supervisors hear of the new reason.
        told = self.notices(self.supervisor, "interview")
        self.assertTrue(any("2026年第二、三季度" in notice.title for notice in told))
        # The board lists the unit once, with every reason.
        self.client.force_login(self.supervisor)
        response = self.client.get(reverse("supervision_board"))
        self.assertContains(response, f'data-proposal="{proposal.pk}"', count=1)
        for reason in same.reasons:
            self.assertContains(response, reason)

    def test_a_dismissed_proposal_is_not_raised_again_for_the_same_facts(self) -> None:
        second = self.red_for_two_rounds()
        proposal = InterviewProposal.objects.get(unit=self.keji, status=PROPOSED)
        self.assertIn(self.red_evidence(second), proposal.evidence)
        services.proposal_decide(
            proposal=proposal, by=self.supervisor, accept=False, note="已当面督促，暂不约谈。"
        )
        # The sweep runs again, day after day: the same facts propose nothing (the
        # 督办单 issued on 7-2 is answerable until 7-12).
        for day in (3, 5, 10):
            counts = supervise(datetime.date(2026, 7, day))
            self.assertEqual(counts.get("proposals", 0), 0)
        # Nor does the service itself, asked again with the same grounds.
        again = proposals_raise(
            grounds=[
                ProposalGround(unit_id=self.keji.pk, evidence=key, reason=reason)
                for key, reason in zip(proposal.evidence, proposal.reasons, strict=True)
            ],
            now=at(datetime.date(2026, 7, 21)),
        )
        self.assertEqual(again, [])
        self.assertFalse(InterviewProposal.objects.filter(unit=self.keji, status=PROPOSED))
        proposal.refresh_from_db()
        self.assertEqual(proposal.status, InterviewProposal.Status.DISMISSED)

        # New facts: red again in the next round (and the 督办单 now unanswered).
        # A new proposal, for the new facts alone.
        third = next_round(
            self.plan, "2026年第三季度", datetime.date(2026, 9, 1), datetime.date(2026, 9, 30)
        )
        with audited(
            services.proposals_raise,
            services._proposal_create,
            action="supervision.proposal_create",
            by=None,
            summary={"unit": self.keji.pk},
        ):
            supervise(datetime.date(2026, 10, 2))
        fresh = InterviewProposal.objects.get(unit=self.keji, status=PROPOSED)
        self.assertNotEqual(fresh.pk, proposal.pk)
        self.assertIn(self.red_evidence(third), fresh.evidence)
        self.assertFalse(set(fresh.evidence) & set(proposal.evidence))
        reason = dict(zip(fresh.evidence, fresh.reasons, strict=True))
        self.assertIn("2026年第二、三季度", reason[self.red_evidence(third)])
        proposal.refresh_from_db()
        self.assertEqual(proposal.status, InterviewProposal.Status.DISMISSED)


class RaiseTests(TestCase):
    """The service on its own, whoever calls it."""

    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.unit = Unit.objects.get(code="keji")
        cls.now = timezone.make_aware(datetime.datetime(2026, 7, 2, 9))

    def raise_(self, *evidence: str) -> list[services.ProposalChange]:
        return proposals_raise(
            grounds=[
                ProposalGround(unit_id=self.unit.pk, evidence=key, reason=f"理由{key}")
                for key in evidence
            ],
            now=self.now,
        )

    def test_grounds_of_one_sweep_make_one_proposal_with_each_reason_once(self) -> None:
        (change,) = self.raise_("notice:1", "red2:1:2", "notice:1")
        self.assertTrue(change.created)
        (proposal,) = InterviewProposal.objects.filter(unit=self.unit)
        self.assertEqual(proposal.evidence, ["notice:1", "red2:1:2"])
        self.assertEqual(proposal.reasons, ["理由notice:1", "理由red2:1:2"])
        self.assertEqual(proposal.cause, "notice:1")
        # Known grounds change nothing; a new one is added as a reason.
        self.assertEqual(self.raise_("red2:1:2"), [])
        (change,) = self.raise_("red2:1:2", "red2:1:3")
        self.assertFalse(change.created)
        self.assertEqual(change.reasons, ["理由red2:1:3"])
        proposal.refresh_from_db()
        self.assertEqual(proposal.evidence, ["notice:1", "red2:1:2", "red2:1:3"])

    def test_the_database_refuses_a_second_open_proposal_for_a_unit(self) -> None:
        self.raise_("notice:1")
        with self.assertRaises(IntegrityError), transaction.atomic():
            InterviewProposal.objects.create(
                unit=self.unit, cause="notice:2", reasons=["理由"], created_at=self.now
            )
        # A decided proposal does not count: the next one may open.
        proposal = InterviewProposal.objects.get(unit=self.unit)
        proposal.status = InterviewProposal.Status.ACCEPTED
        proposal.save()
        (change,) = self.raise_("notice:2")
        self.assertTrue(change.created)

    def test_red_rounds_are_named_as_a_supervisor_writes_them(self) -> None:
        self.assertEqual(periods_named("2026年第三季度", "2026年第四季度"), "2026年第三、四季度")
        self.assertEqual(periods_named("2026年11月", "2026年12月"), "2026年11、12月")
        self.assertEqual(
            periods_named("2025年第四季度", "2026年第一季度"), "2025年第四季度、2026年第一季度"
        )
        self.assertEqual(
            periods_named("2026年上半年", "2026年下半年"), "2026年上半年、2026年下半年"
        )


@pytest.mark.postgres(reason="SQLite serialises writers: two sweeps cannot race there")
class ConcurrentRaiseTests(TransactionTestCase):
    def test_two_sweeps_raising_for_one_unit_at_once_leave_one_open_proposal(self) -> None:
        registry_sync(by=None)
        unit = Unit.objects.get(code="keji")
        now = timezone.make_aware(datetime.datetime(2026, 7, 2, 9))
        first_raised = threading.Event()
        errors: list[Exception] = []

        def first() -> None:
            try:
                with transaction.atomic():
                    proposals_raise(
                        grounds=[ProposalGround(unit.pk, "notice:1", "督办单逾期")], now=now
                    )
                    first_raised.set()
                    # Hold the new proposal uncommitted while the other sweep inserts.
                    threading.Event().wait(0.5)
            except Exception as exc:
                errors.append(exc)
            finally:
                first_raised.set()
                connection.close()

        def second() -> None:
            try:
                first_raised.wait(5)
                proposals_raise(grounds=[ProposalGround(unit.pk, "red2:1:2", "连续红灯")], now=now)
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        (proposal,) = InterviewProposal.objects.filter(unit=unit)
        self.assertEqual(proposal.status, InterviewProposal.Status.PROPOSED)
        self.assertEqual(sorted(proposal.evidence), ["notice:1", "red2:1:2"])
        self.assertEqual(len(proposal.reasons), 2)


class DemoBoardTests(TestCase):
    """The demo as a supervisor first sees it."""

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("load_demo", verbosity=0, stdout=StringIO())
        cls.supervisor = User.objects.get(username="supervisor")

    def test_the_board_lists_each_unit_at_most_once_among_open_proposals(self) -> None:
        proposals = board(self.supervisor).proposals
        self.assertTrue(proposals, "the demo has laggards to propose for an interview")
        units = Counter(proposal.unit.name for proposal in proposals)
        self.assertEqual([name for name, n in units.items() if n > 1], [])
        self.client.force_login(self.supervisor)
        response = self.client.get(reverse("supervision_board"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content.decode().count("data-proposal="), len(units))

    def test_no_reason_glues_a_countdown_to_a_fact(self) -> None:
        reasons = [
            reason for proposal in InterviewProposal.objects.all() for reason in proposal.reasons
        ]
        self.assertTrue(reasons)
        self.assertEqual([r for r in reasons if "今日到期" in r or "红灯今日" in r], [])
        self.assertEqual([r for r in reasons if "连续" in r and "到期" in r], [])
        # Each proposal knows the facts behind its reasons; a red light names its rounds.
        for proposal in InterviewProposal.objects.all():
            self.assertEqual(len(proposal.evidence), len(proposal.reasons), proposal.reasons)
            for key, reason in zip(proposal.evidence, proposal.reasons, strict=True):
                if key.startswith("red2:"):
                    self.assertRegex(
                        reason, r"\d{4}年第[一二三四](、|季度、\d{4}年第)[一二三四]季度"
                    )
