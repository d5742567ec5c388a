"""The assessment's life cycle through its services: draft and scheme, publicity,
objections inside and after the window, publication; each writes its audit row, and
a refused change writes nothing."""

import datetime
from decimal import Decimal

from django.utils import timezone, translation

from assessment import services
from assessment.models import Adjustment, Assessment, Criterion, Grade, Objection, Rule, UnitScore
from audit.models import AuditEvent
from notices.models import Notice
from tests.assessment.base import DEFAULT_WEIGHTS, YEAR, YearTestCase, at, day
from tests.audit_coverage import audited

WINDOW_CLOSED = at(datetime.date(2027, 1, 15), 0)  # publicised 1-10 for 5 days: 10th to 14th


def audit_rows(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


class DraftTests(YearTestCase):
    def update(self, assessment: Assessment, **changes: object) -> Assessment:
        fields = {
            "criteria": dict(DEFAULT_WEIGHTS),
            "grades": ("90", "80", "60"),
            "title": assessment.title,
        }
        return services.assessment_scheme_update(
            assessment=assessment, by=self.supervisor, **{**fields, **changes}
        )

    def refused(self, message: str, function, **kwargs) -> None:  # type: ignore[no-untyped-def]
        before = AuditEvent.objects.count()
        with translation.override("en"), self.assertRaises(services.AssessmentError) as raised:
            function(**kwargs)
        self.assertEqual(raised.exception.message, message)
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_a_supervisor_starts_a_year_with_the_default_scheme(self) -> None:
        with audited(
            services.assessment_create,
            action="assessment.create",
            by=self.supervisor,
            summary={"plan": self.plan.doc_number, "year": YEAR},
        ):
            assessment = self.create()
        self.assertEqual(assessment.status, Assessment.Status.DRAFT)
        self.assertEqual(assessment.title, "关于2026年度质量强市建设工作考核结果的通报")
        criteria = {c.rule: (c.weight, c.deduction) for c in assessment.criteria.all()}
        self.assertEqual(
            criteria,
            {rule: (Decimal(w), Decimal(d)) for rule, (w, d) in DEFAULT_WEIGHTS.items()},
        )
        self.assertEqual(sum(weight for weight, _d in criteria.values()), 100)
        self.assertEqual(
            (assessment.excellent_from, assessment.good_from, assessment.fair_from),
            (Decimal(90), Decimal(80), Decimal(60)),
        )
        (row,) = audit_rows("assessment.create")
        self.assertEqual(row.username, self.supervisor.username)
        self.assertEqual(row.object_id, str(assessment.pk))
        self.assertEqual(row.summary, {"plan": self.plan.doc_number, "year": YEAR})

    def test_only_a_supervisor_starts_one_and_once_per_year(self) -> None:
        self.refused(
            "Only the working group's supervisors can do this.",
            services.assessment_create,
            plan=self.plan,
            year=YEAR,
            by=self.reader,
        )
        self.create()
        self.refused(
            "The plan already has an assessment for 2026.",
            services.assessment_create,
            plan=self.plan,
            year=YEAR,
            by=self.supervisor,
        )
        self.assertEqual(Assessment.objects.count(), 1)

    def test_the_scheme_is_changed_while_it_is_a_draft(self) -> None:
        assessment = self.create()
        weights = {**DEFAULT_WEIGHTS, Rule.ON_TIME: ("30", "0"), Rule.INTERVIEWS: ("0", "3")}
        with audited(
            services.assessment_scheme_update,
            action="assessment.scheme_update",
            by=self.supervisor,
            obj=assessment,
            summary={"grades": ["95", "85", "65.5"]},
        ):
            self.update(assessment, criteria=weights, grades=("95", "85", "65.5"), title="关于考核")
        assessment.refresh_from_db()
        on_time = assessment.criteria.get(rule=Rule.ON_TIME)
        self.assertEqual(on_time.weight, Decimal(30))
        interviews = assessment.criteria.get(rule=Rule.INTERVIEWS)
        self.assertEqual((interviews.weight, interviews.deduction), (Decimal(0), Decimal(3)))
        self.assertEqual(assessment.fair_from, Decimal("65.5"))
        self.assertEqual(assessment.title, "关于考核")
        (row,) = audit_rows("assessment.scheme_update")
        self.assertEqual(row.summary["criteria"]["on_time"], ["30", "0"])
        self.assertEqual(row.summary["grades"], ["95", "85", "65.5"])

    def test_weights_that_do_not_add_up_to_100_are_refused(self) -> None:
        assessment = self.create()
        self.refused(
            "The criteria's points must add up to 100; they add up to 95.",
            self.update,
            assessment=assessment,
            criteria={**DEFAULT_WEIGHTS, Rule.ON_TIME: ("20", "0")},
        )
        self.assertEqual(assessment.criteria.get(rule=Rule.ON_TIME).weight, Decimal(25))

    def test_grades_out_of_order_are_refused(self) -> None:
        assessment = self.create()
        self.refused(
            "The grades' lowest totals must go down from Excellent to Good to Fair, above 0.",
            self.update,
            assessment=assessment,
            grades=("80", "90", "60"),
        )
        assessment.refresh_from_db()
        self.assertEqual(assessment.excellent_from, Decimal(90))

    def test_manual_items_are_added_and_removed_with_a_reason(self) -> None:
        assessment = self.create()
        with audited(
            services.adjustment_add,
            action="assessment.adjustment_add",
            by=self.supervisor,
            obj=assessment,
            summary={"unit": "市科技局", "points": "2"},
        ):
            adjustment = services.adjustment_add(
                assessment=assessment,
                by=self.supervisor,
                unit=self.keji,
                points="2",
                reason="获评省级质量标杆单位。",
            )
        self.assertEqual(adjustment.points, Decimal(2))
        (row,) = audit_rows("assessment.adjustment_add")
        self.assertEqual(
            row.summary, {"unit": "市科技局", "points": "2", "reason": "获评省级质量标杆单位。"}
        )
        with audited(
            services.adjustment_remove,
            action="assessment.adjustment_remove",
            by=self.supervisor,
            obj=assessment,
            summary={"points": "2"},
        ):
            services.adjustment_remove(adjustment=adjustment, by=self.supervisor)
        self.assertFalse(Adjustment.objects.exists())
        (row,) = audit_rows("assessment.adjustment_remove")
        self.assertEqual(row.summary["points"], "2")

    def test_a_manual_item_needs_a_reason_and_an_assessed_unit(self) -> None:
        assessment = self.create()
        add = services.adjustment_add
        self.refused(
            "Give the reason for the bonus or deduction.",
            add,
            assessment=assessment,
            by=self.supervisor,
            unit=self.keji,
            points="2",
            reason="  ",
        )
        self.refused(
            "市审计局 is not assessed in this plan's year.",
            add,
            assessment=assessment,
            by=self.supervisor,
            unit=self.audit_office,
            points="-1",
            reason="迟报。",
        )
        self.assertFalse(Adjustment.objects.exists())


class PublicityTests(YearTestCase):
    def test_publicising_stores_the_scores_and_tells_the_units(self) -> None:
        assessment = self.create()
        services.adjustment_add(
            assessment=assessment, by=self.supervisor, unit=self.keji, points="2", reason="表彰。"
        )
        with audited(
            services.assessment_publicise,
            action="assessment.publicise",
            by=self.supervisor,
            obj=assessment,
            summary={"objections_until": "2027-01-14"},
        ):
            assessment = self.publicise(assessment)
        self.assertEqual(assessment.status, Assessment.Status.PUBLICITY)
        self.assertEqual(assessment.as_of, datetime.date(2027, 1, 10))
        self.assertEqual(assessment.last_objection_day, datetime.date(2027, 1, 14))
        gongxin = self.score(assessment, self.gongxin)
        self.assertEqual(gongxin.total, Decimal("48.17"))
        self.assertEqual(gongxin.grade, Grade.POOR)
        keji = self.score(assessment, self.keji)
        self.assertEqual(
            (keji.criteria_points, keji.adjustment_points, keji.total),
            (Decimal(80), Decimal(2), Decimal(82)),
        )
        self.assertEqual(keji.grade, Grade.GOOD)
        # The breakdown is kept with the records behind it.
        returns = next(c for c in gongxin.criteria if c["rule"] == "returns")
        self.assertEqual([line["task"] for line in returns["lines"]], [8, 4])
        # The liaison and the leader of 市工业和信息化局 are told, with their page.
        notices = Notice.objects.filter(key=f"assessment:{assessment.pk}:publicity")
        mine = notices.filter(recipient__unit=self.gongxin)
        self.assertEqual(
            set(mine.values_list("recipient__username", flat=True)),
            {self.lead_liaison.username, self.leader.username},
        )
        self.assertEqual(
            set(mine.values_list("url", flat=True)),
            {f"/assessments/{assessment.pk}/units/{self.gongxin.pk}/"},
        )
        self.assertFalse(notices.filter(recipient=self.supervisor).exists())
        (row,) = audit_rows("assessment.publicise")
        self.assertEqual(row.summary["objections_until"], "2027-01-14")
        self.assertEqual(row.summary["units"], UnitScore.objects.count())

    def test_the_stored_scores_do_not_move_with_the_ledger(self) -> None:
        assessment = self.publicise()
        self.send(self.gongxin, "2026年9月", day(10, 5))
        self.assertEqual(self.score(assessment, self.gongxin).total, Decimal("48.17"))

    def test_the_scheme_is_frozen_once_publicised(self) -> None:
        assessment = self.publicise()
        frozen = "The scheme is frozen once the assessment is publicised: it can no longer change."
        before = AuditEvent.objects.count()
        with translation.override("en"):
            with self.assertRaises(services.AssessmentError) as raised:
                services.assessment_scheme_update(
                    assessment=assessment,
                    by=self.supervisor,
                    criteria=DEFAULT_WEIGHTS,
                    grades=("80", "70", "50"),
                    title="改标题",
                )
            self.assertEqual(raised.exception.message, frozen)
            with self.assertRaises(services.AssessmentError) as raised:
                services.adjustment_add(
                    assessment=assessment,
                    by=self.supervisor,
                    unit=self.keji,
                    points="5",
                    reason="加分。",
                )
            self.assertEqual(raised.exception.message, frozen)
            with self.assertRaises(services.AssessmentError) as raised:
                self.publicise(assessment)
            self.assertEqual(
                raised.exception.message, "This assessment has already been publicised."
            )
        assessment.refresh_from_db()
        self.assertEqual(assessment.excellent_from, Decimal(90))
        self.assertFalse(Adjustment.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), before)
        self.assertEqual(Criterion.objects.filter(weight=Decimal(25)).count(), 1)


