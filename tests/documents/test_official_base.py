from django.test import SimpleTestCase

from documents.pdf import Heading, OfficialDocument, render_official_pdf
from tests.documents.pdfs import (
    BODY_LINE_HEIGHT_PT,
    BODY_SIZE_PT,
    ONE_MM,
    TEXT_LEFT_PT,
    TEXT_RIGHT_PT,
    TEXT_TOP_PT,
    ReadPdf,
)
from tests.documents.samples import LINE, TABLE_COLUMNS, long_document_context


class LongOfficialDocumentTest(SimpleTestCase):
    """A document of several pages on the base template, rendered once and read back."""

    pdf: ReadPdf

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.pdf = ReadPdf(
            render_official_pdf(
                template_name="documents/official_base.html", context=long_document_context()
            )
        )

    @classmethod
    def tearDownClass(cls) -> None:
        cls.pdf.close()
        super().tearDownClass()

    def test_it_runs_to_several_pages(self) -> None:
        self.assertGreaterEqual(len(self.pdf.pages), 3)

    def test_page_numbers_stand_right_on_odd_pages_and_left_on_even_ones(self) -> None:
        for number in range(1, len(self.pdf.pages) + 1):
            line = self.pdf.line(number, f"— {number} —")
            self.assertEqual(line["text"], f"— {number} —")
            self.assertEqual({round(c["size"], 1) for c in line["chars"]}, {14.0})
            if number % 2:
                self.assertAlmostEqual(line["x1"], TEXT_RIGHT_PT - 14, delta=ONE_MM)
            else:
                self.assertAlmostEqual(line["x0"], TEXT_LEFT_PT + 14, delta=ONE_MM)

    def test_a_following_page_starts_at_the_top_of_the_text_block(self) -> None:
        first = self.pdf.lines(2)[0]
        self.assertEqual(round(first["chars"][0]["size"], 1), BODY_SIZE_PT)
        # The glyphs sit in the middle of their 28.95 pt line.
        line_top = first["top"] - (BODY_LINE_HEIGHT_PT - BODY_SIZE_PT) / 2
        self.assertAlmostEqual(line_top, TEXT_TOP_PT, delta=ONE_MM)

    def test_a_full_page_holds_22_lines_of_28_characters(self) -> None:
        body = [
            line for line in self.pdf.lines(2) if round(line["chars"][0]["size"], 1) == BODY_SIZE_PT
        ]
        self.assertEqual(len(body), 22)
        full = [line for line in body if line["x0"] < TEXT_LEFT_PT + ONE_MM]
        self.assertTrue(full)
        for line in full:
            if len(line["text"]) > 3:  # Not the end of a paragraph.
                self.assertEqual(len(line["text"]), 28, line["text"])
                self.assertAlmostEqual(line["x1"], TEXT_RIGHT_PT, delta=ONE_MM)

    def test_headings_take_hei_kai_and_fangsong(self) -> None:
        page = self.pdf.pages_containing("一、总体进展")[0]

        def font(text: str) -> str:
            return self.pdf.line(page, text)["chars"][0]["fontname"]

        self.assertIn("FandolHei", font("一、总体进展"))
        self.assertIn("FandolKai", font("（一）任务推进情况"))
        self.assertIn("FandolFang", font("1．按期报送情况"))
        self.assertIn("FandolFang", font("（1）逾期情况"))
        for text in ("一、总体进展", "（一）任务推进情况", "1．按期报送情况", "（1）逾期情况"):
            line = self.pdf.line(page, text)
            self.assertAlmostEqual(line["x0"], TEXT_LEFT_PT + 2 * BODY_SIZE_PT, delta=ONE_MM)
            self.assertEqual({round(c["size"], 1) for c in line["chars"]}, {16.0})

    def test_the_table_repeats_its_header_on_every_page_it_spans(self) -> None:
        header = " ".join(TABLE_COLUMNS)
        pages_with_rows = [
            number
            for number in range(1, len(self.pdf.pages) + 1)
            if any("责任单位" in line["text"] for line in self.pdf.lines(number))
        ]
        self.assertGreater(len(pages_with_rows), 1)
        self.assertEqual(self.pdf.pages_containing(header), pages_with_rows)

    def test_the_closing_block_is_on_the_last_page_only(self) -> None:
        last = len(self.pdf.pages)
        self.assertEqual(self.pdf.pages_containing("抄送："), [last])
        self.assertEqual(self.pdf.pages_containing("印发"), [last])
        self.assertEqual(self.pdf.line(last, "抄送：")["text"], "抄送：市政府办公室，市委督查室。")

    def test_the_chinese_text_can_be_extracted(self) -> None:
        text = self.pdf.text().replace("\n", "")
        self.assertIn("质量强市建设工作进展情况通报", text)
        self.assertIn("各县（市、区）政府、市直有关部门：", text)
        self.assertIn(LINE, text)

    def test_every_font_is_embedded(self) -> None:
        for name, font in self.pdf.font_dicts():
            if font["/Subtype"] == "/Type0":
                continue
            descriptor = font["/FontDescriptor"].get_object()
            self.assertTrue(
                {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()),
                f"{name} ({font.get('/BaseFont')}) is not embedded",
            )


class OfficialDocumentTest(SimpleTestCase):
    def test_a_long_issuer_gets_a_smaller_mark_that_fits_the_text_block(self) -> None:
        short = OfficialDocument(issuer="邢台市人民政府", doc_number="", title="")
        long = OfficialDocument(
            issuer="邢台市质量强市建设工作专班办公室关于", doc_number="", title=""
        )
        self.assertEqual(short.issuer_font_size, 42.0)
        self.assertLess(long.issuer_font_size * 17, (TEXT_RIGHT_PT - TEXT_LEFT_PT))

    def test_a_heading_level_outside_1_to_4_is_refused(self) -> None:
        with self.assertRaisesMessage(ValueError, "A heading level is 1 to 4, not 5."):
            Heading(5, "五级标题")

    def test_without_a_date_there_is_no_printing_date(self) -> None:
        doc = OfficialDocument(issuer="专班", doc_number="", title="", cc=["甲", "乙"])
        self.assertEqual(doc.printed_on_text, "")
        self.assertEqual(doc.cc_line, "甲，乙。")
