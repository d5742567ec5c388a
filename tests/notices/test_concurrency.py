"""Two processes at the same moment: notify() for the same 500 people makes each
notice once; two delivery sweeps send each e-mail and robot message once.

PostgreSQL only: SQLite serialises writers, so these races cannot happen there.
Each thread has its own database connection and closes it when done.
"""

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import TransactionTestCase

from departments.models import Unit, User
from departments.services import registry_sync
from notices.delivery import deliver_due
from notices.models import Delivery, Notice, UnitWebhook
from notices.services import notify
from tests.notices.base import NOW
from tests.notices.robot import RobotServer

PEOPLE = 500
LATER = NOW.replace(hour=11)


def race(actions: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run the actions in threads released together; each one's result or exception."""
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = action()
        except BaseException as exc:  # reported by the caller's assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing thread hung"
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


@pytest.mark.postgres(
    reason="needs PostgreSQL: SQLite serialises writers, so these races cannot happen there"
)
class ConcurrentNoticeTests(TransactionTestCase):
    def setUp(self) -> None:
        registry_sync(by=None)
        self.units = list(Unit.objects.exclude(kind=Unit.Kind.GROUP).order_by("pk")[:10])
        User.objects.bulk_create(
            User(
                username=f"race{number:03d}",
                display_name=f"联络员{number}",
                unit=self.units[number % len(self.units)],
                role=User.Role.LIAISON,
                email=f"race{number:03d}@example.cn",
                phone=f"138{number:08d}",
            )
            for number in range(PEOPLE)
        )
        self.people = list(User.objects.filter(username__startswith="race").order_by("pk"))

    def notify_all(self, key: str = "report:42:remind:3d", title: str = "报告3天后截止") -> list:
        return notify(
            recipients=self.people, kind="reminder", key=key, title=title, url="/r/", now=NOW
        )

    def test_two_notify_calls_at_once_make_each_notice_once(self) -> None:
        UnitWebhook.objects.bulk_create(
            UnitWebhook(unit=unit, kind="wecom", url=f"http://127.0.0.1:9/{unit.code}")
            for unit in self.units
        )
        first, second = race([self.notify_all, self.notify_all])
        self.assertEqual(Notice.objects.count(), PEOPLE)
        # Each call returns only the notices it made: together all of them, once.
        returned = [notice.pk for notice in first + second]
        self.assertEqual(len(returned), PEOPLE)
        self.assertEqual(set(returned), set(Notice.objects.values_list("pk", flat=True)))
        self.assertEqual(
            Delivery.objects.filter(channel="email").count(), PEOPLE, "one e-mail per notice"
        )
        robots = Counter(Delivery.objects.filter(channel="webhook").values_list("unit", flat=True))
        self.assertEqual(robots, Counter({unit.pk: 1 for unit in self.units}))

    def test_two_sweeps_at_once_send_each_delivery_once(self) -> None:
        with RobotServer() as server:
            UnitWebhook.objects.bulk_create(
                UnitWebhook(unit=unit, kind="wecom", url=server.url(f"/send/{unit.code}"))
                for unit in self.units
            )
            for number in range(3):
                self.notify_all(key=f"task:{number}:overdue", title=f"任务{number}逾期")
            due = Delivery.objects.exclude(channel="inapp")
            self.assertEqual(due.count(), 3 * PEOPLE + 3 * len(self.units))
            results = race(
                [
                    lambda: deliver_due(now=LATER, limit=400),
                    lambda: deliver_due(now=LATER, limit=400),
                ]
                * 2
            )
            requests = [(r["path"], r["body"]["text"]["content"]) for r in server.requests]
        claimed = sum(result["claimed"] for result in results)
        self.assertEqual(claimed, 3 * PEOPLE + 3 * len(self.units))
        # Every e-mail once.
        sent = Counter((message.to[0], message.subject) for message in mail.outbox)
        self.assertEqual(len(sent), 3 * PEOPLE)
        self.assertEqual(set(sent.values()), {1})
        # Every robot message once: three items for each of the ten groups.
        self.assertEqual(len(requests), 3 * len(self.units))
        self.assertEqual(len(set(requests)), len(requests))
        self.assertEqual(set(due.values_list("status", "attempts")), {("sent", 1)})
