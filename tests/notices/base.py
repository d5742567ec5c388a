"""Shared data for the notice tests: units and named people with addresses."""

import datetime
import zoneinfo

from django.test import TestCase

from departments.models import Unit, User
from departments.services import registry_sync
from notices.models import Notice
from notices.services import notify
from tests.base import make_person

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A Tuesday morning, local time.
NOW = datetime.datetime(2024, 3, 5, 10, 0, tzinfo=SHANGHAI)


class PeopleMixin:
    """Two liaisons and the leader of 市工业和信息化局, a liaison of 临城县政府 and
    one of 市税务局 (no e-mail address), and the working group's supervisor."""

    gongxin: Unit
    county: Unit
    tax: Unit
    liaison: User
    colleague: User
    leader: User
    county_liaison: User
    tax_liaison: User
    supervisor: User

    @classmethod
    def make_people(cls) -> None:
        registry_sync(by=None)
        unit = Unit.objects.get
        cls.gongxin, cls.county, cls.tax = (
            unit(code="gongxin"),
            unit(code="lincheng"),
            unit(code="shuiwu"),
        )
        people = [
            ("liaison", "n.gongxin", User.Role.LIAISON, cls.gongxin, "张伟", "13800000001"),
            ("colleague", "n.gongxin2", User.Role.LIAISON, cls.gongxin, "李娜", ""),
            ("leader", "n.gongxin.leader", User.Role.LEADER, cls.gongxin, "王强", "138-0000-0003"),
            ("county_liaison", "n.lincheng", User.Role.LIAISON, cls.county, "赵敏", "13800000004"),
            ("tax_liaison", "n.shuiwu", User.Role.LIAISON, cls.tax, "刘洋", ""),
            ("supervisor", "n.supervisor", User.Role.SUPERVISOR, unit(code="shichang"), "陈静", ""),
        ]
        for attribute, username, role, home, name, phone in people:
            person = make_person(username, role, home, display_name=name)
            person.phone = phone
            person.email = "" if attribute == "tax_liaison" else f"{username}@example.cn"
            person.save(update_fields=["phone", "email"])
            setattr(cls, attribute, person)


class NoticeTestCase(PeopleMixin, TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.make_people()

    def remind(self, *people: User, key: str = "report:42:remind:3d", **fields) -> list[Notice]:
        values = {
            "kind": Notice.Kind.REMINDER,
            "title": "2024年2月调度报告3天后截止",
            "body": "请按时填报本期进展。",
            "url": "/reports/42/",
            "now": NOW,
            **fields,
        }
        return notify(recipients=people, key=key, **values)


def notice_of_another_person(case: object) -> Notice:
    """For the URL walk: a notice to 市工业和信息化局's liaison, made once per test."""
    recipient = case.lead_liaison  # type: ignore[attr-defined]
    notice = Notice.objects.filter(recipient=recipient, key="url-walk").first()
    if notice is not None:
        return notice
    (notice,) = notify(
        recipients=[recipient],
        kind=Notice.Kind.REMINDER,
        key="url-walk",
        title="2024年1月调度报告待填报",
        url="/plans/",
    )
    return notice
