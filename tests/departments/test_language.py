"""The language of a request ends with the request: the thread that served an
English page serves the next page, and runs the next test, in its own language."""

from django.conf import settings
from django.test import TestCase
from django.urls import reverse
from django.utils import translation


class LanguageTests(TestCase):
    def setUp(self) -> None:
        # Whatever an earlier test in this thread left active, start from the default.
        self.enterContext(translation.override(settings.LANGUAGE_CODE))

    def test_an_english_request_leaves_the_thread_in_the_language_it_had(self) -> None:
        before = translation.get_language()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = self.client.get(reverse("login"))
        self.assertContains(response, "User name")
        self.assertEqual(response["Content-Language"], "en")
        self.assertEqual(translation.get_language(), before)

    def test_a_chinese_request_after_an_english_one_in_the_same_thread_is_chinese(self) -> None:
        english = self.client_class()
        english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.assertContains(english.get(reverse("login")), "User name")
        response = self.client.get(reverse("login"))
        self.assertContains(response, "用户名")
        self.assertNotContains(response, "User name")
        self.assertEqual(response["Content-Language"], settings.LANGUAGE_CODE)

    def test_text_made_outside_a_request_after_an_english_one_is_chinese(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.client.get(reverse("login"))
        self.assertEqual(translation.gettext("User name"), "用户名")

    def test_outside_any_language_the_thread_is_left_outside_any_language(self) -> None:
        with translation.override(None):
            self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
            self.client.get(reverse("login"))
            self.assertIsNone(translation.get_language())