class ObjectionTests(YearTestCase):
    def test_a_unit_objects_inside_the_window(self) -> None:
        assessment = self.publicise()
        self.at(datetime.timedelta(days=4, hours=14))  # 2027-01-14 23:00, the last day
        with audited(
            services.objection_file,
            action="assessment.objection_file",
            by=self.lead_liaison,
            summary={"unit": "市工业和信息化局"},
        ):
            objection = self.object(assessment)
        self.assertEqual(objection.unit, self.gongxin)
        self.assertEqual(objection.status, Objection.Status.OPEN)
        (row,) = audit_rows("assessment.objection_file")
        self.assertEqual(row.username, self.lead_liaison.username)
        self.assertEqual(row.summary["unit"], "市工业和信息化局")
        told = Notice.objects.filter(key=f"assessment:{assessment.pk}:objection:{objection.pk}")
        self.assertEqual(list(told.values_list("recipient", flat=True)), [self.supervisor.pk])

    def test_an_objection_after_the_window_is_refused(self) -> None:
        assessment = self.publicise()
        self.at(WINDOW_CLOSED - self.start)
        with translation.override("en"), self.assertRaises(services.AssessmentError) as raised:
            self.object(assessment)
        self.assertEqual(
            raised.exception.message,
            "The objection window closed at the end of 2027-01-14: objections are no longer taken.",
        )
        self.assertFalse(Objection.objects.exists())

    def test_only_an_assessed_units_people_object(self) -> None:
        assessment = self.publicise()
        for person in (self.unrelated_liaison, self.supervisor, self.reader):
            with self.subTest(person=person.username):
                with translation.override("en"):
                    with self.assertRaises(services.AssessmentError) as raised:
                        self.object(assessment, by=person)
                self.assertEqual(
                    raised.exception.message,
                    "Only the liaisons and leaders of an assessed unit can object.",
                )
        self.assertFalse(Objection.objects.exists())

    def test_no_objection_before_publicity(self) -> None:
        assessment = self.create()
        with translation.override("en"), self.assertRaises(services.AssessmentError) as raised:
            self.object(assessment)
        self.assertEqual(
            raised.exception.message,
            "Only the liaisons and leaders of an assessed unit can object.",
        )

    def test_an_accepted_objection_adjusts_the_score_and_the_ranking(self) -> None:
        assessment = self.publicise()
        objection = self.object(assessment)
        rank_before = self.score(assessment, self.gongxin).rank
        with audited(
            services.objection_answer,
            action="assessment.objection_accept",
            by=self.supervisor,
            summary={"points": "40"},
        ):
            services.objection_answer(
                objection=objection,
                by=self.supervisor,
                accept=True,
                reply="经核实，任务8已按期办结，予以更正。",
                points="40",
                points_reason="任务8按期办结，任务完成项补计10分；复核更正。",
                now=timezone.now(),
            )
        objection.refresh_from_db()
        self.assertEqual(objection.status, Objection.Status.ACCEPTED)
        adjustment = Adjustment.objects.get(objection=objection)
        self.assertEqual((adjustment.unit, adjustment.points), (self.gongxin, Decimal(40)))
        score = self.score(assessment, self.gongxin)
        self.assertEqual(
            (score.criteria_points, score.adjustment_points, score.total),
            (Decimal("48.17"), Decimal(40), Decimal("88.17")),
        )
        self.assertEqual(score.grade, Grade.GOOD)
        self.assertLess(score.rank, rank_before)
        # 科技局's 80 now ranks below 工信局's 88.17.
        self.assertGreater(self.score(assessment, self.keji).rank, score.rank)
        (row,) = audit_rows("assessment.objection_accept")
        self.assertEqual(row.summary["points"], "40")
        told = Notice.objects.filter(key=f"assessment:{assessment.pk}:answer:{objection.pk}")
        self.assertEqual(
            set(told.values_list("recipient", flat=True)), {self.lead_liaison.pk, self.leader.pk}
        )

    def test_a_rejected_objection_keeps_the_score(self) -> None:
        assessment = self.publicise()
        objection = self.object(assessment)
        with translation.override("en"), self.assertRaises(services.AssessmentError) as raised:
            services.objection_answer(
                objection=objection,
                by=self.supervisor,
                accept=False,
                reply="不予采纳。",
                points="3",
                points_reason="不应出现",
                now=timezone.now(),
            )
        self.assertEqual(raised.exception.message, "Only an accepted objection changes the points.")
        services.objection_answer(
            objection=objection,
            by=self.supervisor,
            accept=False,
            reply="任务8于10月15日经核验办结，晚于完成时限，维持原评分。",
            now=timezone.now(),
        )
        objection.refresh_from_db()
        self.assertEqual(objection.status, Objection.Status.REJECTED)
        self.assertEqual(self.score(assessment, self.gongxin).total, Decimal("48.17"))
        self.assertFalse(Adjustment.objects.exists())
        (row,) = audit_rows("assessment.objection_reject")
        self.assertEqual(row.summary["points"], "")


