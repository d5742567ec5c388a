"""Shared test data: the real Xingtai plan and named people around it."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import TestCase

from departments.models import Unit, User
from departments.services import person_upsert, registry_sync
from plans.importer.service import plan_import
from plans.models import Plan, Task

XINGTAI_PLAN = Path(settings.BASE_DIR) / "data" / "plans" / "xingtai-quality-2023-2027.txt"
PASSWORD = "Correct-Horse-2023"


@cache
def _password_hash(password: str, hashers: tuple[str, ...]) -> str:
    # One key derivation per password and hasher list per test process, not one
    # per person (the hasher list is in the key: tests may swap in a fast one).
    return make_password(password)


def make_person(
    username: str,
    role: str,
    unit: Unit | None,
    *,
    password: str = PASSWORD,
    must_change_password: bool = False,
    display_name: str = "",
) -> User:
    user, _created = person_upsert(
        username=username,
        role=role,
        unit=unit,
        display_name=display_name or username,
        password_hash=_password_hash(password, tuple(settings.PASSWORD_HASHERS)),
        by=None,
        must_change_password=must_change_password,
    )
    return user


class PlanTestCase(TestCase):
    """The Xingtai plan imported, with a supervisor, a leadership reader, the liaison of
    a lead unit (市工业和信息化局), of a co-unit only (市税务局), of a county
    (临城县政府), of a unit the plan never names (市审计局), and a unit leader."""

    plan: Plan

    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.plan = plan_import(
            data=XINGTAI_PLAN.read_bytes(), source_name=XINGTAI_PLAN.name, by=None
        ).plan
        unit = Unit.objects.get
        cls.bureau = unit(code="shichang")
        cls.gongxin = unit(code="gongxin")
        cls.tax = unit(code="shuiwu")
        cls.county = unit(code="lincheng")
        cls.audit_office = unit(code="shenji")
        cls.supervisor = make_person("t.supervisor", User.Role.SUPERVISOR, cls.bureau)
        cls.reader = make_person("t.reader", User.Role.READER, unit(code="zhengfuban"))
        cls.lead_liaison = make_person("t.gongxin", User.Role.LIAISON, cls.gongxin)
        cls.co_liaison = make_person("t.shuiwu", User.Role.LIAISON, cls.tax)
        cls.county_liaison = make_person("t.lincheng", User.Role.LIAISON, cls.county)
        cls.unrelated_liaison = make_person("t.shenji", User.Role.LIAISON, cls.audit_office)
        cls.leader = make_person("t.gongxin.leader", User.Role.LEADER, cls.gongxin)

    def task(self, number: int) -> Task:
        return Task.objects.get(plan=self.plan, number=number)
