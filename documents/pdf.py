"""Official documents (公文) as PDF: one renderer and the fields every document shares.

The format of GB/T 9704-2012 lives in `documents/static/documents/official.css` and
`templates/documents/official_base.html`; a document template extends the base and
fills its blocks, its view or service builds the context with `official_context`
(`working_group_context` for what the working group issues) and calls
`render_official_pdf`. Every official document (bulletins, 督办单, the assessment's
results) goes through `html_to_pdf`, which loads the fonts and the stylesheet once.
"""

import atexit
import datetime
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

STYLESHEET = Path(__file__).resolve().parent / "static" / "documents" / "official.css"

# The text block is 156 mm wide: 442.2 pt.
TEXT_BLOCK_WIDTH_PT = 156 / 25.4 * 72
# The issuing body's mark: as large as 42 pt, smaller when the name is long.
ISSUER_MAX_FONT_SIZE_PT = 42.0
# The date (成文日期) stands four characters in from the right margin.
DATE_RIGHT_INDENT_EM = 4.0
# Who the working group's documents usually go to (主送) and are copied to (抄送).
DEFAULT_ADDRESSEES = "各县（市、区）政府，市直有关部门"
DEFAULT_CC = "市委办公室，市人大常委会办公室，市政府办公室，市政协办公室"


def text_width_em(text: str) -> float:
    """The width of `text` in ems as a CJK font sets it: full-width characters take
    one em, Latin letters and digits about half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5 for ch in text)


def cn_date(day: datetime.date | str | None) -> str:
    """A date as official documents write it: Arabic numerals, no leading zeros
    (2026年10月22日). Takes a date, a datetime (its local day) or an ISO date string
    (as snapshots keep them); "" for None or "". Screens may show ISO dates; every
    official document writes its dates through this (or the `cn_date` filter of
    documents/templatetags/official_text.py)."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day[:10])
    elif isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return f"{day.year}年{day.month}月{day.day}日"


official_date = cn_date

_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def cn_dates_in(text: str) -> str:
    """`text` with every ISO date in it written the official way: the reasons of a
    light, kept as the sweep wrote them ("2026-10-22约谈第1项整改承诺逾期26天"), read
    "2026年10月22日约谈…" in a document."""
    return _ISO_DATE.sub(
        lambda m: f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日", text or ""
    )


def split_list(text: str) -> list[str]:
    """Addressees or copy-to, one per line or separated by commas (，、,)."""
    for separator in ("，", "、", ",", "\r"):
        text = text.replace(separator, "\n")
    return [part.strip() for part in text.split("\n") if part.strip()]


def doc_number(*, prefix: str, year: int, serial: int) -> str:
    """The document number (发文字号): `督办〔2026〕3号`."""
    return f"{prefix}〔{year}〕{serial}号"


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str = field(default="paragraph", init=False)


@dataclass(frozen=True)
class Heading:
    """A heading inside the body: level 1 `一、` (黑体), 2 `（一）` (楷体), 3 `1.` (仿宋
    bold), 4 `（1）` (仿宋). The text carries its own number."""

    level: int
    text: str
    kind: str = field(default="heading", init=False)

    def __post_init__(self) -> None:
        if self.level not in (1, 2, 3, 4):
            raise ValueError(f"A heading level is 1 to 4, not {self.level}.")


