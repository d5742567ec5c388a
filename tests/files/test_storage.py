import re

from django.test import SimpleTestCase

from files import kinds
from files.storage import stored_name


class StoredNameTests(SimpleTestCase):
    def test_a_random_name_with_the_extension_of_the_detected_kind(self) -> None:
        name = stored_name("evidence/7", "../../办结报告.exe", kinds.PDF)
        self.assertRegex(name, r"^evidence/7/[0-9a-f]{32}\.pdf$")
        self.assertNotEqual(name, stored_name("evidence/7", "../../办结报告.exe", kinds.PDF))

    def test_the_uploaded_name_only_chooses_among_the_kinds_own_extensions(self) -> None:
        cases = [
            ("方案.WPS", kinds.DOC, "wps"),
            ("方案.doc", kinds.DOC, "doc"),
            ("方案", kinds.DOC, "doc"),
            ("台账.et", kinds.XLS, "et"),
            ("photo.jpeg", kinds.JPEG, "jpeg"),
            ("photo.png", kinds.JPEG, "jpg"),
            ("report.html", kinds.PDF, "pdf"),
            ("setup.exe", kinds.OCTET_STREAM, "bin"),
            ("setup.exe", "application/x-msdownload", "bin"),
        ]
        for original, content_type, extension in cases:
            with self.subTest(original=original):
                name = stored_name("evidence/1/", original, content_type)
                pattern = rf"evidence/1/[0-9a-f]{{32}}\.{extension}"
                self.assertTrue(re.fullmatch(pattern, name), name)
