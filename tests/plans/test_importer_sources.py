"""Plans uploaded as web pages, .docx, .pdf, .doc/.wps: read into the parser's plain text.

Every fixture is built here: .docx with python-docx, .pdf with WeasyPrint (pypdf to
encrypt one), web pages as a government site saves them. No database.
"""

from __future__ import annotations

import io
import shutil
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pypdf
import pytest
import weasyprint
from django.utils import translation
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from plans.importer.parsed import PlanParseError
from plans.importer.sources import SUPPORTED_SUFFIXES, plan_text_from_file


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # The messages are checked in their English msgid form, whatever the .po says.
    with translation.override("en"):
        yield


def read_error(data: bytes, filename: str) -> str:
    with pytest.raises(PlanParseError) as caught:
        plan_text_from_file(data, filename)
    message = caught.value.message
    assert "\n" not in message and message.strip() == message
    return message


def assert_contract(text: str) -> None:
    for line in text.split("\n"):
        assert line == line.rstrip(" \u3000"), repr(line)
    assert "\r" not in text


# --- .docx --------------------------------------------------------------------------------

# Word list levels: "一、", "（一）", "1.", and a bullet (left out).
NUMBERING = (
    f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
    '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
    '<w:lvlText w:val="%1、"/></w:lvl>'
    '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
    '<w:lvlText w:val="（%2）"/></w:lvl>'
    '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
    '<w:lvlText w:val="%3."/></w:lvl>'
    '<w:lvl w:ilvl="3"><w:start w:val="1"/><w:numFmt w:val="bullet"/>'
    '<w:lvlText w:val="\u25cf"/></w:lvl>'
    "</w:abstractNum>"
)


def add_numbering(document: docx.document.Document) -> None:
    root = document.part.numbering_part.element
    abstract = parse_xml(NUMBERING)
    first_num = root.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        root.append(abstract)
    root.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )


def numbered(document: docx.document.Document, text: str, level: int) -> None:
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>'
        )
    )


def docx_bytes() -> bytes:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "页眉：邢台市人民政府"
    document.sections[0].footer.paragraphs[0].text = "页脚 1"
    add_numbering(document)
    document.add_heading("邢台市标准化提升行动方案", level=1)
    document.add_paragraph("\u3000\u3000为深入实施标准化战略，制定本方案。  ")
    numbered(document, "总体要求", 0)
    document.add_paragraph("（一）指导思想")
    document.add_paragraph("1.坚持问题导向。（责任单位：市市场监管局）")
    numbered(document, "重点任务", 0)
    numbered(document, "完善标准体系", 1)
    numbered(document, "加强标准制定。（责任单位：市市场监管局）", 2)
    numbered(document, "推进标准实施。", 2)
    numbered(document, "强化质量基础", 1)
    numbered(document, "建设计量中心。", 2)
    numbered(document, "一个要点", 3)
    broken = document.add_paragraph("第一行")
    run = broken.add_run()
    run.add_break()
    run.add_text("第二行\t末尾")
    document.add_paragraph("附件")
    document.add_paragraph("重点任务分工表")
    table = document.add_table(rows=5, cols=6)
    header = ["序号", "任务", "具体措施", "牵头单位", "配合单位", "完成时限"]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    category = table.cell(1, 0).merge(table.cell(1, 5))
    category.text = "一、完善标准体系"
    lead = table.cell(2, 3).merge(table.cell(3, 3))
    lead.text = "市市场监管局"
    for row, values in (
        (2, ("1", "加强标准制定", None, None, "市财政局", "2024年底前")),
        (3, ("2", "推进标准实施", "开展试点", None, "市工业和信息化局", "2025年6月底前")),
        (4, ("3", "建设计量中心", "建成中心", "市科技局", "", "2026年")),
    ):
        for column, value in enumerate(values):
            if value is not None:
                table.cell(row, column).text = value
    measures = table.cell(2, 2)
    measures.text = "制定地方标准5项。"
    measures.add_paragraph("  培育标准化试点。")
    document.add_paragraph("邢台市人民政府办公室")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_reads_paragraphs_numbers_and_tables_in_document_order() -> None:
    text = plan_text_from_file(docx_bytes(), "方案.docx")
    assert_contract(text)
    assert text.split("\n") == [
        "邢台市标准化提升行动方案",
        "为深入实施标准化战略，制定本方案。",
        "一、总体要求",
        "（一）指导思想",
        "1.坚持问题导向。（责任单位：市市场监管局）",
        "二、重点任务",
        "（一）完善标准体系",
        "1.加强标准制定。（责任单位：市市场监管局）",
        "2.推进标准实施。",
        "（二）强化质量基础",
        "1.建设计量中心。",
        "一个要点",  # a bullet: no number written
        "第一行",
        "第二行 末尾",
        "附件",
        "重点任务分工表",
        "",
        "序号\t任务\t具体措施\t牵头单位\t配合单位\t完成时限",
        "一、完善标准体系\t\t\t\t\t",
        "1\t加强标准制定\t制定地方标准5项。培育标准化试点。\t市市场监管局\t市财政局\t2024年底前",
        "2\t推进标准实施\t开展试点\t\t市工业和信息化局\t2025年6月底前",
        "3\t建设计量中心\t建成中心\t市科技局\t\t2026年",
        "",
        "邢台市人民政府办公室",
    ]


