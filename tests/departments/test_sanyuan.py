"""三员 separation that holds (issue 17, finding 2): the administrator holds no
unit and no business role, nobody changes their own role or unit, a privileged
role takes a second person, and the visibility rule looks at the role."""

import importlib
from collections.abc import Iterator
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from departments import services
from departments.access import unit_scope
from departments.checks import check_system_roles_hold_no_unit
from departments.models import RoleRequest, Unit, User
from departments.services import PersonError, person_save, registry_sync
from plans.selectors import plans_visible_to, tasks_visible_to
from rounds.models import ReportFile
from rounds.selectors import report_files_visible_to, reports_visible_to
from tests.audit_coverage import audited
from tests.base import make_person
from tests.rounds.base import PDF, RoundTestCase


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    # The messages are checked in their English form, whatever the catalogue says.
    with translation.override("en"):
        yield


PASSWORD = "Bright-Lantern-72"
NO_UNIT = "The system administrator and the security auditor belong to no unit."


class AdminFormMixin:
    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        # The pages' messages are checked in English, the language a person may choose.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # type: ignore[attr-defined]

    def change_data(self, person: User, **changes: object) -> dict:
        """What the admin's change form posts for `person`, with `changes`."""
        url = reverse("admin:departments_user_change", args=[person.pk])
        form = self.client.get(url).context["adminform"].form
        data = {name: value for name, value in form.initial.items() if value is not None}
        data.pop("password", None)
        data["is_active"] = "on"
        data["date_joined_0"], data["date_joined_1"] = "2024-01-01", "09:00:00"
        data.update(changes)
        return data

    def add_person(self, **fields: object):  # type: ignore[no-untyped-def]
        data = {
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
            "display_name": "新同事",
            **fields,
        }
        return self.client.post(reverse("admin:departments_user_add"), data, follow=True)


class AdministratorHoldsNoUnitTests(AdminFormMixin, TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.office = Unit.objects.get(code="zhengfuban")
        cls.gongxin = Unit.objects.get(code="gongxin")
        cls.admin = make_person("s.admin", User.Role.ADMIN, None)
        cls.other_admin = make_person("s.admin2", User.Role.ADMIN, None)
        cls.auditor = make_person("s.auditor", User.Role.AUDITOR, None)
        cls.liaison = make_person("s.liaison", User.Role.LIAISON, cls.gongxin)

    def test_the_administrator_cannot_set_their_own_unit_or_role_in_the_admin(self) -> None:
        self.client.force_login(self.admin)
        url = reverse("admin:departments_user_change", args=[self.admin.pk])
        page = self.client.get(url)
        self.assertNotContains(page, 'name="unit"')
        self.assertNotContains(page, 'name="role"')
        data = self.change_data(self.admin, unit=self.gongxin.pk, role=User.Role.SUPERVISOR)
        self.client.post(url, data)
        me = User.objects.get(pk=self.admin.pk)
        self.assertEqual((me.role, me.unit_id), (User.Role.ADMIN, None))
        self.assertEqual(User.objects.filter(pk=me.pk, unit__isnull=False).count(), 0)

    def test_an_administrator_or_auditor_is_given_no_unit_in_the_admin(self) -> None:
        self.client.force_login(self.admin)
        for person in (self.other_admin, self.auditor):
            with self.subTest(person=person.username):
                url = reverse("admin:departments_user_change", args=[person.pk])
                response = self.client.post(url, self.change_data(person, unit=self.office.pk))
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, NO_UNIT)
                self.assertFalse(User.objects.filter(pk=person.pk, unit__isnull=False).exists())

    def test_the_model_refuses_a_unit_for_the_system_roles_and_for_no_role(self) -> None:
        for role in (User.Role.ADMIN, User.Role.AUDITOR, ""):
            person = User(username=f"x{role}", role=role, unit=self.office)
            with self.subTest(role=role), self.assertRaises(ValidationError) as raised:
                person.full_clean()
            self.assertIn("unit", raised.exception.message_dict)

    def test_the_service_refuses_a_unit_for_an_auditor_and_writes_nothing(self) -> None:
        auditor = User.objects.get(pk=self.auditor.pk)
        auditor.unit = self.office
        before = AuditEvent.objects.count()
        with self.assertRaisesMessage(PersonError, NO_UNIT):
            person_save(user=auditor, created=False, changed_fields=["unit"], by=self.admin)
        self.assertFalse(User.objects.filter(pk=auditor.pk, unit__isnull=False).exists())
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_nobody_changes_their_own_role_or_unit_through_the_service(self) -> None:
        for person, role, unit in (
            (self.admin, User.Role.SUPERVISOR, None),
            (self.admin, User.Role.ADMIN, self.office),
            (self.liaison, User.Role.LIAISON, self.office),
            (self.liaison, User.Role.LEADER, self.gongxin),
        ):
            me = User.objects.get(pk=person.pk)
            me.role, me.unit = role, unit
            with (
                self.subTest(person=person.username, role=role),
                self.assertRaisesMessage(PersonError, "Nobody can change their own role or unit."),
            ):
                person_save(user=me, created=False, changed_fields=["role", "unit"], by=me)
            stored = User.objects.get(pk=person.pk)
            self.assertEqual((stored.role, stored.unit_id), (person.role, person.unit_id))
        self.assertFalse(RoleRequest.objects.exists())

    def test_accounts_loaded_on_the_server_get_no_unit_with_a_system_role(self) -> None:
        admin = make_person("s.admin3", User.Role.ADMIN, self.office)
        self.assertFalse(User.objects.filter(pk=admin.pk, unit__isnull=False).exists())

    def test_the_migration_clears_units_and_the_deploy_check_names_any_forced_back(self) -> None:
        User.objects.filter(pk__in=[self.admin.pk, self.auditor.pk]).update(unit=self.office)
        self.assertEqual(
            [error.id for error in check_system_roles_hold_no_unit()], ["departments.E003"]
        )
        self.assertIn("s.admin, s.auditor", check_system_roles_hold_no_unit()[0].msg)
        migration = importlib.import_module(
            "departments.migrations.0002_role_requests_and_no_unit_for_system_roles"
        )
        migration.clear_system_roles_units(apps, None)
        self.assertEqual(check_system_roles_hold_no_unit(), [])
        self.assertEqual(User.objects.get(pk=self.liaison.pk).unit_id, self.gongxin.pk)


