"""The supervision notice (督办单): one page telling a unit which items are overdue."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from documents.pdf import doc_number, render_official_pdf, working_group_context

TEMPLATE_NAME = "documents/supervision_notice.html"
DEFAULT_TITLE = "关于督促办理逾期事项的通知"
DEFAULT_CC = ("市政府办公室",)


@dataclass(frozen=True)
class OverdueItem:
    """One overdue item: the task's number and title in the plan, and why it is
    overdue, as a clause without closing punctuation ("2026年第四季度调度报告逾期5天")."""

    task_number: int | str
    task_title: str
    reason: str


def supervision_notice_context(
    *,
    unit: str,
    serial: int,
    items: Sequence[OverdueItem],
    issued_on: datetime.date,
    reply_by: datetime.date,
    as_of: datetime.date | None = None,
    plan_title: str = "",
    cc: Sequence[str] = DEFAULT_CC,
    contact: str = "",
    title: str = DEFAULT_TITLE,
    issuer: str = "",
) -> dict[str, Any]:
    """The context of `documents/supervision_notice.html`.

    The issuer is settings.WORKING_GROUP_NAME unless given; the number is
    督办〔<year issued>〕<serial>号; `as_of` (the day the items were found overdue)
    defaults to the day of issue.
    """
    return {
        **working_group_context(
            issuer=issuer,
            doc_number=doc_number(prefix="督办", year=issued_on.year, serial=serial),
            title=title,
            addressees=[unit],
            cc=cc,
            issued_on=issued_on,
        ),
        "items": list(items),
        "as_of": as_of or issued_on,
        "reply_by": reply_by,
        "plan_title": plan_title,
        "contact": contact,
    }


def render_supervision_notice(**kwargs: Any) -> bytes:
    """The notice as PDF bytes; the arguments are those of supervision_notice_context."""
    return render_official_pdf(
        template_name=TEMPLATE_NAME, context=supervision_notice_context(**kwargs)
    )


def sample_supervision_notice_context() -> dict[str, Any]:
    """A realistic notice for the self-test command and the tests."""
    return supervision_notice_context(
        unit="市工业和信息化局",
        serial=3,
        items=[
            OverdueItem(4, "支持产业基础质量建设", "2026年第四季度调度报告逾期5天"),
            OverdueItem(8, "推动制造业产品提质升级", "2026年第四季度调度报告逾期5天"),
            OverdueItem(17, "发挥企业质量主体作用", "年度工作计划经退回后逾期12天未重新报送"),
        ],
        issued_on=datetime.date(2026, 12, 10),
        reply_by=datetime.date(2026, 12, 20),
        plan_title="邢台市质量强市建设行动方案（2023—2027年）",
        cc=["市政府办公室", "市市场监管局"],
        contact="联系人：王明，电话：0319-2222222",
    )
