"""The official typefaces read back from the PDFs (GB/T 9704-2012): 3号 仿宋 body text,
a 2号 小标宋-like title and 发文机关标志, 黑体 first-level and 楷体 second-level
headings, in the bulletin of a round of the Xingtai plan, the 督办单 and the
assessment's results; every font embedded as a subset; and the older faces taking
over only the characters Fandol lacks.

The faces are the free Fandol family (scripts/setup.sh installs it) or, where a
deployment has them, the licensed fonts the standard names first in official.css.
On a machine without them (documents.W003) these tests fail, as they should.
"""

import datetime
import re
from collections import Counter

from django.template.loader import render_to_string
from django.test import SimpleTestCase

from assessment import services as assessment_services
from assessment.document import TEMPLATE_NAME as ASSESSMENT_TEMPLATE
from assessment.document import pdf_context as assessment_pdf_context
from assessment.document import render_pdf as render_assessment_pdf
from bulletins.content import gather
from bulletins.render import document_fields, render_html, render_pdf
from documents.pdf import Heading, official_context, render_official_pdf
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
# The faces that stood in before Fandol and now only fill its gaps.
FALLBACKS = ("AR-PL-UMing", "AR-PL-UKai", "WenQuanYi")
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


def headings_of(html: str) -> dict[int, list[str]]:
    """The texts of the first-level (h2, 黑体) and second-level (h3, 楷体) headings."""
    return {level: re.findall(rf"<h{level}>([^<]+)</h{level}>", html) for level in (2, 3)}


class TypefaceAssertions(SimpleTestCase):
    """What every official PDF's tests assert; no tests of its own."""

    pdf: ReadPdf
    headings: dict[int, list[str]] = {2: [], 3: []}

    def all_chars(self) -> list[dict]:
        return [char for page in self.pdf.pages for char in page.chars]

    def all_lines(self) -> list[dict]:
        return [
            line for number in range(1, len(self.pdf.pages) + 1) for line in self.pdf.lines(number)
        ]

    def heading_lines(self, level: int) -> list[dict]:
        texts = set(self.headings[level])
        return [line for line in self.all_lines() if line["text"] in texts]

    def body_chars(self) -> list[dict]:
        """The 16 pt characters outside the 黑体 and 楷体 headings."""
        headings = {*self.headings[2], *self.headings[3]}
        return [
            char
            for line in self.all_lines()
            if line["text"] not in headings
            for char in sized(line["chars"], BODY_SIZE_PT)
        ]

    def assert_headings_in(self, level: int, faces: tuple[str, ...]) -> None:
        lines = self.heading_lines(level)
        # Every heading is read back as a line of its own (none broke across lines).
        self.assertEqual({line["text"] for line in lines}, set(self.headings[level]))
        for line in lines:
            chars = [c for c in line["chars"] if c["text"].strip()]
            self.assertTrue(
                all(is_in(c, faces) for c in chars),
                f"{line['text']}: {Counter(face(c) for c in chars)}",
            )

    def assert_title_in_title_face(self, text: str) -> None:
        """The 22 pt title reads `text` (across its lines), every character in the title face."""
        title = sized(self.all_chars(), 22.0)
        self.assertEqual("".join(c["text"] for c in title), text)
        self.assertEqual({face(c) for c in title if not is_in(c, TITLE)}, set())

    def assert_mark_in_title_face(self, issuer: str) -> None:
        """The red 发文机关标志 on page 1, every character in the title face."""
        mark = self.pdf.line(1, issuer)
        self.assertEqual(mark["text"], issuer)
        self.assertGreater(mark["chars"][0]["size"], 22.0)
        self.assertEqual({face(c) for c in mark["chars"] if not is_in(c, TITLE)}, set())

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
        cls.headings = headings_of(render_html(data, fields))
        cls.pdf_bytes = render_pdf(data, fields)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.pdf = ReadPdf(cls.pdf_bytes)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.pdf.close()
        super().tearDownClass()

    def test_the_bulletin_has_first_and_second_level_headings(self) -> None:
        self.assertIn("一、总体进展情况", self.headings[2])
        self.assertIn("（一）分类推进情况", self.headings[3])

    def test_the_16_pt_text_outside_the_headings_is_fangsong(self) -> None:
        chars = self.body_chars()
        self.assertGreater(len(chars), 300)
        self.assert_mostly_fangsong(chars)

    def test_the_opening_paragraph_is_wholly_fangsong(self) -> None:
        line = self.pdf.line(1, "为推动质量强市建设")
        self.assertEqual({face(c) for c in line["chars"] if not is_in(c, FANGSONG)}, set())

    def test_the_22_pt_title_is_in_the_title_face(self) -> None:
        title = self.pdf.line(1, TITLE_TEXT)
        self.assertEqual({round(c["size"], 1) for c in title["chars"]}, {22.0})
        self.assert_title_in_title_face(TITLE_TEXT)

    def test_the_red_issuer_mark_is_in_the_title_face(self) -> None:
        self.assert_mark_in_title_face(ISSUER)

    def test_first_level_headings_are_hei_and_second_level_kai(self) -> None:
        self.assert_headings_in(2, HEI)
        self.assert_headings_in(3, KAI)

    def test_no_fallback_face_is_needed_for_the_xingtai_plan(self) -> None:
        # FandolFang, FandolHei and FandolKai cover every character the plan uses.
        self.assertEqual({face(c) for c in self.all_chars() if is_in(c, FALLBACKS)}, set())

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
        self.assert_title_in_title_face("关于督促办理逾期事项的通知")

    def test_the_red_issuer_mark_is_in_the_title_face(self) -> None:
        self.assert_mark_in_title_face(ISSUER)

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
        context = assessment_pdf_context(assessment)
        cls.title_text = context["doc"].title
        cls.headings = headings_of(render_to_string(ASSESSMENT_TEMPLATE, context))
        cls.pdf_bytes = render_assessment_pdf(assessment)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.pdf = ReadPdf(cls.pdf_bytes)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.pdf.close()
        super().tearDownClass()

    def test_the_16_pt_text_outside_the_headings_is_fangsong(self) -> None:
        self.assertEqual(self.headings[2][:2], ["一、考核办法", "二、考核结果"])
        self.assertTrue(self.headings[3])
        chars = self.body_chars()
        self.assertGreater(len(chars), 300)
        self.assert_mostly_fangsong(chars)

    def test_first_level_headings_are_hei_and_second_level_kai(self) -> None:
        self.assert_headings_in(2, HEI)
        self.assert_headings_in(3, KAI)

    def test_the_title_is_in_the_title_face(self) -> None:
        self.assert_title_in_title_face(self.title_text)

    def test_the_red_issuer_mark_is_in_the_title_face(self) -> None:
        self.assert_mark_in_title_face(ISSUER)

    def test_every_font_is_embedded_and_subset(self) -> None:
        self.assert_every_font_is_an_embedded_subset()