@dataclass(frozen=True)
class Table:
    """A table that breaks across pages with its header row repeated."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str = ""
    kind: str = field(default="table", init=False)


Block = Paragraph | Heading | Table


@dataclass(frozen=True)
class OfficialDocument:
    """The header (版头), title, addressees, signature and closing block (版记) of an
    official document; `body` is what the base template prints when a document
    template does not fill the body block itself."""

    issuer: str
    doc_number: str
    title: str
    addressees: Sequence[str] = ()
    body: Sequence[Block | str] = ()
    cc: Sequence[str] = ()
    # 印发机关 and 印发日期; the issuer and the signature date when not given.
    printed_by: str = ""
    printed_on: datetime.date | None = None
    # 发文机关署名 and 成文日期; the issuer and no signature when not given.
    signed_by: str = ""
    signed_on: datetime.date | None = None

    @property
    def blocks(self) -> list[Block]:
        return [Paragraph(item) if isinstance(item, str) else item for item in self.body]

    @property
    def addressee_line(self) -> str:
        """主送机关: the units separated by 、, ending in a full-width colon."""
        return "、".join(self.addressees) + "：" if self.addressees else ""

    @property
    def cc_line(self) -> str:
        """抄送机关: separated by full-width commas, a full stop after the last."""
        return "，".join(self.cc) + "。" if self.cc else ""

    @property
    def signer(self) -> str:
        return self.signed_by or self.issuer

    @property
    def signed_on_text(self) -> str:
        return official_date(self.signed_on)

    @property
    def printer(self) -> str:
        return self.printed_by or self.issuer

    @property
    def printed_on_text(self) -> str:
        printed_on = self.printed_on or self.signed_on
        return f"{official_date(printed_on)}印发" if printed_on else ""

    @property
    def issuer_font_size(self) -> float:
        """The mark's size in points: the largest up to 42 pt that keeps the name on one
        line of the text block."""
        width = max(text_width_em(self.issuer), 1.0)
        return round(min(ISSUER_MAX_FONT_SIZE_PT, 0.97 * TEXT_BLOCK_WIDTH_PT / width), 1)

    @property
    def signature_right_em(self) -> float:
        """The signature block's right padding in ems: the date four characters in from
        the right, the issuer centred above it; a long issuer pushes the date further
        in rather than out of the text block."""
        overhang = max(0.0, (text_width_em(self.signer) - text_width_em(self.signed_on_text)) / 2)
        return max(0.0, DATE_RIGHT_INDENT_EM - overhang)


def official_context(**fields: Any) -> dict[str, Any]:
    """The template context of an official document: `{"doc": OfficialDocument(...)}`.

    A document template adds its own keys: `{**official_context(...), "items": ...}`.
    """
    return {"doc": OfficialDocument(**fields)}


def working_group_context(
    *,
    doc_number: str,
    title: str,
    issued_on: datetime.date | None,
    addressees: Sequence[str] = (),
    cc: Sequence[str] = (),
    issuer: str = "",
) -> dict[str, Any]:
    """`official_context` of a document the working group issues: the issuer is
    settings.WORKING_GROUP_NAME unless given, its office (办公室) prints it, and it is
    signed and printed on the day of issue (no date on a draft)."""
    issuer = issuer or settings.WORKING_GROUP_NAME
    return official_context(
        issuer=issuer,
        doc_number=doc_number,
        title=title,
        addressees=list(addressees),
        cc=list(cc),
        printed_by=f"{issuer}办公室",
        printed_on=issued_on,
        signed_on=issued_on,
    )


_local = threading.local()


@atexit.register
def _forget_weasyprint() -> None:
    """Drop this thread's fonts before the interpreter tears its modules down: the
    stylesheet's @font-face (the title face) gives the FontConfiguration a temporary
    folder, which its __del__ removes with functions that are gone by then."""
    _local.__dict__.pop("weasyprint", None)


def _weasyprint() -> tuple[Any, Any, Any]:
    """This thread's (URL fetcher, FontConfiguration, parsed official stylesheet), made
    on first use: loading fontconfig's configuration and parsing the stylesheet cost
    more than laying out a short document, and documents are rendered often (each
    draft bulletin's PDF). Per thread, as WeasyPrint's and Pango's objects are not
    shared across threads (one per process for a worker with one thread).

    Only local files and data: URLs are fetched: the deployment networks are closed.
    The faces are named in the stylesheet and found by fontconfig (the Fandol faces
    where the licensed ones are missing; documents.checks warns without them).
    """
    cached = getattr(_local, "weasyprint", None)
    if cached is None:
        # Imported here: WeasyPrint loads Pango and fontconfig, which the rest of the
        # project (and every management command) has no need to wait for.
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        fetcher = URLFetcher(allowed_protocols={"file", "data"})
        font_config = FontConfiguration()
        stylesheet = CSS(filename=str(STYLESHEET), url_fetcher=fetcher, font_config=font_config)
        cached = _local.weasyprint = (fetcher, font_config, stylesheet)
    return cached


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """An official document's HTML (a template extending `documents/official_base.html`)
    as PDF bytes with the official stylesheet.

    Relative URLs resolve against `base_url`, the project directory by default. Fonts
    come from fontconfig by family name and are embedded as subsets.
    """
    from weasyprint import HTML

    fetcher, font_config, stylesheet = _weasyprint()
    document = HTML(
        string=html,
        base_url=base_url or f"{Path(settings.BASE_DIR).as_uri()}/",
        url_fetcher=fetcher,
    )
    return document.write_pdf(stylesheets=[stylesheet], font_config=font_config)


WARM_UP_TEMPLATE = "documents/official_base.html"


def warm_up() -> None:
    """Make this thread's WeasyPrint objects (`_weasyprint`) and have Pango load every
    face of the official stylesheet, by rendering a short document that uses each:
    the issuer and title (小标宋), headings of the four levels (黑体, 楷体, 仿宋),
    body text, a table and the closing block. The first real document of a process
    then costs what the second does (the first 督办单 took about a second more)."""
    day = datetime.date(2026, 1, 1)
    context = official_context(
        issuer="工作专班",
        doc_number=doc_number(prefix="督办", year=day.year, serial=1),
        title="关于督促办理逾期事项的通知",
        addressees=["各县（市、区）政府"],
        body=[
            Heading(1, "一、总体情况"),
            Heading(2, "（一）进展"),
            Heading(3, "1. 工作任务"),
            Heading(4, "（1）具体事项"),
            "正文仿宋：截至2026年12月31日，完成85%。ABC abc 0123456789",
            Table(
                columns=["序号", "单位", "得分"], rows=[[1, "市场监管局", "95.5"]], caption="表1"
            ),
        ],
        cc=["市政府办公室"],
        printed_on=day,
        signed_on=day,
    )
    render_official_pdf(template_name=WARM_UP_TEMPLATE, context=context)


def render_official_pdf(
    *, template_name: str, context: dict[str, Any], base_url: str | None = None
) -> bytes:
    """Render a template that extends `documents/official_base.html` to PDF bytes (see
    `html_to_pdf`)."""
    return html_to_pdf(render_to_string(template_name, context), base_url=base_url)