class PublicationTests(YearTestCase):
    def publish(self, assessment: Assessment, now: datetime.datetime) -> Assessment:
        return services.assessment_publish(assessment=assessment, by=self.supervisor, now=now)

    def test_publishing_is_refused_while_the_window_is_open(self) -> None:
        assessment = self.publicise()
        with translation.override("en"), self.assertRaises(services.AssessmentError) as raised:
            self.publish(assessment, at(datetime.date(2027, 1, 14), 23))
        self.assertEqual(
            raised.exception.message,
            "Objections are taken until the end of 2027-01-14: publish after the window closes.",
        )
        assessment.refresh_from_db()
        self.assertEqual(assessment.status, Assessment.Status.PUBLICITY)

    def test_an_unanswered_objection_blocks_publishing(self) -> None:
        assessment = self.publicise()
        self.object(assessment)
        with translation.override("en"), self.assertRaises(services.AssessmentError) as raised:
            self.publish(assessment, WINDOW_CLOSED)
        self.assertEqual(
            raised.exception.message,
            "Objections still unanswered: 1. Answer them before publishing.",
        )
        self.assertIsNone(Assessment.objects.get().number)

    def test_once_published_everything_is_final(self) -> None:
        assessment = self.publicise()
        objection = self.object(assessment)
        services.objection_answer(
            objection=objection, by=self.supervisor, accept=False, reply="维持。", now=WINDOW_CLOSED
        )
        with audited(
            services.assessment_publish,
            action="assessment.publish",
            by=self.supervisor,
            obj=assessment,
            summary={"number": "考核〔2027〕1号"},
        ):
            assessment = self.publish(assessment, WINDOW_CLOSED)
        self.assertEqual(assessment.status, Assessment.Status.PUBLISHED)
        self.assertEqual(assessment.doc_number, "考核〔2027〕1号")
        (row,) = audit_rows("assessment.publish")
        self.assertEqual(row.summary["number"], "考核〔2027〕1号")
        self.assertTrue(
            Notice.objects.filter(
                key=f"assessment:{assessment.pk}:published", recipient=self.keji_liaison
            ).exists()
        )
        before = AuditEvent.objects.count()
        with translation.override("en"):
            for attempt in (
                lambda: services.assessment_scheme_update(
                    assessment=assessment,
                    by=self.supervisor,
                    criteria=DEFAULT_WEIGHTS,
                    grades=("90", "80", "60"),
                    title="x",
                ),
                lambda: self.publish(assessment, WINDOW_CLOSED),
                lambda: self.object(assessment),
            ):
                with self.assertRaises(services.AssessmentError):
                    attempt()
        self.assertEqual(AuditEvent.objects.count(), before)
        self.assertFalse(Objection.objects.exclude(pk=objection.pk).exists())