class SecondPersonTests(AdminFormMixin, TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.bureau = Unit.objects.get(code="shichang")
        cls.gongxin = Unit.objects.get(code="gongxin")
        cls.admin = make_person("p.admin", User.Role.ADMIN, None)
        cls.auditor = make_person("p.auditor", User.Role.AUDITOR, None)
        cls.supervisor = make_person("p.supervisor", User.Role.SUPERVISOR, cls.bureau)
        cls.liaison = make_person("p.liaison", User.Role.LIAISON, cls.gongxin)

    def pending(self, person: User) -> RoleRequest:
        return RoleRequest.objects.get(person=person, status=RoleRequest.Status.PENDING)

    def test_an_auditor_account_created_by_the_administrator_holds_nothing_until_approved(
        self,
    ) -> None:
        self.client.force_login(self.admin)
        with audited(
            person_save,
            services._role_request_open,
            action="person.role_requested",
            by=self.admin,
            summary={"role": "auditor", "unit": ""},
            count=1,
        ):
            response = self.add_person(username="new.auditor", role=User.Role.AUDITOR)
        self.assertContains(response, "the security auditor must approve it first")
        new = User.objects.get(username="new.auditor")
        self.assertEqual((new.role, new.unit_id), ("", None))
        self.assertEqual(
            AuditEvent.objects.get(action="person.create", object_id=str(new.pk)).summary["role"],
            "",
        )
        request = self.pending(new)
        self.assertEqual((request.role, request.requested_by), ("auditor", self.admin))
        # The administrator sees it waiting on the person's page.
        page = self.client.get(reverse("admin:departments_user_change", args=[new.pk]))
        self.assertContains(page, "the security auditor has not approved it yet")
        # New without a role: the audit trail is closed to it (past its own new password).
        User.objects.filter(pk=new.pk).update(must_change_password=False)
        self.client.force_login(new)
        self.assertEqual(self.client.get(reverse("audit_events")).status_code, 403)

        self.client.force_login(self.auditor)
        trail = self.client.get(reverse("audit_events"))
        self.assertContains(trail, reverse("role_requests"))
        listing = self.client.get(reverse("role_requests"))
        self.assertContains(listing, "new.auditor")
        with audited(
            services.role_request_approve,
            action="person.role_approved",
            by=self.auditor,
            obj=new,
            client_ip="127.0.0.1",
            summary={"role": "auditor", "requested_by": "p.admin"},
            count=1,
        ):
            response = self.client.post(
                reverse("role_requests"), {"request": request.pk, "decision": "approve"}
            )
        self.assertRedirects(response, reverse("role_requests"))
        new.refresh_from_db()
        self.assertEqual(new.role, User.Role.AUDITOR)
        request.refresh_from_db()
        self.assertEqual((request.status, request.decided_by), ("approved", self.auditor))
        self.client.force_login(new)
        self.assertEqual(self.client.get(reverse("audit_events")).status_code, 200)

    def test_a_liaison_promoted_to_supervisor_stays_a_liaison_and_a_refusal_says_why(
        self,
    ) -> None:
        self.client.force_login(self.admin)
        url = reverse("admin:departments_user_change", args=[self.liaison.pk])
        data = self.change_data(self.liaison, role=User.Role.SUPERVISOR, unit=self.bureau.pk)
        self.assertEqual(self.client.post(url, data).status_code, 302)
        liaison = User.objects.get(pk=self.liaison.pk)
        self.assertEqual((liaison.role, liaison.unit_id), (User.Role.LIAISON, self.gongxin.pk))
        self.assertFalse(liaison.has_perm("plans.supervise_plan"))
        self.assertTrue(liaison.has_perm("departments.act_for_unit", self.gongxin))
        request = self.pending(liaison)
        self.assertEqual((request.role, request.unit), ("supervisor", self.bureau))

        self.client.force_login(self.auditor)
        decide = reverse("role_requests")
        before = AuditEvent.objects.count()
        response = self.client.post(
            decide, {"request": request.pk, "decision": "refuse", "reason": "  "}
        )
        self.assertContains(response, "Say why the role is refused.", status_code=400)
        self.assertEqual(self.pending(liaison), request)
        self.assertEqual(AuditEvent.objects.count(), before)
        with audited(
            services.role_request_refuse,
            action="person.role_refused",
            by=self.auditor,
            obj=liaison,
            summary={"role": "supervisor", "reason": "未经局务会研究"},
            count=1,
        ):
            response = self.client.post(
                decide, {"request": request.pk, "decision": "refuse", "reason": "未经局务会研究"}
            )
        self.assertRedirects(response, reverse("role_requests"))
        liaison = User.objects.get(pk=self.liaison.pk)
        self.assertEqual(liaison.role, User.Role.LIAISON)
        self.assertContains(self.client.get(reverse("role_requests")), "未经局务会研究")

    def test_leadership_and_administrator_accounts_wait_for_approval_too(self) -> None:
        self.client.force_login(self.admin)
        for username, role in (("new.reader", "reader"), ("new.admin", "admin")):
            with self.subTest(role=role):
                self.add_person(username=username, role=role)
                new = User.objects.get(username=username)
                self.assertEqual(new.role, "")
                self.assertFalse(new.is_staff)
                self.assertEqual(self.pending(new).role, role)

    def test_only_the_auditor_decides_and_never_on_their_own_request(self) -> None:
        request = RoleRequest.objects.create(
            person=self.liaison, role="supervisor", requested_by=self.admin
        )
        decide = reverse("role_requests")
        approve = {"request": request.pk, "decision": "approve"}
        for someone in (self.admin, self.supervisor, self.liaison):
            self.client.force_login(someone)
            with self.subTest(someone=someone.username):
                self.assertEqual(self.client.get(decide).status_code, 403)
                self.assertEqual(self.client.post(decide, approve).status_code, 403)
        self.client.force_login(self.auditor)
        for bad in ({"request": request.pk}, {"request": request.pk, "decision": "maybe"}):
            response = self.client.post(decide, bad)
            self.assertContains(response, "Choose to approve or to refuse.", status_code=400)
        self.assertEqual(self.client.post(decide, {"request": "x"}).status_code, 404)
        with self.assertRaisesMessage(
            PersonError, "Only the security auditor approves or refuses a role."
        ):
            services.role_request_approve(request=request, by=self.admin)
        own = RoleRequest.objects.create(person=self.auditor, role="admin", requested_by=self.admin)
        with self.assertRaisesMessage(PersonError, "Nobody decides a role request of their own."):
            services.role_request_approve(request=own, by=self.auditor)
        self.assertEqual(User.objects.get(pk=self.auditor.pk).role, User.Role.AUDITOR)
        self.assertEqual(User.objects.get(pk=self.liaison.pk).role, User.Role.LIAISON)

    def test_choosing_another_role_withdraws_the_request(self) -> None:
        self.client.force_login(self.admin)
        url = reverse("admin:departments_user_change", args=[self.liaison.pk])
        self.client.post(url, self.change_data(self.liaison, role="supervisor"))
        with audited(
            person_save,
            services._role_requests_withdraw,
            action="person.role_withdrawn",
            by=self.admin,
            obj=self.liaison,
            summary={"role": "supervisor"},
            count=1,
        ):
            self.client.post(url, self.change_data(self.liaison, role="leader"))
        self.assertFalse(RoleRequest.objects.filter(status=RoleRequest.Status.PENDING).exists())
        self.assertEqual(User.objects.get(pk=self.liaison.pk).role, User.Role.LEADER)

    def test_a_command_on_the_server_grants_the_role_and_settles_the_request(self) -> None:
        self.client.force_login(self.admin)
        self.add_person(username="new.supervisor", role="supervisor", unit=self.bureau.pk)
        new = User.objects.get(username="new.supervisor")
        request = self.pending(new)
        out = StringIO()
        with audited(
            services.role_grant,
            action="person.role_granted",
            by=None,
            obj=new,
            summary={"role": "supervisor", "unit": "市市场监管局", "via": "manage.py grant_role"},
            count=1,
        ):
            call_command(
                "grant_role", "new.supervisor", "supervisor", "--unit=shichang", stdout=out
            )
        self.assertIn("new.supervisor", out.getvalue())
        new.refresh_from_db()
        self.assertEqual((new.role, new.unit), (User.Role.SUPERVISOR, self.bureau))
        self.assertTrue(new.has_perm("plans.supervise_plan"))
        request.refresh_from_db()
        self.assertEqual(request.status, RoleRequest.Status.APPROVED)

    def test_the_command_refuses_bad_input_and_writes_nothing(self) -> None:
        before = AuditEvent.objects.count()
        for args, message in (
            (("nobody", "supervisor"), "No person has the user name nobody."),
            (("p.liaison", "leader", "--unit=nowhere"), "No unit has the code nowhere."),
            (("p.liaison", "admin", "--unit=gongxin"), NO_UNIT),
        ):
            with self.subTest(args=args), self.assertRaisesMessage(CommandError, message):
                call_command("grant_role", *args, stdout=StringIO())
        self.assertEqual(AuditEvent.objects.count(), before)
        self.assertEqual(User.objects.get(pk=self.liaison.pk).role, User.Role.LIAISON)


class SystemRolesSeeNoBusinessDataTests(RoundTestCase):
    """The administrator and the auditor see nothing of the plans, whatever unit is set."""

    def setUp(self) -> None:
        super().setUp()
        self.admin = make_person("v.admin", User.Role.ADMIN, None)
        self.auditor = make_person("v.auditor", User.Role.AUDITOR, None)

    def test_the_rule_itself_looks_at_the_role(self) -> None:
        for role in (User.Role.ADMIN, User.Role.AUDITOR, ""):
            person = User(username=f"y{role}", role=role, unit=self.gongxin)
            with self.subTest(role=role):
                self.assertEqual(unit_scope(person), [])
                self.assertFalse(tasks_visible_to(person).exists())
                self.assertFalse(plans_visible_to(person).exists())
        superuser_admin = User(username="z", role=User.Role.ADMIN, is_superuser=True)
        self.assertEqual(unit_scope(superuser_admin), [])

    def test_a_unit_forced_into_the_database_opens_no_plan_task_ledger_report_or_file(
        self,
    ) -> None:
        rnd = self.open_round()
        report = self.report(rnd, self.gongxin)
        fields = self.entry_fields(self.task5, "配合")
        fields[f"e{self.task5.pk}-files"] = SimpleUploadedFile("scan.pdf", PDF)
        self.fill(self.lead_liaison, report, fields, action="save")
        record = ReportFile.objects.get()
        urls = [
            reverse("plan_detail", args=[self.plan.pk]),
            reverse("task_detail", args=[self.task5.pk]),
            reverse("plan_ledger", args=[self.plan.pk]),
            reverse("plan_ledger_xlsx", args=[self.plan.pk]),
            reverse("round_detail", args=[rnd.pk]),
            reverse("report_detail", args=[report.pk]),
            reverse("report_file_download", args=[record.pk]),
        ]
        # The liaison of that unit does read them: the URLs are right.
        self.client.force_login(self.lead_liaison)
        self.assertEqual(self.client.get(urls[0]).status_code, 200)
        self.assertEqual(self.client.get(urls[-1]).status_code, 200)
        for person in (self.admin, self.auditor):
            User.objects.filter(pk=person.pk).update(unit=self.gongxin)
            loaded = User.objects.get(pk=person.pk)
            self.client.force_login(loaded)
            with self.subTest(person=person.username):
                for url in urls:
                    self.assertIn(self.client.get(url).status_code, (403, 404), url)
                self.assertEqual(unit_scope(loaded), [])
                self.assertFalse(tasks_visible_to(loaded).exists())
                self.assertFalse(reports_visible_to(loaded).exists())
                self.assertFalse(report_files_visible_to(loaded).exists())
