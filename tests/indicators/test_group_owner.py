"""A unit group (各县(市、区)政府) never owns an indicator (issue 17, finding 6).

Before, an indicator owned by the group could be written by every member county,
the last writer winning: one county overwrote another's value.
"""

import importlib
from decimal import Decimal

from django.apps import apps
from django.urls import reverse
from django.utils import translation

from departments.models import Unit, User
from indicators import services
from indicators.forms import IndicatorForm
from indicators.models import Indicator, IndicatorValue
from indicators.selectors import plan_span
from plans.models import TaskTarget, TaskUnit
from tests.base import make_person
from tests.indicators.test_indicators import IndicatorTestCase

GROUP_REFUSED = (
    "各县(市、区)政府 is a group of units and cannot report an indicator: choose one unit."
)


class GroupOwnerTests(IndicatorTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.group = Unit.objects.get(code="counties")
        cls.other_county = Unit.objects.get(code="xindu")
        cls.group.members.add(cls.county)
        cls.other_liaison = make_person("t.xindu", User.Role.LIAISON, cls.other_county)
        # The group is named on a task of the plan, as it is in many plans.
        TaskUnit.objects.get_or_create(task=cls.plan.tasks.get(number=5), unit=cls.group)

    def make_group_owned(self) -> Indicator:
        """An indicator left owned by the group (as the old code allowed)."""
        Indicator.objects.filter(pk=self.standards.pk).update(owner=self.group)
        return Indicator.objects.get(pk=self.standards.pk)

    def test_a_county_cannot_overwrite_another_countys_value(self) -> None:
        indicator = self.make_group_owned()
        refusals = []
        for liaison, value in ((self.county_liaison, "96"), (self.other_liaison, "12")):
            with translation.override("en"):
                try:
                    services.indicator_values_report(
                        round=self.q2, by=liaison, values={indicator.pk: value}
                    )
                except services.IndicatorError as error:
                    refusals.append(error.message)
        # Nobody writes the group's one value: neither county.
        self.assertEqual(refusals, [f"Name the unit that reports {indicator.name} first."] * 2)
        self.assertFalse(IndicatorValue.objects.filter(indicator=indicator).exists())

    def test_a_county_owned_value_cannot_be_written_by_another_county(self) -> None:
        Indicator.objects.filter(pk=self.standards.pk).update(owner=self.county)
        services.indicator_values_report(
            round=self.q2, by=self.county_liaison, values={self.standards.pk: "96"}
        )
        with self.assertRaises(services.IndicatorError):
            services.indicator_values_report(
                round=self.q2, by=self.other_liaison, values={self.standards.pk: "12"}
            )
        self.assertEqual(IndicatorValue.objects.get(indicator=self.standards).value, Decimal(96))
        # Nor through the pages: the other county's round page has nothing to fill.
        self.client.force_login(self.other_liaison)
        page = self.client.post(
            reverse("round_indicators", args=[self.q2.pk]), {f"value-{self.standards.pk}": "12"}
        )
        self.assertEqual(page.status_code, 404)
        self.assertEqual(IndicatorValue.objects.get(indicator=self.standards).value, Decimal(96))

    def test_a_group_owned_indicators_round_page_is_nobodys_to_fill(self) -> None:
        indicator = self.make_group_owned()
        self.client.force_login(self.other_liaison)
        page = self.client.post(
            reverse("round_indicators", args=[self.q2.pk]), {f"value-{indicator.pk}": "12"}
        )
        self.assertEqual(page.status_code, 404)
        self.client.force_login(self.county_liaison)
        page = self.client.post(
            reverse("indicator_report", args=[indicator.pk]),
            {"round": self.q2.pk, "value": "12"},
        )
        self.assertFalse(IndicatorValue.objects.filter(indicator=indicator).exists())

    def test_the_working_group_cannot_make_a_group_the_owner(self) -> None:
        with translation.override("en"), self.assertRaises(services.IndicatorError) as caught:
            services.indicator_update(
                indicator=self.standards,
                by=self.supervisor,
                kind=self.standards.kind,
                owner=self.group,
                baseline=None,
                direction=self.standards.direction,
            )
        self.assertEqual(caught.exception.message, GROUP_REFUSED)
        self.standards.refresh_from_db()
        self.assertEqual(self.standards.owner, self.bureau)
        form = IndicatorForm(
            indicator=self.standards, years=plan_span(self.plan).years, breakdown=False
        )
        self.assertNotIn(self.group, form.fields["owner"].queryset)
        self.assertIn(self.bureau, form.fields["owner"].queryset)

    def test_a_task_led_by_the_group_has_its_members_report_their_shares(self) -> None:
        task = self.plan.tasks.get(number=4)
        task.lead_unit = self.group
        task.save(update_fields=["lead_unit"])
        TaskUnit.objects.get_or_create(task=task, unit=self.group)
        services.indicator_update(
            indicator=self.institutes,
            by=self.supervisor,
            kind=self.institutes.kind,
            owner=None,
            baseline=None,
            direction=self.institutes.direction,
        )
        self.institutes.refresh_from_db()
        self.assertIsNone(self.institutes.owner)


class MigrationTests(IndicatorTestCase):
    """indicators 0002 moves group-owned indicators to what keeps the data truthful."""

    def test_group_owned_indicators_lose_the_group_and_task_ones_are_broken_down(self) -> None:
        group = Unit.objects.get(code="counties")
        Indicator.objects.filter(pk__in=[self.standards.pk, self.institutes.pk]).update(owner=group)
        migration = importlib.import_module("indicators.migrations.0002_no_group_owner")
        migration.ungroup_owners(apps, None)
        self.standards.refresh_from_db()
        self.institutes.refresh_from_db()
        self.assertEqual((self.standards.owner, self.institutes.owner), (None, None))
        targets = TaskTarget.objects.filter(pk__in=self.institutes.targets.values("task_target_id"))
        self.assertTrue(targets.exists())
        self.assertEqual(set(targets.values_list("by_member", flat=True)), {True})
        # Indicators of units stay as they were.
        self.assertEqual(Indicator.objects.filter(owner__kind=Unit.Kind.GROUP).count(), 0)
