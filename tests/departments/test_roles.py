"""三员 separation: the administrator manages accounts and units only, the
auditor only reads the trail, supervisors manage no accounts."""

from django.test import TestCase
from django.urls import reverse

from audit.models import AuditEvent
from departments.models import Unit, User
from departments.services import person_password_set, person_save, registry_sync
from tests.audit_coverage import audited
from tests.base import make_person

NEW_PASSWORD = "Bright-Lantern-72"


class RoleSeparationTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        office = Unit.objects.get(code="zhengfuban")
        cls.gongxin = Unit.objects.get(code="gongxin")
        cls.admin = make_person("r.admin", User.Role.ADMIN, office)
        cls.auditor = make_person("r.auditor", User.Role.AUDITOR, office)
        cls.supervisor = make_person(
            "r.supervisor", User.Role.SUPERVISOR, Unit.objects.get(code="shichang")
        )
        cls.liaison = make_person("r.liaison", User.Role.LIAISON, cls.gongxin)

    def test_the_administrator_reaches_the_people_and_units_pages(self) -> None:
        self.client.force_login(self.admin)
        self.assertEqual(
            self.client.get(reverse("admin:departments_user_changelist")).status_code, 200
        )
        self.assertEqual(
            self.client.get(reverse("admin:departments_unit_changelist")).status_code, 200
        )

    def test_the_administrator_cannot_reach_ledger_data_or_the_audit_trail(self) -> None:
        self.client.force_login(self.admin)
        self.assertEqual(self.client.get("/admin/ledger/plan/").status_code, 404)
        self.assertEqual(self.client.get("/admin/audit/auditevent/").status_code, 404)
        self.assertEqual(self.client.get(reverse("audit_events")).status_code, 403)

    def test_the_administrator_cannot_delete_a_person(self) -> None:
        self.client.force_login(self.admin)
        url = reverse("admin:departments_user_delete", args=[self.liaison.pk])
        self.assertEqual(self.client.post(url, {"post": "yes"}).status_code, 403)
        self.assertTrue(User.objects.filter(pk=self.liaison.pk).exists())

    def test_the_person_form_offers_no_superuser_group_or_permission_field(self) -> None:
        self.client.force_login(self.admin)
        response = self.client.get(reverse("admin:departments_user_change", args=[self.liaison.pk]))
        self.assertEqual(response.status_code, 200)
        for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
            self.assertNotContains(response, f'name="{field}"')

    def test_supervisors_auditors_and_liaisons_manage_no_accounts(self) -> None:
        for someone in (self.supervisor, self.auditor, self.liaison):
            self.client.force_login(someone)
            response = self.client.get(reverse("admin:departments_user_changelist"))
            self.assertEqual(response.status_code, 302, someone.username)
            self.assertIn(reverse("admin:login"), response["Location"])

    def test_a_person_added_by_the_administrator_gets_their_roles_access_and_must_change_password(
        self,
    ) -> None:
        self.client.force_login(self.admin)
        with audited(
            person_save,
            action="person.create",
            by=self.admin,
            summary={"unit": "市工业和信息化局"},
            count=1,
        ):
            response = self.client.post(
                reverse("admin:departments_user_add"),
                {
                    "username": "new.liaison",
                    "password1": NEW_PASSWORD,
                    "password2": NEW_PASSWORD,
                    "usable_password": "true",
                    "display_name": "王晓明",
                    "unit": self.gongxin.pk,
                    "role": User.Role.LIAISON,
                },
            )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        new = User.objects.get(username="new.liaison")
        self.assertTrue(new.must_change_password)
        self.assertFalse(new.is_staff)
        self.assertTrue(new.has_perm("departments.act_for_unit", self.gongxin))
        event = AuditEvent.objects.get(action="person.create", object_id=str(new.pk))
        self.assertEqual(event.username, "r.admin")
        self.assertEqual(event.summary["unit"], "市工业和信息化局")

    def test_changing_a_persons_unit_in_the_admin_moves_their_permissions(self) -> None:
        self.client.force_login(self.admin)
        keji = Unit.objects.get(code="keji")
        url = reverse("admin:departments_user_change", args=[self.liaison.pk])
        form = self.client.get(url).context["adminform"].form
        data = {name: value for name, value in form.initial.items() if value is not None}
        data.update({"unit": keji.pk, "role": User.Role.LIAISON, "is_active": "on"})
        data.pop("password", None)
        data["date_joined_0"], data["date_joined_1"] = "2024-01-01", "09:00:00"
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        moved = User.objects.get(pk=self.liaison.pk)
        self.assertTrue(moved.has_perm("departments.act_for_unit", keji))
        self.assertFalse(moved.has_perm("departments.act_for_unit", self.gongxin))
        event = AuditEvent.objects.filter(action="person.update", object_id=str(moved.pk)).last()
        self.assertIn("unit", event.summary["fields"])

    def test_a_password_set_by_the_administrator_must_be_replaced_and_is_recorded(self) -> None:
        self.client.force_login(self.admin)
        with audited(
            person_password_set,
            action="person.password_set",
            by=self.admin,
            obj=self.liaison,
            count=1,
        ):
            response = self.client.post(
                reverse("admin:auth_user_password_change", args=[self.liaison.pk]),
                {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
            )
        self.assertEqual(response.status_code, 302)
        liaison = User.objects.get(pk=self.liaison.pk)
        self.assertTrue(liaison.check_password(NEW_PASSWORD))
        self.assertTrue(liaison.must_change_password)
        event = AuditEvent.objects.get(action="person.password_set")
        self.assertEqual((event.username, event.object_id), ("r.admin", str(liaison.pk)))
        self.assertNotIn(NEW_PASSWORD, str(event.summary))

    def test_editing_a_unit_in_the_admin_is_recorded(self) -> None:
        self.client.force_login(self.admin)
        unit = Unit.objects.get(code="keji")
        url = reverse("admin:departments_unit_change", args=[unit.pk])
        response = self.client.post(
            url,
            {
                "name": unit.name,
                "full_name": "邢台市科学技术局（测试）",
                "code": unit.code,
                "kind": unit.kind,
                "sort_order": unit.sort_order,
                "is_active": "on",
                "aliases-TOTAL_FORMS": "1",
                "aliases-INITIAL_FORMS": "0",
                "aliases-MIN_NUM_FORMS": "0",
                "aliases-MAX_NUM_FORMS": "1000",
                "aliases-0-alias": "市科技局机关",
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        event = AuditEvent.objects.get(action="unit.admin_change", object_id=str(unit.pk))
        self.assertEqual(event.username, "r.admin")
        self.assertIn("市科技局机关", {a.alias for a in unit.aliases.all()})
