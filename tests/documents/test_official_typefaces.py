"""The official typefaces read back from the PDFs (GB/T 9704-2012): 3号 仿宋 body text,
a 2号 小标宋-like title and 发文机关标志, 黑体 first-level and 楷体 second-level
headings, in the bulletin of a round of the Xingtai plan, the 督办单 and the
assessment's results; every font embedded as a subset.

The faces are the free Fandol family (scripts/setup.sh installs it) or, where a
deployment has them, the licensed fonts the standard names first in official.css.
"""

import datetime
import re
from collections import Counter

from django.test import SimpleTestCase

from assessment import services as assessment_services
from assessment.document import render_pdf as render_assessment_pdf
from bulletins.content import gather
from bulletins.render import document_fields, render_html, render_pdf
from documents.pdf import render_official_pdf
from documents.supervision import TEMPLATE_NAME, sample_supervision_notice_context
from tests.assessment.base import YearTestCase
from tests.bulletins.base import TODAY, RoundTestCase
from tests.documents.pdfs import BODY_SIZE_PT, ReadPdf

# The names the faces are embedded under ("ABCDEF+FandolFang"), in the order the
# stylesheet asks for them: the licensed fonts where installed, else Fandol.
FANGSONG = ("FangSong", "STFangsong", "FandolFang")
TITLE = ("FZXiaoBiaoSong", "FZXBS", "STZhongsong", "Fandol-XiaoBiaoSong", "FandolSong-Bold")
HEI = ("SimHei", "STHeiti", "FandolHei")
KAI = ("KaiTi", "STKaiti", "FandolKai")
SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")

ISSUER = "邢台市质量强市建设工作专班"
TITLE_TEXT = "质量强市建设工作进展情况通报"


def face(char: dict) -> str:
    """A character's font name without the subset prefix."""
    return SUBSET_PREFIX.sub("", char["fontname"])


def is_in(char: dict, faces: tuple[str, ...]) -> bool:
    return any(name.lower() in face(char).lower() for name in faces)


def sized(chars: list[dict], size: float) -> list[dict]:
    return [c for c in chars if abs(c["size"] - size) < 0.1 and c["text"].strip()]


class TypefaceAssertions(SimpleTestCase):
    """What every official PDF's tests assert; no tests of its own."""

    pdf: ReadPdf

    def all_chars(self) -> list[dict]:
        return [char for page in self.pdf.pages for char in page.chars]

    def assert_mostly_fangsong(self, chars: list[dict], share: float = 0.9) -> None:
        self.assertTrue(chars)
        fang = [c for c in chars if is_in(c, FANGSONG)]
        others = Counter(face(c) for c in chars if not is_in(c, FANGSONG))
        self.assertGreaterEqual(
            len(fang) / len(chars),
            share,
            f"{len(fang)} of {len(chars)} characters in FangSong; the others: {others}",
        )

    def assert_every_font_is_an_embedded_subset(self) -> None:
        fonts = list(self.pdf.font_dicts())
        self.assertTrue(fonts)
        for _name, font in fonts:
            self.assertRegex(str(font["/BaseFont"]), r"^/[A-Z]{6}\+", font["/BaseFont"])
            if font["/Subtype"] == "/Type0":
                continue
            descriptor = font["/FontDescriptor"].get_object()
            self.assertTrue(
                {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()),
                font["/BaseFont"],
            )


