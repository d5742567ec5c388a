import datetime

from django.template.loader import render_to_string
from django.test import SimpleTestCase, override_settings

from documents.pdf import doc_number, render_official_pdf
from documents.supervision import (
    TEMPLATE_NAME,
    OverdueItem,
    render_supervision_notice,
    sample_supervision_notice_context,
    supervision_notice_context,
)
from tests.documents.pdfs import (
    A4_HEIGHT_PT,
    A4_WIDTH_PT,
    BODY_SIZE_PT,
    ONE_MM,
    PT_PER_MM,
    RED,
    TEXT_BOTTOM_PT,
    TEXT_LEFT_PT,
    TEXT_RIGHT_PT,
    ReadPdf,
    colour_is,
)


class SupervisionNoticeTest(SimpleTestCase):
    """The sample 督办单, rendered once and read back."""

    pdf: ReadPdf

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

    def body_chars(self) -> list[dict]:
        return [
            char
            for char in self.pdf.pages[0].chars
            if abs(char["size"] - BODY_SIZE_PT) < 0.1 and char["text"].strip()
        ]

    def test_it_is_one_a4_page(self) -> None:
        self.assertEqual(len(self.pdf.pages), 1)
        page = self.pdf.pages[0]
        self.assertAlmostEqual(page.width, A4_WIDTH_PT, delta=1)
        self.assertAlmostEqual(page.height, A4_HEIGHT_PT, delta=1)

    def test_the_body_runs_from_28_mm_to_184_mm(self) -> None:
        chars = self.body_chars()
        self.assertAlmostEqual(min(c["x0"] for c in chars), TEXT_LEFT_PT, delta=ONE_MM)
        self.assertAlmostEqual(max(c["x1"] for c in chars), TEXT_RIGHT_PT, delta=ONE_MM)

    def test_the_addressee_is_flush_left_and_ends_in_a_full_width_colon(self) -> None:
        line = self.pdf.line(1, "市工业和信息化局")
        self.assertEqual(line["text"], "市工业和信息化局：")
        self.assertAlmostEqual(line["x0"], TEXT_LEFT_PT, delta=ONE_MM)

    def test_paragraphs_are_indented_two_characters(self) -> None:
        line = self.pdf.line(1, "请你单位高度重视")
        self.assertAlmostEqual(line["x0"], TEXT_LEFT_PT + 2 * BODY_SIZE_PT, delta=ONE_MM)

    def test_the_title_is_22_pt_centred_and_the_body_16_pt(self) -> None:
        title = self.pdf.line(1, "关于督促办理逾期事项的通知")
        self.assertEqual({round(c["size"], 1) for c in title["chars"]}, {22.0})
        centre = (title["x0"] + title["x1"]) / 2
        self.assertAlmostEqual(centre, (TEXT_LEFT_PT + TEXT_RIGHT_PT) / 2, delta=ONE_MM)
        body = self.pdf.line(1, "请你单位高度重视")
        self.assertEqual({round(c["size"], 1) for c in body["chars"]}, {16.0})

    def test_the_issuer_is_red_and_the_number_black(self) -> None:
        issuer = self.pdf.line(1, "邢台市质量强市建设工作专班")
        self.assertLess(issuer["top"], self.pdf.line(1, "督办〔2026〕3号")["top"])
        for char in issuer["chars"]:
            self.assertTrue(colour_is(char["non_stroking_color"], RED), char)
        for char in self.pdf.line(1, "督办〔2026〕3号")["chars"]:
            self.assertFalse(colour_is(char["non_stroking_color"], RED), char)

    def test_the_issuer_fits_the_text_block(self) -> None:
        issuer = self.pdf.line(1, "邢台市质量强市建设工作专班")
        self.assertGreaterEqual(issuer["x0"], TEXT_LEFT_PT)
        self.assertLessEqual(issuer["x1"], TEXT_RIGHT_PT)
        self.assertGreater(issuer["chars"][0]["size"], 22)

    def test_a_red_rule_the_width_of_the_text_block_is_about_4_mm_under_the_number(self) -> None:
        number = self.pdf.line(1, "督办〔2026〕3号")
        title = self.pdf.line(1, "关于督促办理逾期事项的通知")
        rules = [
            shape
            for shape in self.pdf.pages[0].rects + self.pdf.pages[0].lines
            if colour_is(shape.get("non_stroking_color"), RED)
            or colour_is(shape.get("stroking_color"), RED)
        ]
        self.assertEqual(len(rules), 1)
        rule = rules[0]
        self.assertAlmostEqual(rule["x0"], TEXT_LEFT_PT, delta=ONE_MM)
        self.assertAlmostEqual(rule["x1"], TEXT_RIGHT_PT, delta=ONE_MM)
        # From the number's glyphs: 4 mm from its line, plus the half-leading.
        self.assertTrue(3 * PT_PER_MM < rule["top"] - number["bottom"] < 8 * PT_PER_MM)
        self.assertLess(rule["bottom"], title["top"])

    def test_the_page_number_is_on_the_right_one_character_in(self) -> None:
        line = self.pdf.line(1, "— 1 —")
        self.assertEqual(line["text"], "— 1 —")
        self.assertAlmostEqual(line["x1"], TEXT_RIGHT_PT - 14, delta=ONE_MM)
        # The dashes (mid-height of the em box) about 7 mm under the text block.
        middle = (line["top"] + line["bottom"]) / 2
        self.assertAlmostEqual(middle, TEXT_BOTTOM_PT + 7 * PT_PER_MM, delta=1.5 * ONE_MM)

    def test_the_closing_block_ends_at_the_foot_of_the_text_block(self) -> None:
        cc = self.pdf.line(1, "抄送：")
        self.assertEqual(cc["text"], "抄送：市政府办公室，市市场监管局。")
        printed = self.pdf.line(1, "印发")
        self.assertIn("邢台市质量强市建设工作专班办公室", printed["text"])
        self.assertTrue(printed["text"].endswith("2026年12月10日印发"))
        self.assertEqual({round(c["size"], 1) for c in cc["chars"] + printed["chars"]}, {14.0})
        black_rules = [
            rect
            for rect in self.pdf.pages[0].rects
            if colour_is(rect["non_stroking_color"], (0.0, 0.0, 0.0))
            and rect["x1"] - rect["x0"] > 150 * PT_PER_MM
        ]
        self.assertAlmostEqual(
            max(rect["bottom"] for rect in black_rules), TEXT_BOTTOM_PT, delta=ONE_MM
        )
        self.assertGreater(cc["top"], self.pdf.line(1, "联系人")["bottom"])

    def test_the_date_is_four_characters_in_with_the_issuer_centred_above(self) -> None:
        (date,) = self.pdf.lines_reading(1, "2026年12月10日")
        self.assertAlmostEqual(date["x1"], TEXT_RIGHT_PT - 4 * BODY_SIZE_PT, delta=ONE_MM)
        # The issuer's name twice: the red mark at the top, the signature above the date.
        _mark, signer = self.pdf.lines_reading(1, "邢台市质量强市建设工作专班")
        self.assertEqual(round(signer["chars"][0]["size"], 1), BODY_SIZE_PT)
        self.assertLess(signer["bottom"], date["top"])
        self.assertAlmostEqual(
            (signer["x0"] + signer["x1"]) / 2, (date["x0"] + date["x1"]) / 2, delta=ONE_MM
        )

    def test_it_lists_each_overdue_item_with_its_reason_and_the_answer_deadline(self) -> None:
        text = self.pdf.text()
        for expected in (
            "督办〔2026〕3号",
            "截至2026年12月10日，你单位下列事项逾期未办理：",
            "支持产业基础质量建设",
            "2026年第四季度调度报告逾期5天",
            "年度工作计划经退回后逾期12天",
            "2026年12月20日前书面反馈办理情况",
            "（联系人：王明，电话：0319-2222222）",
        ):
            self.assertIn(expected, text.replace("\n", ""))

    def test_every_font_is_embedded(self) -> None:
        fonts = list(self.pdf.font_dicts())
        self.assertTrue(fonts)
        for name, font in fonts:
            if font["/Subtype"] == "/Type0":
                continue  # Its descendant carries the descriptor.
            descriptor = font["/FontDescriptor"].get_object()
            self.assertTrue(
                {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.keys()),
                f"{name} ({font.get('/BaseFont')}) is not embedded",
            )