def test_docx_is_read_by_its_content_whatever_its_name() -> None:
    assert plan_text_from_file(docx_bytes(), "plan.txt").startswith("邢台市标准化提升行动方案\n")


def test_docx_without_text_is_refused() -> None:
    out = io.BytesIO()
    docx.Document().save(out)
    assert read_error(out.getvalue(), "空.docx") == "The file contains no text."


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(docx_bytes()[:300], id="truncated zip"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 40, id="zip header only"),
        pytest.param(b"not a zip at all", id="text named .docx"),
    ],
)
def test_damaged_docx_is_one_line(data: bytes) -> None:
    assert read_error(data, "方案.docx") == (
        "The Word file is damaged or is not a .docx file: "
        "open it in Word, save it as .docx and upload it again."
    )


def test_zip_that_is_not_a_word_document_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert read_error(out.getvalue(), "方案.zip").startswith("The Word file is damaged or is not")


# --- .pdf ---------------------------------------------------------------------------------

PDF_CSS = """
@page { size: A5; margin: 18mm 15mm;
  @top-center { content: "邢台市人民政府行政规范性文件"; font-size: 9pt }
  @bottom-center { content: "— " counter(page) " —"; font-size: 9pt } }
body { font-family: "AR PL UMing CN", "WenQuanYi Zen Hei", serif; font-size: 11pt;
  line-height: 1.5 }
p { margin: 0; text-indent: 2em }
h1 { font-size: 14pt; text-align: center; margin: 0 0 6pt }
table { border-collapse: collapse; width: 100%; margin-top: 4pt }
td, th { border: 0.75pt solid #000; padding: 2pt; font-size: 9pt; font-weight: normal }
"""
PDF_ROWS = [(str(n), f"任务{n}", "市市场监管局", "市财政局", "2024年底前") for n in range(2, 31)]


def pdf_of(body: str, css: str = PDF_CSS) -> bytes:
    html = f'<html><head><meta charset="utf-8"><style>{css}</style></head><body>{body}</body>'
    return weasyprint.HTML(string=html + "</html>").write_pdf()


@pytest.fixture(scope="module")
def plan_pdf() -> bytes:
    rows = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in PDF_ROWS)
    return pdf_of(
        "<h1>邢台市标准化提升行动方案</h1>"
        "<p>为深入实施标准化战略，全面提升我市标准化水平，推动经济社会高质量发展，"
        "结合我市实际，制定本方案。</p>"
        "<p>三、重点任务</p><p>（一）完善标准体系</p>"
        "<p>1.加强标准制定。围绕重点产业领域组织制定一批地方标准，推动标准化工作与产业"
        "发展深度融合。（责任单位：市市场监管局）</p>"
        '<p style="page-break-before: always">附件</p><p>重点任务分工表</p>'
        "<table><thead><tr><th>序号</th><th>任务</th><th>牵头单位</th><th>配合单位</th>"
        "<th>完成时限</th></tr></thead><tbody>"
        '<tr><td colspan="5">一、完善标准体系</td></tr>'
        "<tr><td>1</td><td>加强标准制定</td><td>市市场监管局</td><td>市财政局</td>"
        f"<td>2024年底前</td></tr>{rows}</tbody></table>"
        "<p>以上任务按期完成。</p>"
    )


def test_pdf_reads_paragraphs_and_a_table_over_two_pages(plan_pdf: bytes) -> None:
    assert len(pypdf.PdfReader(io.BytesIO(plan_pdf)).pages) == 3  # the table spans 2 pages
    text = plan_text_from_file(plan_pdf, "方案.pdf")
    assert_contract(text)
    assert text.split("\n") == [
        "邢台市标准化提升行动方案",
        # Lines wrapped by the page width are one paragraph again.
        "为深入实施标准化战略，全面提升我市标准化水平，推动经济社会高质量发展，"
        "结合我市实际，制定本方案。",
        "三、重点任务",
        "（一）完善标准体系",
        "1.加强标准制定。围绕重点产业领域组织制定一批地方标准，推动标准化工作与产业"
        "发展深度融合。（责任单位：市市场监管局）",
        "附件",
        "重点任务分工表",
        "",
        # The header row repeated on the next page is not repeated; no page numbers,
        # no running header.
        "序号\t任务\t牵头单位\t配合单位\t完成时限",
        "一、完善标准体系\t\t\t\t",
        "1\t加强标准制定\t市市场监管局\t市财政局\t2024年底前",
        *("\t".join(row) for row in PDF_ROWS),
        "",
        "以上任务按期完成。",
    ]