class FallbackFacesTest(TypefaceAssertions):
    """Characters the Fandol faces lack (names such as 王喆, 李珺, 张堃: FandolFang,
    FandolHei and FandolKai have none of 喆珺堃) are set in the older faces that
    follow Fandol in each stack, not left as empty boxes, and only those characters:
    the rest of the line stays in Fandol."""

    BODY = "联系人：王喆、李珺，请于三日内反馈。"
    HEADING_1 = "一、张堃同志分管事项"
    HEADING_2 = "（一）王喆同志分管事项"
    LACKING = set("喆珺堃")

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.headings = {2: [cls.HEADING_1], 3: [cls.HEADING_2]}
        cls.pdf = ReadPdf(
            render_official_pdf(
                template_name="documents/official_base.html",
                context=official_context(
                    issuer=ISSUER,
                    doc_number="督办〔2026〕3号",
                    title="关于督促办理逾期事项的通知",
                    body=[cls.BODY, Heading(1, cls.HEADING_1), Heading(2, cls.HEADING_2)],
                ),
            )
        )

    @classmethod
    def tearDownClass(cls) -> None:
        cls.pdf.close()
        super().tearDownClass()

    def assert_gaps_filled(self, text: str, faces: tuple[str, ...], fallback: str) -> None:
        line = self.pdf.line(1, text)
        # Every character is there, as text: none became a box or went missing.
        self.assertEqual(line["text"], text)
        for char in line["chars"]:
            if char["text"] in self.LACKING:
                self.assertIn(fallback, face(char), char["text"])
            elif char["text"].strip():
                self.assertTrue(is_in(char, faces), f"{char['text']}: {face(char)}")

    def test_the_body_falls_back_to_ar_pl_uming_for_those_characters_only(self) -> None:
        self.assert_gaps_filled(self.BODY, FANGSONG, "AR-PL-UMing")

    def test_a_hei_heading_falls_back_to_wenquanyi_zen_hei(self) -> None:
        self.assert_gaps_filled(self.HEADING_1, HEI, "WenQuanYi-Zen-Hei")

    def test_a_kai_heading_falls_back_to_ar_pl_ukai(self) -> None:
        self.assert_gaps_filled(self.HEADING_2, KAI, "AR-PL-UKai")

    def test_the_fallback_faces_are_embedded_and_subset_too(self) -> None:
        self.assert_every_font_is_an_embedded_subset()
