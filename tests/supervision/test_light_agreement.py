"""One light for a task or a unit on every page of the demo.

The demo is loaded once; then, for every dispatched task and every unit of its
plan, the light is read where each page shows it (the pages' data-light
attributes, or the exact context a page renders) and compared: today's light on
the task page, the unit pages, the board, the plan page and the dashboard, and
the current round's light in the task's and the unit's 各轮次预警 tables, on the
round page and in the bulletin's data. Zero disagreements, or the list of them.
"""

import datetime
import re
from collections import defaultdict
from io import StringIO

import time_machine
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from bulletins.content import gather
from departments.models import Unit, User
from plans.models import Plan
from rounds.models import Round, UnitReport
from supervision.lights import current_rounds
from supervision.models import Light
from workflow.models import TaskProcess

LIT = (Light.RED, Light.YELLOW)
NOT_LIT = "(not listed: neither red nor yellow)"
NOT_RED = "(not listed: not red)"
TWO_ROUNDS = "连续两轮欠进度"  # the reason "Behind schedule in two consecutive rounds"


def _rows(html: str, attribute: str) -> dict[int, str]:
    """`attribute` value -> the data-light of the element carrying both."""
    found = {}
    for tag in re.findall(r"<(?:tr|td|dd)\b[^>]*>", html):
        key = re.search(rf'{attribute}="(\d+)"', tag)
        light = re.search(r'data-light="(\w*)"', tag)
        if key and light:
            found[int(key.group(1))] = light.group(1)
    return found


def _testid_light(html: str, testid: str) -> str | None:
    match = re.search(rf'<dd[^>]*data-testid="{testid}"[^>]*>', html)
    if match is None:
        return None
    light = re.search(r'data-light="(\w*)"', match.group(0))
    return light.group(1) if light else ""


def _round_row(html: str, round_pk: int) -> tuple[str, bool] | None:
    """(light, marked as today's) of the 各轮次预警 row of the round."""
    for tag in re.findall(r"<tr\b[^>]*>", html):
        if f'data-history-round="{round_pk}"' in tag:
            light = re.search(r'data-light="(\w*)"', tag)
            return (light.group(1) if light else ""), "data-today" in tag
    return None


class LightAgreementTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        call_command("load_demo", stdout=StringIO(), stderr=StringIO())
        cls.plan = Plan.objects.get(tasks__process__isnull=False, tasks__order=1)
        cls.current = current_rounds([cls.plan.pk])[cls.plan.pk][0]
        cls.supervisor = User.objects.get(username="supervisor")

    def setUp(self) -> None:
        # subject ("task 8", "unit 市商务局") -> [(where, colour)]
        self.seen: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.unmarked: list[str] = []

    def see(self, subject: str, where: str, color: str) -> None:
        self.seen[subject].append((where, color))

    def see_row(self, subject: str, where: str, html: str) -> None:
        """The current round's row of a 各轮次预警 table, which says it is today's."""
        row = _round_row(html, self.current.pk)
        if row is None:
            self.see(subject, f"{where} ({self.current.period})", "missing")
        else:
            self.see(subject, f"{where} ({self.current.period})", row[0])
            if not row[1]:
                self.unmarked.append(
                    f"{subject}: {where} does not say {self.current.period} is today's"
                )

    def get(self, name: str, *args: int) -> str:
        response = self.client.get(reverse(name, args=args))
        self.assertEqual(response.status_code, 200, name)
        return response.content.decode()

    def test_every_page_shows_one_light_for_each_task_and_unit(self) -> None:
        """Right after the demo's sweep."""
        self.check_agreement()

    def test_the_pages_agree_days_after_the_last_sweep(self) -> None:
        """Twelve days on, no sweep since: the round's deadline is near, so today's
        lights have moved on from those the sweep stored."""
        later = timezone.now() + datetime.timedelta(days=12)
        with time_machine.travel(later, tick=False):
            self.check_agreement()

    def check_agreement(self) -> None:
        self.client.force_login(self.supervisor)
        plan, current = self.plan, self.current
        tasks = {
            process.plan_task_id: process.plan_task
            for process in TaskProcess.objects.filter(plan_task__plan=plan).select_related(
                "plan_task"
            )
        }
        round_tasks = set(current.tasks.values_list("pk", flat=True))
        round_units = set(
            UnitReport.objects.filter(round=current).values_list("unit_id", flat=True)
        )
        units = Unit.objects.exclude(kind=Unit.Kind.GROUP).filter(
            pk__in=round_units | set(plan.tasks.values_list("lead_unit_id", flat=True))
        )
        names = {unit.pk: unit.name for unit in units}

        def task(pk: int) -> str:
            return f"task {tasks[pk].number}"

        def unit(pk: int) -> str:
            return f"unit {names.get(pk, pk)}"

        # The task pages: today's light in the header, the current round's in the table.
        for pk in tasks:
            html = self.get("task_detail", pk)
            self.see(task(pk), "task page", _testid_light(html, "task-light") or "")
            if pk in round_tasks:
                self.see_row(task(pk), "task page, 各轮次预警", html)
        # The plan page.
        html = self.get("plan_detail", plan.pk)
        for number, cell in re.findall(
            r'data-task="(\d+)"><td class="num">\d+</td><td class="light-cell">(.*?)</td>',
            html,
            re.S,
        ):
            light = re.search(r'data-light="(\w+)"', cell)
            for pk, found in tasks.items():
                if str(found.number) == number:
                    self.see(task(pk), "plan page", light.group(1) if light else "")
        # The unit pages: the unit's light, its tasks' and its current round's.
        for pk in names:
            html = self.get("unit_detail", pk)
            self.see(unit(pk), "unit page", _testid_light(html, "unit-light") or "")
            for task_pk, color in _rows(html, "data-task-pk").items():
                if task_pk in tasks:
                    self.see(task(task_pk), f"unit page of {names[pk]}", color)
            if pk in round_units:
                self.see_row(unit(pk), "unit page, 各轮次预警", html)
        # The board lists the red and yellow ones.
        html = self.get("supervision_board")
        board_tasks = _rows(html, "data-task-pk")
        board_units = _rows(html, "data-unit")
        for pk in tasks:
            self.see(task(pk), "board", board_tasks.get(pk, NOT_LIT))
        for pk in names:
            self.see(unit(pk), "board", board_units.get(pk, NOT_LIT))
        # The round page: each reporting unit's light in the round.
        html = self.get("round_detail", current.pk)
        for name, cell in re.findall(
            r'<tr data-unit="([^"]+)"[^>]*>\s*<td>.*?</td>\s*<td class="light-cell" '
            r'data-light="(\w*)"',
            html,
            re.S,
        ):
            pk = next(pk for pk, found in names.items() if found == name)
            self.see(unit(pk), "round page", cell)
        # The dashboard: the red tasks and units of the city's view, each unit's own.
        board = self.client.get(reverse("plan_dashboard", args=[plan.pk])).context["board"]
        red_tasks = {row.pk for row in board.lights.red_tasks}
        red_units = {u.pk for row in board.lights.red_units for u in row.units}
        for pk in round_tasks & set(tasks):
            self.see(task(pk), "dashboard", Light.RED if pk in red_tasks else NOT_RED)
        for pk in round_units & set(names):
            self.see(unit(pk), "dashboard", Light.RED if pk in red_units else NOT_RED)
        trends = {}
        for pk in round_units & set(names):
            response = self.client.get(reverse("unit_dashboard", args=[plan.pk, pk]))
            own = response.context["board"].lights.own
            self.see(unit(pk), "unit dashboard", own.color if own else "")
            trends[pk] = {row.round.pk: row for row in response.context["board"].trend}
        # The bulletin's data on the current round.
        data = gather(plan, current, timezone.localdate())
        listed = {row["task"]: Light.RED for row in data["red"]}
        listed.update({row["task"]: Light.YELLOW for row in data["yellow"]})
        for pk in round_tasks & set(tasks):
            self.see(task(pk), "bulletin", listed.get(tasks[pk].number, NOT_LIT))
        for row in data["units"]:
            if row["unit_id"] in names:
                self.see(unit(row["unit_id"]), "bulletin", row["light"])

        disagreements = []
        for subject, seen in sorted(self.seen.items()):
            # The board and the bulletin's lists name the red and yellow ones only,
            # the dashboard's the red ones: an absence there says "neither".
            exact = {color for _where, color in seen if color not in (NOT_LIT, NOT_RED)}
            lit = {color if color in LIT else NOT_LIT for _where, color in seen if color != NOT_RED}
            red = {color == Light.RED for _where, color in seen}
            if len(exact) > 1 or len(lit) > 1 or len(red) > 1:
                disagreements.append(
                    f"{subject}: " + ", ".join(f"{where}={color}" for where, color in seen)
                )
        self.assertGreater(len(self.seen), 40)
        disagreements += self.unmarked
        self.assertEqual(disagreements, [], "\n" + "\n".join(disagreements))

        # A reason agrees with the counts beside it: a unit red for 欠进度 in two
        # consecutive rounds has tasks behind schedule in both, on its dashboard.
        rounds = list(Round.objects.filter(plan=plan).order_by("opens_on", "pk"))
        wrong = []
        for pk, trend in trends.items():
            html = self.get("unit_detail", pk)
            for rnd_pk in re.findall(
                r'data-history-round="(\d+)"[^>]*>(?:(?!</tr>).)*' + TWO_ROUNDS, html, re.S
            ):
                index = next(i for i, r in enumerate(rounds) if r.pk == int(rnd_pk))
                for rnd in rounds[index - 1 : index + 1]:
                    behind = trend[rnd.pk].schedule.get("behind", 0) if rnd.pk in trend else 0
                    if not behind:
                        wrong.append(f"{names[pk]} {rnd.period}: {TWO_ROUNDS}, 欠进度 = 0")
        self.assertEqual(wrong, [], "\n" + "\n".join(wrong))