def test_password_protected_pdf_is_refused(plan_pdf: bytes) -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(plan_pdf)))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    assert read_error(out.getvalue(), "方案.pdf") == (
        "The PDF is password-protected: remove the password and upload it again."
    )


def test_scanned_pdf_without_text_is_refused() -> None:
    drawing = (
        '<svg width="200" height="100"><rect x="10" y="10" width="180" height="80" '
        'fill="#ccc"/></svg>'
    )
    assert read_error(pdf_of(drawing, css="@page { size: A6 }"), "扫描件.pdf") == (
        "The PDF has no text layer (it is a scan): OCR it first, then upload it again."
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R >>\ngarbage", id="junk"),
        pytest.param(b"%PDF-1.4\n", id="header only"),
    ],
)
def test_damaged_pdf_is_one_line(data: bytes) -> None:
    assert read_error(data, "方案.pdf") == (
        "The PDF is damaged and cannot be read: export it again and upload it again."
    )


def test_truncated_pdf_is_one_line(plan_pdf: bytes) -> None:
    assert read_error(plan_pdf[: len(plan_pdf) // 2], "方案.pdf") == (
        "The PDF is damaged and cannot be read: export it again and upload it again."
    )


# --- web pages ----------------------------------------------------------------------------

GOVERNMENT_PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>邢台市人民政府办公室关于印发邢台市标准化提升行动方案的通知_政府信息公开</title>
<script>var nav = "首页 > 政务公开";</script><style>.zoom { font-size: 16px }</style>
</head><body>
<div class="top"><nav><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 文件</nav></div>
<div class="xxgk">
<table class="meta">
<tr><td>索 引 号：</td><td>000014349/2024-00012</td><td>主题分类：</td><td>质量监督</td></tr>
<tr><td>发文机关：</td><td>邢台市人民政府办公室</td><td>成文日期：</td><td>2024年03月15日</td></tr>
<tr><td>标　　题：</td>
<td colspan="3">邢台市人民政府办公室关于印发邢台市标准化提升行动方案的通知</td></tr>
<tr><td>发文字号：</td><td>邢政办字〔2024〕5号</td><td>发布日期：</td><td>2024年03月20日</td></tr>
</table></div>
<div class="main">
<div id="zoom" class="zoom">
<p align="center"><strong>邢台市人民政府办公室<br>
关于印发邢台市标准化提升行动方案的通知</strong></p>
<p>各县（市、区）人民政府，市政府各部门：</p>
<p>　　现将《邢台市标准化提升行动方案》印发给你们，请认真贯彻落实。</p>
<p>&nbsp;</p>
<p align="center">邢台市标准化提升行动方案</p>
<p>　　三、重点任务</p>
<p>　　（一）完善标准体系</p>
<p>　　1.加强标准制定。围绕重点产业领域
   组织制定一批地方标准。（责任单位：市市场监管局）</p>
<div>附件</div>
<div>重点任务分工表</div>
<table border="1">
<tr><th>序号</th><th>任务</th><th>牵头单位</th><th>配合单位</th><th>完成时限</th></tr>
<tr><td colspan="5">一、完善标准体系</td></tr>
<tr><td>1</td><td>加强标准制定</td><td rowspan="2"><p>市市场</p><p>监管局</p></td>
<td>市财政局</td><td>2024年底前</td></tr>
<tr><td>2</td><td>推进标准实施</td><td>市工业和信息化局</td><td>2025年6月底前</td></tr>
</table>
</div></div>
<div class="share">分享到：微信 微博</div>
<footer>主办：邢台市人民政府办公室 网站标识码：1305000001 冀ICP备05003207号</footer>
</body></html>
"""


def test_government_page_gives_its_metadata_then_only_the_article() -> None:
    text = plan_text_from_file(GOVERNMENT_PAGE.encode("gb18030"), "index.htm")
    assert_contract(text)
    assert text.split("\n") == [
        "文号:邢政办字〔2024〕5号",
        "成文日期:2024年03月15日",
        "发文机关:邢台市人民政府办公室",
        "标题:邢台市人民政府办公室关于印发邢台市标准化提升行动方案的通知",
        "邢台市人民政府办公室",
        "关于印发邢台市标准化提升行动方案的通知",
        "各县（市、区）人民政府，市政府各部门：",
        "现将《邢台市标准化提升行动方案》印发给你们，请认真贯彻落实。",
        "邢台市标准化提升行动方案",
        "三、重点任务",
        "（一）完善标准体系",
        "1.加强标准制定。围绕重点产业领域 组织制定一批地方标准。（责任单位：市市场监管局）",
        "附件",
        "重点任务分工表",
        "",
        "序号\t任务\t牵头单位\t配合单位\t完成时限",
        "一、完善标准体系\t\t\t\t",
        "1\t加强标准制定\t市市场监管局\t市财政局\t2024年底前",
        "2\t推进标准实施\t\t市工业和信息化局\t2025年6月底前",
    ]


def test_page_without_a_known_container_gives_the_block_with_most_chinese() -> None:
    page = (
        "<html><head><meta charset='utf-8'></head><body>"
        "<div class='menu'><a>首页</a><a>新闻</a></div>"
        "<div class='left'><p>发文机关：邢台市人民政府</p></div>"
        "<div class='wrap'><div class='txt'><p>三、重点任务</p>"
        "<p>1.加强标准制定。（责任单位：市市场监管局）</p><p>2.推进标准实施。</p></div></div>"
        "<div class='right'>相关链接</div></body></html>"
    )
    text = plan_text_from_file(page.encode(), "page.html")
    assert text.split("\n") == [
        "发文机关:邢台市人民政府",
        "三、重点任务",
        "1.加强标准制定。（责任单位：市市场监管局）",
        "2.推进标准实施。",
    ]


def test_utf8_page_without_charset_is_read_by_its_suffix() -> None:
    page = "<div id='UCAP-CONTENT'><p>三、重点任务</p><p>1.加强标准制定。</p></div>"
    assert plan_text_from_file(page.encode(), "plan.HTML") == "三、重点任务\n1.加强标准制定。"


def test_page_without_text_is_refused() -> None:
    page = b"<!DOCTYPE html><html><body><script>var a = 1;</script></body></html>"
    assert read_error(page, "page.html") == "The file contains no text."


# --- .doc / .wps ------------------------------------------------------------------------------

OLE_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize("filename", ["方案.doc", "方案.wps", "方案"])
def test_doc_and_wps_need_libreoffice(monkeypatch: pytest.MonkeyPatch, filename: str) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert read_error(OLE_BYTES, filename) == (
        "Word 97-2003 (.doc) and WPS (.wps) files need LibreOffice on the server: "
        "save the plan as .docx or PDF and upload it again."
    )


def fake_office(tmp_path: Path, script: str) -> str:
    path = tmp_path / "soffice"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_doc_is_converted_by_libreoffice_then_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    converted = tmp_path / "converted.docx"
    converted.write_bytes(docx_bytes())
    # Stands in for `soffice --headless --convert-to docx --outdir OUT plan.doc`.
    office = fake_office(
        tmp_path,
        'while [ "$1" != "--outdir" ]; do shift; done\n'
        f'mkdir -p "$2" && cp "{converted}" "$2/plan.docx"\n',
    )
    monkeypatch.setattr(shutil, "which", lambda name: office if name == "soffice" else None)
    text = plan_text_from_file(OLE_BYTES, "方案.wps")
    assert text == plan_text_from_file(docx_bytes(), "方案.docx")


def test_failed_conversion_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    office = fake_office(tmp_path, "exit 1\n")
    monkeypatch.setattr(shutil, "which", lambda name: office if name == "libreoffice" else None)
    assert read_error(OLE_BYTES, "方案.doc") == (
        "The Word 97-2003 or WPS file could not be converted: "
        "save the plan as .docx or PDF and upload it again."
    )


# --- plain text and the rest ----------------------------------------------------------------


def test_gb18030_text_is_decoded_as_before() -> None:
    text = "三、重点任务\r\n1.加强标准制定。（责任单位：市市场监管局）\r\n"
    assert plan_text_from_file(text.encode("gb18030"), "方案.txt") == (
        "三、重点任务\n1.加强标准制定。（责任单位：市市场监管局）\n"
    )


def test_empty_file_is_refused_whatever_its_name() -> None:
    assert read_error(b"", "方案.pdf") == "The file is empty."


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == (".txt", ".html", ".htm", ".docx", ".pdf", ".doc", ".wps")


@pytest.mark.parametrize(
    ("head", "filename"),
    [
        (b"PK\x03\x04", "a.docx"),
        (b"%PDF-1.5\n", "a.pdf"),
        (b"\xd0\xcf\x11\xe0", "a.doc"),
        (b"<html>", "a.html"),
        (b"\xff\xfe\x00\x01\x02", "a.txt"),
    ],
)
def test_no_other_exception_escapes_for_junk(
    monkeypatch: pytest.MonkeyPatch, head: bytes, filename: str
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    for size in (0, 1, 7, 64, 300):
        data = head + bytes((index * 37 + size) % 256 for index in range(size))
        try:
            text = plan_text_from_file(data, filename)
        except PlanParseError as error:
            assert "\n" not in error.message
        else:
            assert_contract(text)
