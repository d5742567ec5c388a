"""The issued bulletin's PDF, read back: the format of GB/T 9704-2012."""

import datetime

from bulletins.content import gather
from bulletins.render import document_fields, render_pdf
from tests.bulletins.base import TODAY, RoundTestCase
from tests.documents.pdfs import (
    A4_HEIGHT_PT,
    A4_WIDTH_PT,
    BODY_SIZE_PT,
    ONE_MM,
    RED,
    TEXT_LEFT_PT,
    TEXT_RIGHT_PT,
    ReadPdf,
    colour_is,
)

ISSUER = "邢台市质量强市建设工作专班"
TITLE = "质量强市建设工作进展情况通报"


class BulletinPdfTests(RoundTestCase):
    pdf: ReadPdf

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        data = gather(cls.plan, cls.round, TODAY)
        fields = document_fields(
            issuer=ISSUER,
            number_text="第3期",
            title=TITLE,
            addressees="各县（市、区）政府，市直有关部门",
            opening="为推动质量强市建设各项任务落实，现将有关情况通报如下：",
            closing="请各责任单位对照通报问题，加快推进任务落实。",
            copy_to="市政府办公室，市委督查室",
            issued_on=datetime.date(2026, 4, 5),
        )
        # Bytes here (test data is deep-copied per test), opened once in setUpClass.
        cls.pdf_bytes = render_pdf(data, fields)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.pdf = ReadPdf(cls.pdf_bytes)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.pdf.close()
        super().tearDownClass()

    def test_it_is_a4_on_several_pages(self) -> None:
        self.assertGreaterEqual(len(self.pdf.pages), 3)
        for page in self.pdf.pages:
            self.assertAlmostEqual(page.width, A4_WIDTH_PT, delta=1)
            self.assertAlmostEqual(page.height, A4_HEIGHT_PT, delta=1)

    def test_the_body_text_stays_in_the_text_block(self) -> None:
        chars = [
            char
            for char in self.pdf.pages[0].chars
            if abs(char["size"] - BODY_SIZE_PT) < 0.1 and char["text"].strip()
        ]
        self.assertAlmostEqual(min(c["x0"] for c in chars), TEXT_LEFT_PT, delta=ONE_MM)
        self.assertAlmostEqual(max(c["x1"] for c in chars), TEXT_RIGHT_PT, delta=ONE_MM)

    def test_the_title_is_22_pt_and_the_body_16_pt(self) -> None:
        title = self.pdf.line(1, TITLE)
        self.assertEqual({round(c["size"], 1) for c in title["chars"]}, {22.0})
        centre = (title["x0"] + title["x1"]) / 2
        self.assertAlmostEqual(centre, (TEXT_LEFT_PT + TEXT_RIGHT_PT) / 2, delta=ONE_MM)
        body = self.pdf.line(1, "为推动质量强市建设")
        self.assertEqual({round(c["size"], 1) for c in body["chars"]}, {16.0})
        self.assertAlmostEqual(body["x0"], TEXT_LEFT_PT + 2 * BODY_SIZE_PT, delta=ONE_MM)

    def test_the_header_is_red_with_the_issue_number_below(self) -> None:
        for char in self.pdf.line(1, ISSUER)["chars"]:
            self.assertTrue(colour_is(char["non_stroking_color"], RED), char)
        number = self.pdf.line(1, "第3期")
        self.assertGreater(number["top"], self.pdf.line(1, ISSUER)["bottom"])

    def test_page_numbers_stand_right_on_odd_pages_and_left_on_even_ones(self) -> None:
        for number in range(1, len(self.pdf.pages) + 1):
            line = self.pdf.line(number, f"— {number} —")
            self.assertEqual(line["text"], f"— {number} —")
            self.assertEqual({round(c["size"], 1) for c in line["chars"]}, {14.0})
            if number % 2:
                self.assertAlmostEqual(line["x1"], TEXT_RIGHT_PT - 14, delta=ONE_MM)
            else:
                self.assertAlmostEqual(line["x0"], TEXT_LEFT_PT + 14, delta=ONE_MM)

    def test_the_closing_block_is_on_the_last_page_only(self) -> None:
        last = len(self.pdf.pages)
        self.assertEqual(self.pdf.pages_containing("抄送："), [last])
        self.assertEqual(self.pdf.line(last, "抄送：")["text"], "抄送：市政府办公室，市委督查室。")
        self.assertIn("2026年4月5日印发", self.pdf.line(last, "印发")["text"])

    def test_the_chinese_text_can_be_extracted(self) -> None:
        text = self.pdf.text().replace("\n", "")
        for expected in (
            "一、总体进展情况",
            "（一）分类推进情况",
            "二、各单位报送情况",
            "四、点名通报",
            "市市场监管局",
            "督办〔2026〕1号",
            "新增工业企业研发机构",
        ):
            self.assertIn(expected, text)

    def test_the_unit_table_repeats_its_header_on_every_page_it_spans(self) -> None:
        pages = self.pdf.pages_containing("县政府")
        self.assertGreater(len(pages), 1)
        for page in pages:
            if any(
                "未报送" in line["text"] and "县政府" in line["text"]
                for line in self.pdf.lines(page)
            ):
                self.assertTrue(
                    any(line["text"].startswith("序号 单位") for line in self.pdf.lines(page)), page
                )
