from unittest import mock

from django.apps import apps
from django.core.checks import run_checks
from django.test import SimpleTestCase

from documents import checks


class PdfEnvironmentChecksTest(SimpleTestCase):
    def ids(self) -> list[str]:
        return [message.id for message in checks.check_pdf_environment()]

    def test_it_is_silent_with_harfbuzz_subset_and_chinese_fonts_installed(self) -> None:
        self.assertTrue(checks.harfbuzz_subset_available())
        self.assertIn("AR PL UMing CN", checks.cjk_font_families())
        self.assertEqual(self.ids(), [])

    def test_it_warns_when_harfbuzz_subset_cannot_be_loaded(self) -> None:
        with mock.patch.object(checks, "harfbuzz_subset_available", return_value=False):
            self.assertEqual(self.ids(), ["documents.W001"])
            self.assertIn("documents.W001", [m.id for m in run_checks()])

    def test_it_warns_when_fontconfig_finds_no_chinese_font(self) -> None:
        with mock.patch.object(checks, "cjk_font_families", return_value=()):
            self.assertEqual(self.ids(), ["documents.W002"])

    def test_harfbuzz_subset_is_unavailable_when_the_library_does_not_load(self) -> None:
        with mock.patch.object(checks, "_load_library", return_value=None):
            self.assertFalse(checks.harfbuzz_subset_available.__wrapped__())

    def test_a_library_no_name_resolves_to_is_not_loaded(self) -> None:
        self.assertIsNone(checks._load_library(("no-such-library-xyz",)))

    def test_the_start_up_logs_the_warning(self) -> None:
        with (
            mock.patch.object(checks, "harfbuzz_subset_available", return_value=False),
            self.assertLogs("documents", "WARNING") as logs,
        ):
            apps.get_app_config("documents").ready()
        self.assertEqual(len(logs.records), 1)
        self.assertIn("documents.W001", logs.output[0])
