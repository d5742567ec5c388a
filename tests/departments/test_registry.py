from django.test import TestCase

from audit.models import AuditEvent
from departments.models import Unit, UnitAlias, User
from departments.selectors import unit_resolver
from departments.services import person_upsert, registry_sync
from tests.audit_coverage import audited
from tests.base import make_person


class RegistryTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)

    def test_the_county_group_stands_for_the_eighteen_county_level_governments(self) -> None:
        group = Unit.objects.get(name="各县(市、区)政府")
        self.assertEqual(group.kind, Unit.Kind.GROUP)
        members = set(group.members.values_list("name", flat=True))
        self.assertEqual(len(members), 18)
        self.assertIn("沙河市政府", members)
        self.assertIn("威县政府", members)
        self.assertNotIn("开发区管委会", members)

    def test_the_registry_has_the_zones_and_the_units_outside_the_city_government(self) -> None:
        kinds = dict(Unit.objects.values_list("name", "kind"))
        self.assertEqual(kinds["开发区管委会"], Unit.Kind.ZONE)
        self.assertEqual(kinds["邢东新区管委会"], Unit.Kind.ZONE)
        self.assertEqual(kinds["人行邢台市中心支行"], Unit.Kind.EXTERNAL)
        self.assertEqual(kinds["邢台银保监分局"], Unit.Kind.EXTERNAL)
        self.assertEqual(kinds["市邮政管理局"], Unit.Kind.EXTERNAL)
        self.assertEqual(kinds["市委宣传部"], Unit.Kind.PARTY)
        self.assertEqual(kinds["市工商联"], Unit.Kind.PARTY)

    def test_loading_the_registry_is_recorded_once_with_its_counts(self) -> None:
        event = AuditEvent.objects.get(action="unit.registry_sync")
        self.assertEqual(event.summary["created"], Unit.objects.count())
        self.assertEqual(event.username, "")
        self.assertEqual(event.outcome, AuditEvent.Outcome.OK)

    def test_loading_the_registry_twice_changes_nothing(self) -> None:
        units, aliases = Unit.objects.count(), UnitAlias.objects.count()
        audit_rows = AuditEvent.objects.count()
        result = registry_sync(by=None)
        self.assertEqual((result.created, result.updated, result.aliases_created), (0, 0, 0))
        self.assertEqual(Unit.objects.count(), units)
        self.assertEqual(UnitAlias.objects.count(), aliases)
        self.assertEqual(AuditEvent.objects.count(), audit_rows)

    def test_aliases_and_full_width_forms_resolve_to_one_unit(self) -> None:
        resolver = unit_resolver()
        self.assertEqual(resolver.resolve("市工信局").name, "市工业和信息化局")
        self.assertEqual(resolver.resolve("市发改委").name, "市发展改革委")
        self.assertEqual(resolver.resolve("邢台市市场监督管理局").name, "市市场监管局")
        self.assertEqual(resolver.resolve("各县（市、区）政府").name, "各县(市、区)政府")
        self.assertEqual(resolver.resolve("各县(市、区)人民政府").name, "各县(市、区)政府")
        self.assertEqual(resolver.resolve(" 市工业和信息化局 ").name, "市工业和信息化局")
        self.assertEqual(
            resolver.resolve("国家金融监督管理总局邢台监管分局").name, "邢台银保监分局"
        )
        self.assertIsNone(resolver.resolve("市不存在局"))


class UnitPermissionTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.unit = Unit.objects.get(code="gongxin")
        cls.other = Unit.objects.get(code="keji")

    def test_a_liaison_acts_for_their_own_unit_only(self) -> None:
        liaison = make_person("p.liaison", User.Role.LIAISON, self.unit)
        self.assertTrue(liaison.has_perm("departments.act_for_unit", self.unit))
        self.assertFalse(liaison.has_perm("departments.sign_for_unit", self.unit))
        self.assertFalse(liaison.has_perm("departments.act_for_unit", self.other))

    def test_a_leader_signs_off_for_their_unit(self) -> None:
        leader = make_person("p.leader", User.Role.LEADER, self.unit)
        self.assertTrue(leader.has_perm("departments.sign_for_unit", self.unit))
        self.assertTrue(leader.has_perm("departments.act_for_unit", self.unit))
        self.assertFalse(leader.has_perm("departments.sign_for_unit", self.other))

    def test_moving_a_person_to_another_unit_moves_their_permissions(self) -> None:
        with audited(person_upsert, action="person.create", summary={"unit": "市工业和信息化局"}):
            make_person("p.mover", User.Role.LIAISON, self.unit)
        with audited(person_upsert, action="person.update", summary={"unit": "市科技局"}):
            mover = make_person("p.mover", User.Role.LIAISON, self.other)
        mover = User.objects.get(pk=mover.pk)  # fresh permission cache
        self.assertTrue(mover.has_perm("departments.act_for_unit", self.other))
        self.assertFalse(mover.has_perm("departments.act_for_unit", self.unit))
        created = AuditEvent.objects.get(action="person.create", object_id=str(mover.pk))
        self.assertEqual(created.summary, {"role": "liaison", "unit": "市工业和信息化局"})
        updated = AuditEvent.objects.get(action="person.update", object_id=str(mover.pk))
        self.assertEqual(updated.summary, {"role": "liaison", "unit": "市科技局"})

    def test_a_supervisor_holds_the_supervision_permission_and_a_liaison_does_not(self) -> None:
        supervisor = make_person("p.sup", User.Role.SUPERVISOR, Unit.objects.get(code="shichang"))
        liaison = make_person("p.liaison2", User.Role.LIAISON, self.unit)
        self.assertTrue(supervisor.has_perm("plans.supervise_plan"))
        self.assertFalse(liaison.has_perm("plans.supervise_plan"))


class RegistryAuditTests(TestCase):
    def test_loading_the_registry_into_an_empty_database_writes_one_row_with_its_counts(
        self,
    ) -> None:
        with audited(
            registry_sync,
            action="unit.registry_sync",
            by=None,
            outcome=AuditEvent.Outcome.OK,
            count=1,
        ) as check:
            result = registry_sync(by=None)
        self.assertEqual(check.rows[0].summary["created"], result.created)
        self.assertEqual(result.created, Unit.objects.count())
