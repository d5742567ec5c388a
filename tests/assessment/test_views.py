"""The assessment pages as people click them: the supervisor through the life cycle,
a unit seeing only its own breakdown once publicised, city leadership reading."""

import datetime
import io
import re
from decimal import Decimal

from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessment import services
from assessment.models import Assessment, Objection, Rule
from assessment.selectors import ranking
from audit.models import AuditEvent
from departments.models import Unit, User
from rounds.opening import round_create
from tests.assessment.base import DEFAULT_WEIGHTS, YEAR, YearTestCase, at, day
from tests.audit_coverage import audited


class ViewTestCase(YearTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Exact messages are asserted in English (the msgids).
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def messages(self, response: HttpResponse, location: str = "") -> list[str]:
        """The messages the redirected-to page shows (and so uses up)."""
        self.assertEqual(response.status_code, 302)
        if location:
            self.assertEqual(response["Location"], location)
        page = self.client.get(response["Location"])
        return [str(message) for message in get_messages(page.wsgi_request)]

    def denied(self, user: User, path: str) -> int:
        return AuditEvent.objects.filter(
            action="access.denied", username=user.username, summary__path=path
        ).count()

    def assertRefused(self, user: User, path: str, method: str = "get", **data: object) -> None:
        self.login(user)
        response = getattr(self.client, method)(path, data)
        self.assertEqual(response.status_code, 404, f"{method.upper()} {path}")
        self.assertEqual(self.denied(user, path), 1, f"{path}: no access.denied row")

    def unit_url(self, assessment: Assessment, unit_pk: int) -> str:
        return reverse("assessment_unit", args=[assessment.pk, unit_pk])


class SupervisorPagesTests(ViewTestCase):
    def test_a_supervisor_takes_the_year_through_its_life_cycle(self) -> None:
        self.login(self.supervisor)
        response = self.client.post(
            reverse("plan_assessments", args=[self.plan.pk]), {"year": YEAR}
        )
        assessment = Assessment.objects.get()
        self.assertRedirects(response, assessment.get_absolute_url())
        page = self.client.get(assessment.get_absolute_url())
        self.assertContains(page, "48.17")  # the draft's live ranking
        self.assertContains(page, 'data-testid="publicise-form"')

        scheme = {
            "title": assessment.title,
            "excellent_from": "90",
            "good_from": "80",
            "fair_from": "60",
        }
        for rule, (weight, deduction) in DEFAULT_WEIGHTS.items():
            scheme[f"weight_{rule}"] = weight
            if deduction != "0":
                scheme[f"deduction_{rule}"] = deduction
        url = reverse("assessment_scheme", args=[assessment.pk])
        bad = self.client.post(url, {**scheme, f"weight_{Rule.ON_TIME}": "35"})
        self.assertEqual(bad.status_code, 200)
        self.assertEqual(
            bad.context["form"].non_field_errors(),
            ["The criteria's points must add up to 100; they add up to 110."],
        )
        self.assertEqual(assessment.criteria.get(rule=Rule.ON_TIME).weight, Decimal(25))
        scheme[f"weight_{Rule.ON_TIME}"], scheme[f"weight_{Rule.RETURNS}"] = "30", "5"
        self.assertRedirects(
            self.client.post(url, scheme),
            assessment.get_absolute_url(),
        )
        self.assertEqual(assessment.criteria.get(rule=Rule.ON_TIME).weight, Decimal(30))

        response = self.client.post(
            reverse("assessment_adjustment_add", args=[assessment.pk]),
            {"unit": self.keji.pk, "points": "2", "reason": "获评省级质量标杆单位。"},
        )
        self.assertRedirects(response, assessment.get_absolute_url())
        self.assertEqual(assessment.adjustments.get().points, Decimal(2))

        response = self.client.post(
            reverse("assessment_publicise", args=[assessment.pk]), {"days": "5", "confirm": "1"}
        )
        self.assertEqual(
            self.messages(response, assessment.get_absolute_url()),
            ["The scores are publicised; objections are taken until the end of 2027-01-14."],
        )
        assessment.refresh_from_db()
        self.assertEqual(assessment.status, Assessment.Status.PUBLICITY)
        # The scheme's page now only says it is frozen.
        response = self.client.post(url, scheme)
        self.assertEqual(
            self.messages(response, assessment.get_absolute_url()),
            ["The scheme is frozen once the assessment is publicised: it can no longer change."],
        )

        # The unit objects; publishing waits for the window and the answer.
        self.login(self.lead_liaison)
        response = self.client.post(
            reverse("assessment_objection_file", args=[assessment.pk]),
            {"reason": "任务8已按期办结。"},
        )
        self.assertRedirects(response, self.unit_url(assessment, self.gongxin.pk))
        objection = Objection.objects.get()

        self.login(self.supervisor)
        publish = reverse("assessment_publish", args=[assessment.pk])
        response = self.client.post(publish, {"confirm": "1"})
        self.assertEqual(
            self.messages(response),
            ["Objections are taken until the end of 2027-01-14: publish after the window closes."],
        )
        self.at(datetime.timedelta(days=5))
        self.login(self.supervisor)  # the session would have expired meanwhile
        self.assertEqual(
            self.messages(self.client.post(publish, {"confirm": "1"})),
            ["Objections still unanswered: 1. Answer them before publishing."],
        )
        answer = reverse("assessment_objection_answer", args=[objection.pk])
        self.assertContains(self.client.get(answer), "任务8已按期办结。")
        response = self.client.post(
            answer,
            {
                "decision": "accept",
                "reply": "经核实予以更正。",
                "points": "2",
                "points_reason": "任务8复核。",
            },
        )
        self.assertRedirects(response, assessment.get_absolute_url())
        self.assertEqual(self.score(assessment, self.gongxin).adjustment_points, Decimal(2))
        response = self.client.post(publish, {"confirm": "1"})
        self.assertEqual(
            self.messages(response), ["The assessment is published; the units are told."]
        )
        assessment.refresh_from_db()
        self.assertEqual(assessment.status, Assessment.Status.PUBLISHED)
        page = self.client.get(assessment.get_absolute_url())
        self.assertContains(page, "考核〔2027〕1号")

    def test_the_ranking_page_takes_the_same_queries_whatever_the_rounds(self) -> None:
        assessment = self.create()
        self.login(self.supervisor)
        url = assessment.get_absolute_url()
        self.client.get(url)
        with CaptureQueriesContext(connection) as before:
            self.assertEqual(self.client.get(url).status_code, 200)
        round_create(
            plan=self.plan,
            by=None,
            period="2026年11月",
            deadline=day(12, 5),
            today=day(11, 20),
            tasks=list(self.tasks.values()),
        )
        with CaptureQueriesContext(connection) as after:
            self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(len(after), len(before))


class RankingAndOrderTests(ViewTestCase):
    def ranks(self, html: str) -> dict[int, int]:
        """unit pk -> the rank its line shows on the assessment's page."""
        found = re.findall(r'<tr data-unit="(\d+)">\s*<td class="num">(\d+)</td>', html)
        return {int(unit): int(rank) for unit, rank in found}

    def test_tied_units_share_a_rank_on_the_page_and_in_the_workbook(self) -> None:
        assessment = self.publicise()
        counties = set(Unit.objects.get(code="counties").members.values_list("pk", flat=True))
        scores = {s.unit_id: s for s in assessment.scores.all()}
        tied = [pk for pk in scores if pk in counties]
        self.assertGreater(len(tied), 10)
        self.assertEqual({scores[pk].total for pk in tied}, {Decimal(75)})
        self.login(self.supervisor)
        shown = self.ranks(self.client.get(assessment.get_absolute_url()).content.decode())
        self.assertEqual(len(shown), len(scores))
        # Every county at 75 shows one rank: the place after those scoring more.
        above = sum(1 for s in scores.values() if s.total > Decimal(75))
        self.assertEqual({shown[pk] for pk in tied}, {above + 1})
        # The next lower total comes after all the units at 75, not one after the first.
        at_75 = sum(1 for s in scores.values() if s.total == Decimal(75))
        self.assertEqual(
            min(r for pk, r in shown.items() if scores[pk].total < 75), above + at_75 + 1
        )
        self.assertEqual(shown, {pk: s.rank for pk, s in scores.items()})
        # The workbook's rank column says the same.
        response = self.client.get(reverse("assessment_xlsx", args=[assessment.pk]))
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Ranking"]
        names = dict(Unit.objects.values_list("name", "pk"))
        ranks = {names[row[1]]: row[0] for row in sheet.iter_rows(min_row=4, values_only=True)}
        self.assertEqual(ranks, shown)

    def test_the_unit_picker_lists_the_units_in_the_registry_order(self) -> None:
        assessment = self.create()
        self.login(self.supervisor)
        page = self.client.get(assessment.get_absolute_url())
        choices = list(page.context["adjustment_form"].fields["unit"].choices)
        units = Unit.objects.in_bulk([pk for pk, _name in choices])
        in_registry_order = sorted(choices, key=lambda c: (units[c[0]].sort_order, c[0]))
        self.assertEqual(choices, in_registry_order)
        # Municipal departments, then the counties, then the others: not by code point
        # (临城县政府 before 市科技局) nor by rank (市工业和信息化局 last).
        kinds = [units[pk].kind for pk, _name in choices]
        self.assertEqual(kinds, sorted(kinds, key=list(Unit.Kind.values).index))
        self.assertNotEqual([name for _pk, name in choices], sorted(name for _pk, name in choices))
        by_rank = [(row.unit_id, row.unit) for row in ranking(assessment)]
        self.assertNotEqual(choices, by_rank)
        # The picker offered again after a refused entry keeps that order.
        response = self.client.post(
            reverse("assessment_adjustment_add", args=[assessment.pk]),
            {"unit": self.keji.pk, "points": "", "reason": "x"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(list(response.context["adjustment_form"].fields["unit"].choices), choices)


class ConfirmationTests(ViewTestCase):
    def test_publicising_says_what_it_does_and_waits_for_the_tick(self) -> None:
        assessment = self.create()
        self.login(self.supervisor)
        url = reverse("assessment_publicise", args=[assessment.pk])
        page = self.client.get(url, {"days": "7"})
        self.assertEqual(page.status_code, 200)
        effects = " ".join(page.context["effects"])
        self.assertIn("An objection window of 7 days opens", effects)
        self.assertIn("until the end of 2027-01-16", effects)
        self.assertIn("Publicising cannot be undone.", effects)
        self.assertContains(page, 'data-testid="publicise-confirm"')
        self.assertContains(page, '<input type="hidden" name="days" value="7">', html=True)
        self.assertEqual(assessment.status, Assessment.Status.DRAFT)

        # Without the tick: the page again with the reason, nothing written.
        response = self.client.post(url, {"days": "7"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].errors["confirm"],
            [
                "Nothing was publicised: tick the box to confirm you have read what "
                "publicising does."
            ],
        )
        assessment.refresh_from_db()
        self.assertEqual(assessment.status, Assessment.Status.DRAFT)
        self.assertFalse(assessment.scores.exists())
        self.assertFalse(AuditEvent.objects.filter(action="assessment.publicise").exists())

        with audited(services.assessment_publicise, action="assessment.publicise"):
            response = self.client.post(url, {"days": "7", "confirm": "1"})
        self.assertRedirects(response, assessment.get_absolute_url())
        assessment.refresh_from_db()
        self.assertEqual(assessment.status, Assessment.Status.PUBLICITY)
        self.assertEqual(assessment.last_objection_day, datetime.date(2027, 1, 16))

    def test_a_bad_number_of_days_is_refused_before_the_confirmation(self) -> None:
        assessment = self.create()
        self.login(self.supervisor)
        url = reverse("assessment_publicise", args=[assessment.pk])
        for method in ("get", "post"):
            response = getattr(self.client, method)(url, {"days": "31", "confirm": "1"})
            self.assertEqual(response.status_code, 200)
            self.assertIn("days", response.context["publicise_form"].errors)
        assessment.refresh_from_db()
        self.assertEqual(assessment.status, Assessment.Status.DRAFT)

    def test_publishing_says_what_it_does_and_waits_for_the_tick(self) -> None:
        assessment = self.publicise()
        self.login(self.supervisor)
        url = reverse("assessment_publish", args=[assessment.pk])
        # While the window is open the page says why it cannot be published yet.
        page = self.client.get(url)
        self.assertEqual(page.status_code, 200)
        self.assertEqual(
            page.context["refusal"],
            "Objections are taken until the end of 2027-01-14: publish after the window closes.",
        )
        self.assertNotContains(page, 'data-testid="publish-confirm"')

        self.at(datetime.timedelta(days=5))
        self.login(self.supervisor)
        page = self.client.get(url)
        self.assertEqual(page.context["refusal"], "")
        effects = " ".join(page.context["effects"])
        self.assertIn("become final", effects)
        self.assertIn("Publishing cannot be undone.", effects)
        self.assertContains(page, 'data-testid="publish-confirm"')

        response = self.client.post(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].errors["confirm"],
            ["Nothing was published: tick the box to confirm you have read what publishing does."],
        )
        assessment.refresh_from_db()
        self.assertEqual(assessment.status, Assessment.Status.PUBLICITY)
        self.assertIsNone(assessment.number)
        self.assertFalse(AuditEvent.objects.filter(action="assessment.publish").exists())

        with audited(services.assessment_publish, action="assessment.publish"):
            response = self.client.post(url, {"confirm": "1"})
        self.assertEqual(
            self.messages(response, assessment.get_absolute_url()),
            ["The assessment is published; the units are told."],
        )
        assessment.refresh_from_db()
        self.assertEqual(assessment.status, Assessment.Status.PUBLISHED)

    def test_the_confirmations_are_the_working_groups_alone(self) -> None:
        assessment = self.create()
        for user in (self.reader, self.lead_liaison):
            self.assertRefused(user, reverse("assessment_publicise", args=[assessment.pk]))


class UnitRuleTests(ViewTestCase):
    def test_nothing_is_visible_to_a_unit_before_publicity(self) -> None:
        assessment = self.create()
        self.assertRefused(self.lead_liaison, assessment.get_absolute_url())
        self.assertRefused(self.lead_liaison, self.unit_url(assessment, self.gongxin.pk))
        self.login(self.lead_liaison)
        listing = self.client.get(reverse("plan_assessments", args=[self.plan.pk]))
        self.assertEqual(listing.status_code, 200)
        self.assertNotContains(listing, f'data-assessment="{assessment.pk}"')

    def test_a_unit_sees_its_own_breakdown_with_the_records_behind_it(self) -> None:
        assessment = self.publicise()
        self.login(self.lead_liaison)
        page = self.client.get(self.unit_url(assessment, self.gongxin.pk))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "48.17")
        report = self.report(self.gongxin, "2026年6月")
        for url in (
            reverse("report_detail", args=[report.pk]),
            reverse("task_detail", args=[self.tasks[8].pk]),
            reverse("supervision_notice", args=[self.notice_may.pk]),
            reverse("interview_detail", args=[self.held.pk]),
            reverse("indicator_detail", args=[self.upgrades.pk]),
            reverse("unit_detail", args=[self.gongxin.pk]),
        ):
            self.assertContains(page, f'href="{url}"')
        self.assertContains(page, "2026年6月 report: sent on 2026-07-08, 3 days late")
        self.assertContains(page, "佐证材料缺失。")
        self.assertContains(page, 'data-testid="objection-form"')
        # The assessment's page shows the unit its own line only.
        detail = self.client.get(assessment.get_absolute_url())
        self.assertContains(detail, f'data-unit="{self.gongxin.pk}"')
        self.assertNotContains(detail, f'data-unit="{self.keji.pk}"')
        self.assertNotContains(detail, "市科技局")

    def test_another_units_breakdown_answers_404_and_is_recorded(self) -> None:
        assessment = self.publicise()
        self.assertRefused(self.lead_liaison, self.unit_url(assessment, self.keji.pk))
        self.assertRefused(self.unrelated_liaison, assessment.get_absolute_url())
        self.assertRefused(self.unrelated_liaison, self.unit_url(assessment, self.gongxin.pk))

    def test_only_the_working_group_acts_and_exports(self) -> None:
        assessment = self.publicise()
        for path in (
            reverse("assessment_xlsx", args=[assessment.pk]),
            reverse("assessment_pdf", args=[assessment.pk]),
        ):
            self.assertRefused(self.lead_liaison, path)
        publish = reverse("assessment_publish", args=[assessment.pk])
        self.assertRefused(self.reader, publish, method="post")
        self.assertRefused(self.lead_liaison, publish, method="post")
        objection = self.object(assessment)
        answer = reverse("assessment_objection_answer", args=[objection.pk])
        self.assertRefused(self.reader, answer, method="post", decision="accept", reply="好")
        objection.refresh_from_db()
        self.assertEqual(objection.status, Objection.Status.OPEN)

    def test_city_leadership_reads_every_unit(self) -> None:
        assessment = self.publicise()
        self.login(self.reader)
        detail = self.client.get(assessment.get_absolute_url())
        self.assertContains(detail, "市科技局")
        self.assertContains(detail, "48.17")
        self.assertNotContains(detail, 'data-testid="publish-form"')
        self.assertEqual(self.client.get(self.unit_url(assessment, self.keji.pk)).status_code, 200)

    def test_filing_after_the_window_shows_why(self) -> None:
        assessment = self.publicise()
        self.at(at(datetime.date(2027, 1, 15), 0) - self.start)
        self.login(self.lead_liaison)
        page = self.client.get(self.unit_url(assessment, self.gongxin.pk))
        self.assertNotContains(page, 'data-testid="objection-form"')
        self.assertContains(page, "The objection window closed at the end of 2027-01-14.")
        response = self.client.post(
            reverse("assessment_objection_file", args=[assessment.pk]), {"reason": "有误。"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.context["form"].non_field_errors(),
            [
                "The objection window closed at the end of 2027-01-14: objections are no "
                "longer taken."
            ],
        )
        self.assertFalse(Objection.objects.exists())
