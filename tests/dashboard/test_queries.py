"""The dashboard runs the same number of queries whatever the number of tasks, units,
rounds, reports, lights, interviews and commitments."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds.opening import round_create
from supervision.models import Light, LightRecord
from supervision.services import notice_issue
from tests.bulletins.base import at
from tests.dashboard.base import DashboardTestCase, send, store_lights
from tests.supervision.base import hold, schedule
from workflow.dispatch import task_dispatch

MORE_TASKS = (1, 2, 3, 6, 9, 10, 12, 14, 17)


class QueryCountTests(DashboardTestCase):
    def queries(self, user: object, path: str) -> int:
        self.client.force_login(user)
        self.client.get(path)  # sessions and caches warm
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(path)
        self.assertEqual(response.status_code, 200)
        return len(captured)

    def pages(self) -> dict[str, int]:
        plan_page = reverse("plan_dashboard", args=[self.plan.pk])
        return {
            "city": self.queries(self.supervisor, plan_page),
            "reader": self.queries(self.reader, plan_page),
            "unit, liaison": self.queries(self.lead_liaison, plan_page),
            "unit, supervisor": self.queries(
                self.supervisor, reverse("unit_dashboard", args=[self.plan.pk, self.gongxin.pk])
            ),
        }

    def grow(self) -> None:
        """Nine more tasks, a third round with more reports sent and its lights stored,
        two more interviews (one held, with commitments) and another 督办单."""
        task_dispatch(
            tasks=[self.plan.tasks.get(number=n) for n in MORE_TASKS],
            by=None,
            today=datetime.date(2026, 4, 1),
            acknowledge_by=datetime.date(2026, 12, 31),
            complete_by=datetime.date(2027, 12, 31),
        )
        third = round_create(
            plan=self.plan,
            by=None,
            period="2026年4月下旬",
            deadline=datetime.date(2026, 4, 20),
            today=datetime.date(2026, 4, 8),
        )
        send(third, self.gongxin, datetime.date(2026, 4, 8), {6: "on", 8: "ahead", 10: "behind"})
        send(third, self.bureau, datetime.date(2026, 4, 8), {1: "done", 2: "on", 3: "behind"})
        send(self.april, self.keji, datetime.date(2026, 4, 8), {5: "behind"})
        numbers = third.tasks.values_list("number", flat=True)
        colors = [Light.RED, Light.YELLOW, Light.GREEN]
        store_lights(
            third,
            {n: (colors[n % 3], [f"任务{n}的原因"]) for n in numbers},
            {unit: (Light.RED, ["原因"]) for unit in (self.bureau, self.gongxin, self.keji)},
        )
        hold(self.supervisor, schedule(self.supervisor, self.tax), datetime.date(2026, 5, 1))
        fagai = self.plan.tasks.get(number=14).lead_unit
        schedule(self.supervisor, fagai, day=datetime.date(2026, 4, 20))
        notice_issue(unit=self.gongxin, plan=self.plan, items=[], now=at(datetime.date(2026, 4, 8)))

    def test_the_city_and_unit_views_cost_the_same_at_two_sizes(self) -> None:
        small = self.pages()
        self.grow()
        self.assertGreater(LightRecord.objects.count(), 20)
        self.assertEqual(self.pages(), small)

    def test_a_county_governments_view_costs_the_same_at_two_sizes(self) -> None:
        # Its tasks are those of the county group (各县(市、区)政府).
        path = reverse("plan_dashboard", args=[self.plan.pk])
        small = self.queries(self.county_liaison, path)
        self.grow()
        self.assertEqual(self.queries(self.county_liaison, path), small)

    def test_the_number_of_queries_is_small(self) -> None:
        counts = self.pages()
        # The session, the person, the plan, the unread notices and the person's unit;
        # the dashboard's grouped reads; the lights now (supervision.lights); the
        # indicators against their targets (six: indicators.selectors.indicator_rows).
        self.assertLessEqual(counts["city"], 38, counts)
