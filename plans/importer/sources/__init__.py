"""Read an uploaded plan file (.txt, web page, .docx, .pdf, .doc, .wps) into plain text.

Pure: bytes in, text out, no database. The text is what `parser.parse_plan` reads:
one paragraph per line, "\\n" newlines; a table is one line per row with its cells
joined by "\\t" (always the table's full column count; a merged cell's text in its
first column, "" in the columns and rows it covers) and a blank line before and after
it, in document order among the paragraphs. Every problem is a `PlanParseError`
carrying one translated line; no other exception escapes for any input.
"""

from __future__ import annotations

from django.utils.translation import gettext

from plans.importer.parsed import PlanParseError
from plans.importer.parser import decode_plan_bytes
from plans.importer.sources.layout import Block, render
from plans.importer.sources.legacy import conversion_error, office_to_docx
from plans.importer.sources.pdf import damaged_error, pdf_blocks
from plans.importer.sources.webpage import html_blocks
from plans.importer.sources.word import docx_blocks

__all__ = ["SUPPORTED_SUFFIXES", "plan_text_from_file"]

SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".docx", ".pdf", ".doc", ".wps")

_OLE = b"\xd0\xcf\x11\xe0"


def plan_text_from_file(data: bytes, filename: str) -> str:
    """The plan's text, read by the file's content first and its name's suffix second."""
    if not data:
        return decode_plan_bytes(data)  # "The file is empty."
    kind = _kind(data, _suffix(filename))
    if kind == "text":
        return decode_plan_bytes(data)
    try:
        blocks = _blocks(kind, data)
    except PlanParseError:
        raise
    except Exception as error:  # any library failure on a damaged file: one line
        raise _damaged(kind) from error
    return render(blocks)


def _suffix(filename: str) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _kind(data: bytes, suffix: str) -> str:
    head = data[:1024]
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n\x00").startswith(b"%PDF") or b"%PDF-" in head:
        return "pdf"
    if head.startswith(_OLE):
        return "office"
    lowered = head.lower()
    if b"<html" in lowered or b"<!doctype html" in lowered:
        return "html"
    return {
        ".docx": "docx",
        ".pdf": "pdf",
        ".doc": "office",
        ".wps": "office",
        ".html": "html",
        ".htm": "html",
    }.get(suffix, "text")


def _blocks(kind: str, data: bytes) -> list[Block]:
    if kind == "docx":
        return docx_blocks(data)
    if kind == "pdf":
        return pdf_blocks(data)
    if kind == "html":
        return html_blocks(data)
    converted = office_to_docx(data)
    try:
        return docx_blocks(converted)
    except Exception as error:
        raise conversion_error() from error


def _damaged(kind: str) -> PlanParseError:
    if kind == "pdf":
        return damaged_error()
    if kind == "office":
        return conversion_error()
    if kind == "html":
        return PlanParseError(
            gettext("The web page cannot be read: save it again from the browser and upload it.")
        )
    return PlanParseError(
        gettext(
            "The Word file is damaged or is not a .docx file: "
            "open it in Word, save it as .docx and upload it again."
        )
    )
