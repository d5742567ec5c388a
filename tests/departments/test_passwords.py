"""Password rules, the forced change at first login, and the administrator's force."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from departments.models import Unit, User
from departments.passwords import CharacterClassesValidator
from departments.services import (
    person_force_password_change,
    person_password_change,
    person_upsert,
    registry_sync,
)
from tests.audit_coverage import audited

INITIAL_PASSWORD = "Initial-Secret-2024"
NEW_PASSWORD = "Plum-Blossom-Lane-88"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
NOW = datetime(2024, 5, 6, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))

CLASSES_MESSAGE = (
    "This password must use at least 3 of these kinds of characters: "
    "upper-case letters, lower-case letters, digits, symbols."
)


def make_person(username: str, *, must_change_password: bool, role: str = User.Role.LIAISON):
    user, _created = person_upsert(
        username=username,
        role=role,
        unit=Unit.objects.get(code="shichang"),
        display_name=username,
        password_hash=make_password(INITIAL_PASSWORD),
        by=None,
        must_change_password=must_change_password,
    )
    return user


def validation_messages(password: str, user: User | None = None) -> list[str]:
    with translation.override("en"):
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            return list(error.messages)
    return []


class PasswordRuleTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.user = make_person("zhang.wei2024", must_change_password=False)

    def test_a_password_with_three_kinds_of_characters_and_twelve_of_them_is_accepted(self) -> None:
        self.assertEqual(validation_messages(NEW_PASSWORD, self.user), [])
        self.assertEqual(validation_messages("plumblossom88!", self.user), [])
        self.assertEqual(validation_messages("梅花巷Plum-blossom", self.user), [])

    def test_a_password_using_only_two_kinds_of_characters_is_refused(self) -> None:
        self.assertEqual(validation_messages("plumblossom88", self.user), [CLASSES_MESSAGE])
        self.assertEqual(validation_messages("PLUMBLOSSOM!!", self.user), [CLASSES_MESSAGE])

    def test_a_password_shorter_than_twelve_characters_is_refused(self) -> None:
        self.assertEqual(
            validation_messages("Plum-88-ab", self.user),
            ["This password is too short. It must contain at least 12 characters."],
        )

    def test_a_common_password_is_refused(self) -> None:
        self.assertEqual(
            validation_messages("Qwerty123456", self.user), ["This password is too common."]
        )

    def test_a_password_like_the_user_name_is_refused(self) -> None:
        self.assertEqual(
            validation_messages("Zhang.Wei2024!", self.user),
            ["The password is too similar to the username."],
        )

    def test_the_character_class_rule_is_in_the_help_text(self) -> None:
        with translation.override("en"):
            help_texts = password_validation.password_validators_help_texts()
        self.assertIn(
            "Your password must use at least 3 of these kinds of characters: "
            "upper-case letters, lower-case letters, digits, symbols.",
            help_texts,
        )

    def test_the_validator_counts_the_classes_it_is_told_to(self) -> None:
        CharacterClassesValidator(min_classes=2).validate("plumblossom88")
        with self.assertRaises(ValidationError):
            CharacterClassesValidator(min_classes=4).validate("Plumblossom88")


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
class ForcedPasswordChangeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.newcomer = make_person("l.newcomer", must_change_password=True)

    def setUp(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.client.force_login(self.newcomer)

    def change(self, **data: str):
        form = {
            "old_password": INITIAL_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
            "next": "/",
        }
        form.update(data)
        return self.client.post(reverse("password_change"), form, REMOTE_ADDR="10.20.30.40")

    def test_a_new_account_must_change_its_password_by_default(self) -> None:
        user, _created = person_upsert(
            username="l.default",
            role=User.Role.LIAISON,
            unit=None,
            display_name="l.default",
            password_hash=make_password(INITIAL_PASSWORD),
            by=None,
        )
        self.assertTrue(user.must_change_password)

    def test_every_page_sends_the_person_to_the_password_change_page(self) -> None:
        for url in [reverse("home"), "/admin/", "/no-such-page/"]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertEqual(
                    response["Location"],
                    reverse("password_change") + "?next=" + url.replace("/", "%2F"),
                )

    def test_a_form_sent_elsewhere_is_turned_back_to_the_password_change_page(self) -> None:
        response = self.client.post(reverse("home"), {})
        self.assertRedirects(response, reverse("password_change"), fetch_redirect_response=False)

    def test_the_password_change_page_itself_opens(self) -> None:
        response = self.client.get(reverse("password_change"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Choose a new password before you go on.")

    def test_logging_out_and_the_language_switch_stay_open(self) -> None:
        response = self.client.post(
            reverse("set_language"), {"language": "zh-hans", "next": reverse("password_change")}
        )
        self.assertRedirects(response, reverse("password_change"), fetch_redirect_response=False)
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)

    def test_static_files_are_not_redirected(self) -> None:
        response = self.client.get(settings.STATIC_URL + "css/app.css")
        self.assertNotEqual(response.status_code, 302)

    @time_machine.travel(NOW, tick=False)
    def test_changing_the_password_clears_the_flag_and_opens_the_site(self) -> None:
        response = self.change()
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        self.newcomer.refresh_from_db()
        self.assertFalse(self.newcomer.must_change_password)
        self.assertEqual(self.newcomer.password_changed_at, NOW)
        self.assertTrue(self.newcomer.check_password(NEW_PASSWORD))
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def test_changing_the_password_writes_an_audit_row(self) -> None:
        with audited(
            person_password_change,
            action="password.change",
            by=self.newcomer,
            obj=self.newcomer,
            outcome=AuditEvent.Outcome.OK,
            client_ip="10.20.30.40",
            count=1,
        ):
            self.change()
        event = AuditEvent.objects.get(action="password.change")
        self.assertEqual(event.outcome, AuditEvent.Outcome.OK)
        self.assertEqual(event.user, self.newcomer)
        self.assertEqual(event.username, "l.newcomer")
        self.assertEqual(event.client_ip, "10.20.30.40")
        self.assertEqual(event.object_id, str(self.newcomer.pk))
        self.assertNotIn(NEW_PASSWORD, str(event.summary))

    def test_without_a_page_to_return_to_the_change_ends_on_the_done_page(self) -> None:
        response = self.change(next="")
        self.assertRedirects(response, reverse("password_change_done"))

    def test_a_return_address_on_another_site_is_ignored(self) -> None:
        response = self.change(next="https://example.com/")
        self.assertRedirects(response, reverse("password_change_done"))

    def assert_refused(self, response, message: str) -> None:
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["form"].errors["new_password2"], [message])
        self.newcomer.refresh_from_db()
        self.assertTrue(self.newcomer.must_change_password)
        self.assertTrue(self.newcomer.check_password(INITIAL_PASSWORD))
        self.assertFalse(AuditEvent.objects.filter(action="password.change").exists())

    def test_a_new_password_missing_a_kind_of_character_is_refused_on_the_page(self) -> None:
        response = self.change(new_password1="plumblossom88", new_password2="plumblossom88")
        self.assert_refused(response, CLASSES_MESSAGE)
        self.assertContains(response, CLASSES_MESSAGE)

    def test_a_new_password_like_the_user_name_is_refused_on_the_page(self) -> None:
        response = self.change(new_password1="L.Newcomer-1", new_password2="L.Newcomer-1")
        self.assert_refused(response, "The password is too similar to the username.")

    def test_keeping_the_initial_password_is_refused(self) -> None:
        response = self.change(new_password1=INITIAL_PASSWORD, new_password2=INITIAL_PASSWORD)
        self.assert_refused(response, "The new password must differ from the current one.")

    def test_a_wrong_current_password_is_refused(self) -> None:
        response = self.change(old_password="Not-The-Password-1")
        self.assertEqual(response.status_code, 200)
        self.assertIn("old_password", response.context["form"].errors)
        self.newcomer.refresh_from_db()
        self.assertTrue(self.newcomer.must_change_password)

    def test_a_person_without_the_flag_is_not_redirected(self) -> None:
        self.client.force_login(make_person("l.settled", must_change_password=False))
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
class ForcePasswordChangeTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        registry_sync(by=None)
        cls.admin = make_person("a.admin", must_change_password=False, role=User.Role.ADMIN)
        User.objects.filter(pk=cls.admin.pk).update(is_staff=True, is_superuser=True)
        cls.admin.refresh_from_db()
        cls.liaison = make_person("l.li", must_change_password=False)
        cls.other = make_person("l.zhao", must_change_password=False)

    def test_forcing_a_change_sets_the_flag_and_writes_an_audit_row(self) -> None:
        with audited(
            person_force_password_change,
            action="person.force_password_change",
            by=self.admin,
            obj=self.liaison,
            outcome=AuditEvent.Outcome.OK,
            count=1,
        ):
            person_force_password_change(user=self.liaison, by=self.admin)
        self.liaison.refresh_from_db()
        self.assertTrue(self.liaison.must_change_password)
        event = AuditEvent.objects.get(action="person.force_password_change")
        self.assertEqual(event.outcome, AuditEvent.Outcome.OK)
        self.assertEqual(event.user, self.admin)
        self.assertEqual(event.username, "a.admin")
        self.assertEqual(event.object_type, "departments.User")
        self.assertEqual(event.object_id, str(self.liaison.pk))

    def test_the_person_is_sent_to_the_change_page_at_their_next_request(self) -> None:
        self.client.force_login(self.liaison)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)
        person_force_password_change(user=self.liaison, by=self.admin)
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("password_change")))

    def test_the_admin_action_forces_a_change_for_the_selected_people(self) -> None:
        self.client.force_login(self.admin)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.post(
            reverse("admin:departments_user_changelist"),
            {
                "action": "force_password_change",
                "_selected_action": [self.liaison.pk, self.other.pk],
            },
            follow=True,
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "2 people must choose a new password before going on.")
        self.assertEqual(
            set(User.objects.filter(must_change_password=True).values_list("username", flat=True)),
            {"l.li", "l.zhao"},
        )
        events = AuditEvent.objects.filter(action="person.force_password_change")
        self.assertEqual(
            sorted(events.values_list("object_id", "username")),
            sorted([(str(self.liaison.pk), "a.admin"), (str(self.other.pk), "a.admin")]),
        )
