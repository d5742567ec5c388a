"""Every string of the product has its Chinese translation: the UI is in Simplified
Chinese by default, and an English msgid left untranslated shows through."""

from pathlib import Path

import polib
from django.conf import settings
from django.test import SimpleTestCase

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


class CatalogueTests(SimpleTestCase):
    def test_every_message_is_translated_to_chinese(self) -> None:
        catalogue = polib.pofile(str(CATALOGUE))
        missing = [
            entry.msgid
            for entry in catalogue
            if not entry.obsolete
            and (
                "fuzzy" in entry.flags
                or not (entry.msgstr_plural.get(0) if entry.msgid_plural else entry.msgstr)
            )
        ]
        self.assertEqual(missing, [], "untranslated or fuzzy: run makemessages and translate")
