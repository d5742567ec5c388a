import tempfile

from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import SimpleTestCase, override_settings
from django.utils import translation

from files import kinds
from files.checks import UploadRefused, check_upload, check_uploads, detect_content_type
from tests.files import samples


def upload(name: str, data: bytes, declared: str = "application/pdf") -> SimpleUploadedFile:
    # The browser's declared type is deliberately wrong in most cases: it is ignored.
    return SimpleUploadedFile(name, data, declared)


class AcceptedKindsTests(SimpleTestCase):
    def test_each_accepted_kind_is_told_by_its_content(self) -> None:
        cases = [
            ("report.pdf", samples.PDF, kinds.PDF),
            ("scan.PDF", samples.PDF, kinds.PDF),
            ("扫描件", samples.PDF, kinds.PDF),
            ("凭证.ofd", samples.ofd(), kinds.OFD),
            ("photo.png", samples.png(), kinds.PNG),
            ("photo.jpg", samples.image("JPEG"), kinds.JPEG),
            ("photo.gif", samples.image("GIF"), kinds.GIF),
            ("photo.bmp", samples.image("BMP"), kinds.BMP),
            ("photo.webp", samples.image("WEBP"), kinds.WEBP),
            ("方案.docx", samples.docx(), kinds.DOCX),
            ("台账.xlsx", samples.xlsx(), kinds.XLSX),
            ("汇报.pptx", samples.pptx(), kinds.PPTX),
            ("方案.doc", samples.ole2("WordDocument", "1Table"), kinds.DOC),
            ("方案.wps", samples.ole2("WordDocument"), kinds.DOC),
            ("台账.xls", samples.ole2("Workbook"), kinds.XLS),
            ("台账.et", samples.ole2("Workbook"), kinds.XLS),
            ("汇报.ppt", samples.ole2("PowerPoint Document", "Current User"), kinds.PPT),
            # The name does not matter, only the content.
            ("table.pdf", samples.xlsx(), kinds.XLSX),
        ]
        for name, data, expected in cases:
            with self.subTest(name=name, expected=expected):
                self.assertEqual(check_upload(upload(name, data)), expected)

    def test_the_upload_is_rewound_after_the_check(self) -> None:
        for data in (samples.PDF, samples.docx(), samples.ole2("WordDocument")):
            file = upload("x", data)
            file.read(7)
            check_upload(file)
            self.assertEqual(file.tell(), 0)
            self.assertEqual(file.read(), data)

    def test_an_upload_spooled_to_disk_is_checked_the_same(self) -> None:
        data = samples.docx()
        with tempfile.TemporaryDirectory() as directory:
            with self.settings(FILE_UPLOAD_TEMP_DIR=directory):
                file = TemporaryUploadedFile("方案.docx", "text/plain", len(data), None)
            file.write(data)
            try:
                self.assertEqual(check_upload(file), kinds.DOCX)
            finally:
                file.close()


class RefusedTests(SimpleTestCase):
    def assertRefused(self, name: str, data: bytes) -> str:
        with self.assertRaises(UploadRefused) as caught:
            check_upload(upload(name, data))
        self.assertIn(name, caught.exception.message)
        return caught.exception.message

    def test_programs_and_pages_renamed_as_documents_are_refused(self) -> None:
        self.assertRefused("report.pdf", samples.EXE)
        self.assertRefused("report.pdf", samples.ELF)
        self.assertRefused("report.pdf", samples.HTML)
        self.assertRefused("run.exe", samples.EXE)

    def test_a_self_extracting_program_is_refused_though_it_holds_a_document(self) -> None:
        data = samples.zipped({"[Content_Types].xml": b"", "word/document.xml": b""}, samples.EXE)
        self.assertRefused("方案.docx", data)

    def test_a_compound_file_that_is_not_an_office_document_is_refused(self) -> None:
        # An installer (.msi) is a compound file too, with none of the documents' streams.
        self.assertRefused("方案.doc", samples.ole2("\x05SummaryInformation"))
        # Only the signature, nothing behind it.
        self.assertRefused("方案.doc", samples.ole2("WordDocument")[:600])

    def test_a_damaged_zip_is_refused(self) -> None:
        self.assertRefused("方案.docx", samples.docx()[:40])

    def test_an_empty_file_is_refused(self) -> None:
        self.assertRefused("空白.pdf", b"")

    @override_settings(EVIDENCE_MAX_BYTES=1024)
    def test_a_file_over_the_limit_is_refused_before_its_content_is_read(self) -> None:
        message = self.assertRefused("扫描件.pdf", samples.PDF + bytes(1024))
        self.assertIn("1.0", message)
        self.assertEqual(check_upload(upload("扫描件.pdf", samples.PDF)), kinds.PDF)

    def test_the_limit_is_twenty_megabytes_by_default(self) -> None:
        big = samples.PDF + bytes(20 * 1024 * 1024)
        self.assertRefused("扫描件.pdf", big)
        self.assertEqual(check_upload(upload("扫描件.pdf", big[: 20 * 1024 * 1024])), kinds.PDF)

    def test_archives_are_refused_unless_allowed(self) -> None:
        archives = {
            "材料.zip": (samples.plain_zip(), kinds.ZIP),
            "材料.rar": (samples.RAR, kinds.RAR),
            "材料.7z": (samples.SEVEN_ZIP, kinds.SEVEN_ZIP),
            "材料.gz": (samples.gz(), kinds.GZIP),
            "材料.tar": (samples.tar(), kinds.TAR),
        }
        for name, (data, _kind) in archives.items():
            with self.subTest(name=name):
                self.assertRefused(name, data)
        with self.settings(EVIDENCE_ALLOW_ARCHIVES=True):
            for name, (data, kind) in archives.items():
                with self.subTest(name=name, allowed=True):
                    self.assertEqual(check_upload(upload(name, data)), kind)

    def test_the_message_is_in_the_persons_language(self) -> None:
        with translation.override("zh-hans"):
            message = self.assertRefused("报告.pdf", samples.EXE)
        self.assertIn("文件内容", message)
        with translation.override("en"):
            message = self.assertRefused("report.pdf", samples.EXE)
        self.assertIn("not an accepted kind of file", message)


class CheckUploadsTests(SimpleTestCase):
    def test_one_refusal_refuses_the_lot(self) -> None:
        files = [upload("方案.pdf", samples.PDF), upload("木马.pdf", samples.EXE)]
        with self.assertRaises(UploadRefused) as caught:
            check_uploads(files)
        self.assertIn("木马.pdf", caught.exception.message)
        check_uploads(files[:1])
        check_uploads([])


class DetectTests(SimpleTestCase):
    def test_unknown_content_is_none(self) -> None:
        self.assertIsNone(detect_content_type(upload("x", b"just text")))
        self.assertIsNone(detect_content_type(upload("x", b"BM" + bytes(40))))
