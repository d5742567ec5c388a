"""The bulletin reads as an official text: dates written 2026年4月5日 (never ISO, not
even inside the reasons the sweep wrote), and a list's label once before its units."""

import datetime
import re

from bulletins.content import gather
from bulletins.render import document_fields, render_html, render_pdf
from documents.pdf import cn_date, cn_dates_in
from tests.bulletins.base import TODAY, RoundTestCase
from tests.documents.pdfs import ReadPdf

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The red list as the sweep leaves it: reasons with ISO dates, units grouped by reason.
RED_UNITS = [
    {
        "units": ["市住房城乡建设局"],
        "reasons": ["任务11签收逾期284天", "2026-03-22约谈第1项整改承诺逾期26天"],
    },
    {"units": ["市商务局", "临城县政府"], "reasons": ["2026年第一季度调度报告逾期5天"]},
    {"units": ["市文化广电和旅游局"], "reasons": []},
]


def fields() -> dict:
    return document_fields(
        issuer="邢台市质量强市建设工作专班",
        number_text="第3期",
        title="质量强市建设工作进展情况通报",
        addressees="各县（市、区）政府，市直有关部门",
        opening="为推动质量强市建设各项任务落实，现将有关情况通报如下：",
        closing="请各责任单位对照通报问题，加快推进任务落实。",
        copy_to="市政府办公室",
        issued_on=datetime.date(2026, 4, 5),
    )


class OfficialTextTests(RoundTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        data = gather(cls.plan, cls.round, TODAY)
        data["red_units"] = RED_UNITS
        for row in data["red"]:
            row["reasons"].append("2026-03-22约谈第2项整改承诺逾期1天")
        cls.html = render_html(data, fields())
        cls.pdf_bytes = render_pdf(data, fields())

    def test_the_pdf_has_no_iso_date_and_the_red_label_once(self) -> None:
        pdf = ReadPdf(self.pdf_bytes)
        try:
            text = pdf.text().replace("\n", "")
        finally:
            pdf.close()
        self.assertEqual(ISO_DATE.findall(text), [])
        self.assertEqual(text.count("亮红灯的单位"), 1)
        for expected in ("2026年3月22日约谈第1项", "2026年4月5日", "2026年3月31日"):
            self.assertIn(expected, text)
        for unit in ("市住房城乡建设局", "市商务局、临城县政府", "市文化广电和旅游局"):
            self.assertIn(unit, text)

    def test_the_red_units_are_one_sentence_after_one_label(self) -> None:
        sentence = re.search(r'<p data-list="red-units">(.*?)</p>', self.html).group(1)
        self.assertEqual(
            sentence,
            "亮红灯的单位：市住房城乡建设局（任务11签收逾期284天；"
            "2026年3月22日约谈第1项整改承诺逾期26天）；"
            "市商务局、临城县政府（2026年第一季度调度报告逾期5天）；市文化广电和旅游局。",
        )
        text = re.sub(r'src="data:[^"]*"', "", self.html)
        self.assertEqual(ISO_DATE.findall(text), [])


def test_dates_are_written_the_official_way() -> None:
    assert cn_date(datetime.date(2026, 10, 2)) == "2026年10月2日"
    assert cn_date("2026-01-05") == "2026年1月5日"
    assert cn_date(None) == ""
    assert cn_dates_in("2026-10-22约谈第1项；电话0319-2222222") == (
        "2026年10月22日约谈第1项；电话0319-2222222"
    )
