"""The unit's inbox part (templates/supervision/_my_items.html): its unanswered 督办单
and its open commitments, the overdue marked."""

import datetime

from django.template.loader import render_to_string
from django.urls import reverse

from supervision.selectors import my_items_context
from tests.supervision.base import SupervisionTestCase, hold, schedule


class InboxTests(SupervisionTestCase):
    def test_the_unit_finds_what_it_must_answer_and_report(self) -> None:
        interview = schedule(self.supervisor, self.gongxin, day=datetime.date(2024, 1, 10))
        hold(self.supervisor, interview, datetime.date(2024, 1, 15), datetime.date(2024, 2, 1))
        late, due = interview.commitments.order_by("number")
        context = my_items_context(self.leader)
        self.assertEqual(context["my_notices"], [self.notice])
        self.assertEqual(context["my_commitments"], [late, due])
        self.assertEqual([c.overdue for c in context["my_commitments"]], [True, False])
        html = render_to_string("supervision/_my_items.html", context)
        self.assertIn(reverse("supervision_notice", args=[self.notice.pk]), html)
        self.assertIn(reverse("commitment_report", args=[late.pk]), html)
        self.assertIn("已逾期", html)

    def test_nothing_shows_for_people_who_see_the_whole_city(self) -> None:
        context = my_items_context(self.supervisor)
        self.assertFalse(context["shows_supervision_items"])
        self.assertEqual(render_to_string("supervision/_my_items.html", context).strip(), "")

    def test_another_unit_has_nothing_of_it(self) -> None:
        context = my_items_context(self.keji_liaison)
        self.assertEqual((context["my_notices"], context["my_commitments"]), ([], []))
        html = render_to_string("supervision/_my_items.html", context)
        self.assertIn("没有待反馈的督办单", html)
