"""A long document on the base template: several pages of body, every heading level,
a table that breaks across pages, a signature and a closing block."""

import datetime
from typing import Any

from documents.pdf import Heading, Table, official_context

# 28 characters, no digits or Latin letters: one full line of body text each.
LINE = "加快钢铁化工建材食品纺织等传统产业标准升级推动企业对标达"
assert len(LINE) == 28

TABLE_COLUMNS = ("序号", "单位", "任务数", "按期报送", "逾期")


def long_document_context() -> dict[str, Any]:
    opening = [LINE * 4 for _ in range(8)]
    rows = [(str(n), f"第{n}责任单位", "3", "2", "1") for n in range(1, 41)]
    return official_context(
        issuer="邢台市质量强市建设工作专班",
        doc_number="第3期",
        title="质量强市建设工作进展情况通报",
        addressees=["各县（市、区）政府", "市直有关部门"],
        body=[
            *opening,
            Heading(1, "一、总体进展"),
            Heading(2, "（一）任务推进情况"),
            Heading(3, "1．按期报送情况"),
            Heading(4, "（1）逾期情况"),
            LINE * 2,
            Table(columns=TABLE_COLUMNS, rows=rows, caption="各单位报送情况"),
            LINE * 3,
        ],
        cc=["市政府办公室", "市委督查室"],
        printed_by="邢台市质量强市建设工作专班办公室",
        signed_on=datetime.date(2026, 12, 10),
    )
