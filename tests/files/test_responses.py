import io

from django.core.files import File
from django.test import SimpleTestCase

from files import kinds
from files.responses import attachment_response
from tests.files import samples


def stored(data: bytes, name: str = "evidence/1/0123.bin") -> File:
    return File(io.BytesIO(data), name=name)


class AttachmentResponseTests(SimpleTestCase):
    def test_a_chinese_name_survives_and_the_browser_may_not_sniff(self) -> None:
        response = attachment_response(stored(samples.PDF), "办结报告.pdf")
        self.assertEqual(
            response["Content-Disposition"],
            "attachment; filename*=utf-8''%E5%8A%9E%E7%BB%93%E6%8A%A5%E5%91%8A.pdf",
        )
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Content-Type"], kinds.PDF)
        self.assertEqual(b"".join(response.streaming_content), samples.PDF)

    def test_the_type_comes_from_the_content_not_the_name(self) -> None:
        response = attachment_response(stored(samples.png()), "page.html")
        self.assertEqual(response["Content-Type"], kinds.PNG)
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="page.html"')
        response = attachment_response(stored(samples.HTML), "page.pdf")
        self.assertEqual(response["Content-Type"], kinds.OCTET_STREAM)

    def test_a_given_type_is_used(self) -> None:
        response = attachment_response(stored(samples.ole2("WordDocument")), "方案.wps", kinds.DOC)
        self.assertEqual(response["Content-Type"], kinds.DOC)

    def test_control_characters_are_dropped_from_the_name(self) -> None:
        response = attachment_response(stored(samples.PDF), "a\r\nb.pdf")
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="ab.pdf"')
        response = attachment_response(stored(samples.PDF, "evidence/1/ab12.pdf"), "\t")
        self.assertEqual(response["Content-Disposition"], 'attachment; filename="ab12.pdf"')