class BulletinTypefacesTest(RoundTestCase, TypefaceAssertions):
    """The bulletin of the Xingtai plan's round (tests/bulletins/base.py)."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        data = gather(cls.plan, cls.round, TODAY)
        fields = document_fields(
            issuer=ISSUER,
            number_text="第3期",
            title=TITLE_TEXT,
            addressees="各县（市、区）政府，市直有关部门",
            opening="为推动质量强市建设各项任务落实，现将有关情况通报如下：",
            closing="请各责任单位对照通报问题，加快推进任务落实。",
            copy_to="市政府办公室，市委督查室",
            issued_on=datetime.date(2026, 4, 5),
        )
        html = render_html(data, fields)
        cls.headings = {
            level: re.findall(rf"<h{level}>([^<]+)</h{level}>", html) for level in (2, 3)
        }
        cls.pdf_bytes = render_pdf(data, fields)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.pdf = ReadPdf(cls.pdf_bytes)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.pdf.close()
        super().tearDownClass()

    def heading_lines(self, level: int) -> list[dict]:
        texts = set(self.headings[level])
        return [
            line
            for number in range(1, len(self.pdf.pages) + 1)
            for line in self.pdf.lines(number)
            if line["text"] in texts
        ]

    def test_the_bulletin_has_first_and_second_level_headings(self) -> None:
        self.assertIn("一、总体进展情况", self.headings[2])
        self.assertIn("（一）分类推进情况", self.headings[3])
        self.assertEqual({line["text"] for line in self.heading_lines(2)}, set(self.headings[2]))
        self.assertEqual({line["text"] for line in self.heading_lines(3)}, set(self.headings[3]))

    def test_the_16_pt_text_outside_the_headings_is_fangsong(self) -> None:
        headings = {*self.headings[2], *self.headings[3]}
        chars = [
            char
            for number in range(1, len(self.pdf.pages) + 1)
            for line in self.pdf.lines(number)
            if line["text"] not in headings
            for char in sized(line["chars"], BODY_SIZE_PT)
        ]
        self.assertGreater(len(chars), 300)
        self.assert_mostly_fangsong(chars)

    def test_the_opening_paragraph_is_wholly_fangsong(self) -> None:
        line = self.pdf.line(1, "为推动质量强市建设")
        self.assertEqual({face(c) for c in line["chars"] if not is_in(c, FANGSONG)}, set())

    def test_the_22_pt_title_is_in_the_title_face(self) -> None:
        title = self.pdf.line(1, TITLE_TEXT)
        self.assertEqual({round(c["size"], 1) for c in title["chars"]}, {22.0})
        self.assertTrue(all(is_in(c, TITLE) for c in title["chars"]), title["chars"][0])

    def test_the_red_issuer_mark_is_in_the_title_face(self) -> None:
        mark = self.pdf.line(1, ISSUER)
        self.assertTrue(all(is_in(c, TITLE) for c in mark["chars"]), mark["chars"][0])

    def test_first_level_headings_are_hei_and_second_level_kai(self) -> None:
        for level, faces in ((2, HEI), (3, KAI)):
            lines = self.heading_lines(level)
            self.assertTrue(lines)
            for line in lines:
                chars = [c for c in line["chars"] if c["text"].strip()]
                self.assertTrue(
                    all(is_in(c, faces) for c in chars),
                    f"{line['text']}: {Counter(face(c) for c in chars)}",
                )

    def test_every_font_is_embedded_and_subset(self) -> None:
        self.assert_every_font_is_an_embedded_subset()


class SupervisionNoticeTypefacesTest(TypefaceAssertions):
    """The sample 督办单."""

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.pdf = ReadPdf(
            render_official_pdf(
                template_name=TEMPLATE_NAME, context=sample_supervision_notice_context()
            )
        )

    @classmethod
    def tearDownClass(cls) -> None:
        cls.pdf.close()
        super().tearDownClass()

    def test_the_body_text_is_fangsong(self) -> None:
        self.assert_mostly_fangsong(sized(self.all_chars(), BODY_SIZE_PT), share=1.0)

    def test_the_title_is_in_the_title_face(self) -> None:
        title = sized(self.all_chars(), 22.0)
        self.assertTrue(title)
        self.assertTrue(all(is_in(c, TITLE) for c in title))

    def test_every_font_is_embedded_and_subset(self) -> None:
        self.assert_every_font_is_an_embedded_subset()


class AssessmentTypefacesTest(YearTestCase, TypefaceAssertions):
    """The assessment's results of the Xingtai plan's year (tests/assessment/base.py)."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        assessment = assessment_services.assessment_create(
            plan=cls.plan, year=2026, by=cls.supervisor
        )
        cls.pdf_bytes = render_assessment_pdf(assessment)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.pdf = ReadPdf(cls.pdf_bytes)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.pdf.close()
        super().tearDownClass()

    def test_the_body_text_is_fangsong(self) -> None:
        chars = sized(self.all_chars(), BODY_SIZE_PT)
        body = [c for c in chars if not is_in(c, HEI) and not is_in(c, KAI)]
        self.assert_mostly_fangsong(body)

    def test_first_level_headings_are_hei(self) -> None:
        for text in ("一、考核办法", "二、考核结果"):
            line = self.pdf.line(self.pdf.pages_containing(text)[0], text)
            self.assertTrue(all(is_in(c, HEI) for c in line["chars"] if c["text"].strip()))

    def test_every_font_is_embedded_and_subset(self) -> None:
        self.assert_every_font_is_an_embedded_subset()