class SupervisionNoticeLengthTest(SimpleTestCase):
    def test_five_overdue_items_and_a_note_still_fit_on_one_page(self) -> None:
        context = sample_supervision_notice_context()
        items = context["items"]
        context["items"] = [*items, *items[:2]]
        pdf = ReadPdf(render_official_pdf(template_name=TEMPLATE_NAME, context=context))
        self.addCleanup(pdf.close)
        self.assertEqual(len(pdf.pages), 1)
        self.assertEqual(len(pdf.pages_containing("抄送：")), 1)


class SupervisionNoticeContextTest(SimpleTestCase):
    def test_the_number_reads_like_a_document_number(self) -> None:
        self.assertEqual(doc_number(prefix="督办", year=2026, serial=3), "督办〔2026〕3号")

    @override_settings(WORKING_GROUP_NAME="某市质量强市建设工作专班")
    def test_the_issuer_is_the_working_group_of_the_settings(self) -> None:
        context = supervision_notice_context(
            unit="市财政局",
            serial=12,
            items=[OverdueItem(1, "加强先进标准制定", "2027年第一季度调度报告逾期3天")],
            issued_on=datetime.date(2027, 4, 8),
            reply_by=datetime.date(2027, 4, 18),
        )
        doc = context["doc"]
        self.assertEqual(doc.issuer, "某市质量强市建设工作专班")
        self.assertEqual(doc.doc_number, "督办〔2027〕12号")
        self.assertEqual(doc.addressee_line, "市财政局：")
        self.assertEqual(doc.cc_line, "市政府办公室。")
        self.assertEqual(doc.signed_on_text, "2027年4月8日")
        self.assertEqual(doc.printed_on_text, "2027年4月8日印发")
        self.assertEqual(doc.printer, "某市质量强市建设工作专班办公室")
        self.assertEqual(context["as_of"], datetime.date(2027, 4, 8))

    def test_render_supervision_notice_returns_a_pdf(self) -> None:
        pdf = render_supervision_notice(
            unit="市财政局",
            serial=1,
            items=[OverdueItem(1, "加强先进标准制定", "2027年第一季度调度报告逾期3天")],
            issued_on=datetime.date(2027, 4, 8),
            reply_by=datetime.date(2027, 4, 18),
        )
        self.assertTrue(pdf.startswith(b"%PDF-"))
        read = ReadPdf(pdf)
        self.addCleanup(read.close)
        self.assertIn("市财政局：", read.text())


class SupervisionNoticeDatesTest(SimpleTestCase):
    """Every date of the 督办单 is written 2026年12月10日, even those inside an item's
    reason as the sweep wrote it."""

    def test_no_date_is_written_the_iso_way(self) -> None:
        context = supervision_notice_context(
            unit="市住房城乡建设局",
            serial=5,
            items=[OverdueItem(11, "全面落实工程质量责任", "2026-10-22约谈第1项整改承诺逾期26天")],
            issued_on=datetime.date(2026, 12, 10),
            reply_by=datetime.date(2026, 12, 20),
        )
        html = render_to_string(TEMPLATE_NAME, context)
        self.assertNotRegex(html, r"\d{4}-\d{2}-\d{2}")
        for expected in ("2026年10月22日约谈第1项", "截至2026年12月10日", "于2026年12月20日前"):
            self.assertIn(expected, html)
