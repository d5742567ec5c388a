"""A bulletin as HTML and PDF: the official-document base template, the sections of
`bulletins.content.gather` and the charts of `bulletins.charts`, made into a PDF by
documents.pdf like every official document.

`document_fields` are the parts the supervisor writes (or the issue gives: number,
date); with the gathered data they make the whole bulletin, and together they are
the snapshot an issued bulletin keeps, so its PDF can be rendered again identically.
"""

import datetime
from typing import Any

from django.template.loader import render_to_string

from bulletins.charts import all_charts
from bulletins.sections import LIGHT_WORDS, SCHEDULES
from documents.pdf import cn_date, html_to_pdf, split_list, working_group_context
from plans.models import cn_numeral

TEMPLATE_NAME = "bulletins/bulletin_pdf.html"
DRAFT_NUMBER = "第  期（草稿）"


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def document_fields(
    *,
    issuer: str,
    number_text: str,
    title: str,
    addressees: str,
    opening: str,
    closing: str,
    copy_to: str,
    issued_on: datetime.date | None,
) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "number_text": number_text or DRAFT_NUMBER,
        "title": title,
        "addressees": split_list(addressees),
        "opening": paragraphs(opening),
        "closing": paragraphs(closing),
        "cc": split_list(copy_to),
        "issued_on": issued_on.isoformat() if issued_on else None,
    }


def bulletin_context(data: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    issued_on = (
        datetime.date.fromisoformat(fields["issued_on"]) if fields.get("issued_on") else None
    )
    return {
        **working_group_context(
            issuer=fields["issuer"],
            doc_number=fields["number_text"],
            title=fields["title"],
            addressees=fields["addressees"],
            cc=fields["cc"],
            issued_on=issued_on,
        ),
        "data": data,
        "fields": fields,
        "charts": all_charts(data),
        **_tables(data),
    }


def _report_word(row: dict[str, Any]) -> str:
    if row["state"] == "missing":
        return "未报送"
    if row["state"] == "late":
        return f"逾期{row['late_days']}天"
    return "按期报送"


def _tables(data: dict[str, Any]) -> dict[str, Any]:
    """The rows of the bulletin's tables as display strings, in order."""
    overall = data["overall"]
    return {
        "period": data["round"]["period"],
        "deadline": cn_date(data["round"]["deadline"]),
        "as_of": cn_date(data["as_of"]),
        "schedule_counts": [(word, overall["schedule"].get(key, 0)) for key, word in SCHEDULES],
        "schedule_words": [word for _key, word in SCHEDULES],
        "category_rows": [
            [
                f"（{cn_numeral(row['number'])}）{row['title']}",
                row["tasks"],
                *(row["counts"].get(key, 0) for key, _word in SCHEDULES),
            ]
            for row in data["categories"]
        ],
        "unit_rows": [
            [
                number,
                row["unit"],
                row["tasks"],
                _report_word(row),
                row["returned"],
                LIGHT_WORDS.get(row["light"], ""),
            ]
            for number, row in enumerate(data["units"], start=1)
        ],
        "interview_rows": [
            [cn_date(row["held_on"]), row["unit"], row["interviewee"], row["reason"]]
            for row in data["interviews"]
        ],
        "commitment_rows": [
            [
                row["unit"],
                row["text"],
                cn_date(row["due_on"]),
                "已报完成" if row["reported"] else ("逾期" if row["overdue"] else "推进中"),
            ]
            for row in data["commitments"]
        ],
    }


def render_html(data: dict[str, Any], fields: dict[str, Any]) -> str:
    return render_to_string(TEMPLATE_NAME, bulletin_context(data, fields))


def preview_html(data: dict[str, Any], fields: dict[str, Any]) -> str:
    """The document's HTML as the PDF lays it out, with the official stylesheets
    linked: what the draft's page and the issued bulletin's page show in a frame."""
    return render_to_string(TEMPLATE_NAME, {**bulletin_context(data, fields), "preview": True})


def render_pdf(data: dict[str, Any], fields: dict[str, Any]) -> bytes:
    return html_to_pdf(render_html(data, fields))


def fields_of(bulletin: Any) -> dict[str, Any]:
    """The parts of a bulletins.models.Bulletin that are not ledger data."""
    return document_fields(
        issuer=bulletin.issuer,
        number_text=bulletin.number_text,
        title=bulletin.title,
        addressees=bulletin.addressees,
        opening=bulletin.opening,
        closing=bulletin.closing,
        copy_to=bulletin.copy_to,
        issued_on=bulletin.issued_on,
    )
