import os
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

from django.apps import apps
from django.conf import settings
from django.core.checks import run_checks
from django.test import SimpleTestCase
from django.utils import translation

from documents import checks

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


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

    def test_the_fandol_faces_are_installed(self) -> None:
        # scripts/setup.sh puts them into /usr/local/share/fonts/fandol.
        self.assertEqual(checks.missing_official_faces(), ())

    def test_it_warns_naming_the_official_typefaces_fontconfig_does_not_find(self) -> None:
        missing = ("FandolFang-Regular", "FandolSong-Bold")
        with (
            mock.patch.object(checks, "missing_official_faces", return_value=missing),
            translation.override("en"),
        ):
            messages = checks.check_pdf_environment()
        self.assertEqual([m.id for m in messages], ["documents.W003"])
        self.assertEqual(
            messages[0].msg,
            "fontconfig does not find the official typefaces FandolFang-Regular, "
            "FandolSong-Bold: official documents are set in AR PL UMing and WenQuanYi Zen "
            "Hei instead of 仿宋, 小标宋, 黑体 and 楷体, and do not look like 公文.",
        )
        self.assertIn("scripts/setup.sh", messages[0].hint)

    def test_a_licensed_font_stands_in_for_a_missing_fandol_face(self) -> None:
        installed = {"FandolFang-Regular", "方正小标宋简体", "FandolHei-Regular"}
        with mock.patch.object(checks, "_font_list", return_value=installed):
            self.assertEqual(checks.missing_official_faces.__wrapped__(), ("FandolKai-Regular",))

    def test_no_official_typeface_warning_on_top_of_the_no_chinese_font_one(self) -> None:
        with (
            mock.patch.object(checks, "cjk_font_families", return_value=()),
            mock.patch.object(checks, "missing_official_faces", return_value=("FandolKai",)),
        ):
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


class PdfEnvironmentChecksOnAnotherMachineTest(SimpleTestCase):
    """The checks in a fresh process whose fontconfig sees only the fonts put in a
    folder (FONTCONFIG_FILE): what a machine without the Fandol faces looks like,
    without mocking fontconfig."""

    def check_ids_with_fonts(self, *families: str) -> list[str]:
        with tempfile.TemporaryDirectory() as folder:
            fonts, cache = Path(folder, "fonts"), Path(folder, "cache")
            fonts.mkdir()
            for family in families:
                (file,) = checks._font_list(family.encode(), (b"file",))
                link = fonts / Path(file).name
                if not link.exists():
                    link.symlink_to(file)
            conf = Path(folder, "fonts.conf")
            conf.write_text(FONTS_CONF.format(fonts=fonts, cache=cache))
            env = {**os.environ, "FONTCONFIG_FILE": str(conf), "DEBUG": "1"}
            env["DJANGO_SETTINGS_MODULE"] = "config.settings"
            script = (
                "import django; django.setup();"
                "from documents.checks import pdf_environment_warnings;"
                "print(' '.join(m.id for m in pdf_environment_warnings()))"
            )
            done = subprocess.run(
                [sys.executable, "-c", script],
                cwd=settings.BASE_DIR,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
        return done.stdout.split()

    def test_without_the_fandol_faces_it_warns_w003(self) -> None:
        fallbacks = ("AR PL UMing CN", "AR PL UKai CN", "WenQuanYi Zen Hei")
        self.assertEqual(self.check_ids_with_fonts(*fallbacks), ["documents.W003"])

    def test_with_the_fandol_faces_it_is_silent(self) -> None:
        faces = ("FandolFang", "FandolSong:style=Bold", "FandolHei:style=Regular", "FandolKai")
        self.assertEqual(self.check_ids_with_fonts(*faces), [])

    def test_with_no_chinese_font_at_all_it_warns_w002_only(self) -> None:
        self.assertEqual(self.check_ids_with_fonts(), ["documents.W002"])
