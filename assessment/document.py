"""The assessment's results as an official document (通报) in PDF, laid out like the
bulletins: documents.pdf's official base, the issuing body's mark, the title, the
ranking table with grades, the scheme, then a short breakdown of each unit.

The wording is Chinese whatever the UI language: it is a Chinese official document.
"""

import datetime
import re
from collections import Counter
from typing import Any

from django.utils import timezone

from assessment.models import Assessment, Grade, Rule
from assessment.scoring import text
from assessment.selectors import ScoreRow, adjustments_of, ranking
from documents.pdf import (
    DEFAULT_ADDRESSEES,
    DEFAULT_CC,
    official_date,
    render_official_pdf,
    split_list,
    working_group_context,
)
from plans.models import Plan, cn_numeral

TEMPLATE_NAME = "assessment/assessment_pdf.html"

RULE_WORDS = {
    Rule.ON_TIME: "按时报送率",
    Rule.RETURNS: "报送质量",
    Rule.INDICATORS: "指标完成情况",
    Rule.TASKS: "任务按期完成",
    Rule.RED_LIGHTS: "预警红灯",
    Rule.NOTICES: "督办单",
    Rule.INTERVIEWS: "约谈",
}
GRADE_WORDS = {
    Grade.EXCELLENT: "优秀",
    Grade.GOOD: "良好",
    Grade.FAIR: "一般",
    Grade.POOR: "较差",
}
NOTE_WORDS = {
    "no_reports": "本年度无应报调度报告，得满分",
    "no_indicators": "本年度无承担年度目标的指标，得满分",
    "no_tasks": "本年度无到期牵头任务，得满分",
}


def heading_number(number: int) -> str:
    """（一）…（九十九）, then （一百）, （一百零一）, （一百一十）: a province's plan may
    name more than 99 units. Arabic numerals from 1000 on."""
    if number < 100:
        return cn_numeral(number)
    if number >= 1000:
        return str(number)
    hundreds, rest = divmod(number, 100)
    head = f"{cn_numeral(hundreds)}百"
    if rest == 0:
        return head
    if rest < 10:
        return f"{head}零{cn_numeral(rest)}"
    return f"{head}{'一' if rest < 20 else ''}{cn_numeral(rest)}"


def default_title(plan: Plan, year: int) -> str:
    """关于2026年度质量强市建设工作考核结果的通报, from the plan's title: the words before
    行动方案/实施方案, without the city its issuer names."""
    subject = re.split(r"(?:行动|实施|工作)?方案", plan.title, maxsplit=1)[0].strip() or plan.title
    city = re.match(r"^(.{1,6}?[市县区])", plan.issuer or "")
    if city and subject.startswith(city.group(1)) and len(subject) > len(city.group(1)):
        subject = subject[len(city.group(1)) :]
    return f"关于{year}年度{subject}工作考核结果的通报"


def rule_method(rule: str, weight: str, deduction: str) -> str:
    """How a criterion is scored, as the document states it."""
    if rule == Rule.ON_TIME:
        return f"按期报送次数÷应报送次数×{weight}分，未报送按未按期计"
    if rule == Rule.RETURNS:
        return f"调度报告事项每被退回1次扣{deduction}分，扣完为止"
    if rule == Rule.INDICATORS:
        return f"达到年度目标的指标数÷承担年度目标的指标数×{weight}分，未报送按未达标计"
    if rule == Rule.TASKS:
        return f"按期办结的牵头任务数÷年度到期牵头任务数×{weight}分"
    if rule == Rule.RED_LIGHTS:
        return f"每亮1次红灯扣{deduction}分，扣完为止"
    if rule == Rule.NOTICES:
        return f"每收到1份督办单扣{deduction}分，扣完为止"
    if rule == Rule.INTERVIEWS:
        return f"每被约谈1次扣{deduction}分，扣完为止"
    return ""


def criterion_words(criterion: dict[str, Any]) -> str:
    """A criterion's figures for one unit, short."""
    if criterion.get("note") in NOTE_WORDS:
        return NOTE_WORDS[criterion["note"]]
    counts = criterion["counts"]
    rule = criterion["rule"]
    if rule == Rule.ON_TIME:
        return (
            f"应报{counts['due']}次，按期{counts['good']}次，"
            f"逾期{counts['late']}次，未报{counts['missing']}次"
        )
    if rule == Rule.INDICATORS:
        return f"承担年度目标指标{counts['due']}项，达标{counts['good']}项"
    if rule == Rule.TASKS:
        return f"到期牵头任务{counts['due']}项，按期办结{counts['good']}项"
    count, each = counts.get("count", 0), criterion["deduction"]
    if not count:
        return "无"
    if rule == Rule.RETURNS:
        return f"被退回{count}次，每次扣{each}分"
    if rule == Rule.RED_LIGHTS:
        periods = "、".join(line["round"] for line in criterion["lines"])
        return f"亮红灯{count}次（{periods}），每次扣{each}分"
    if rule == Rule.NOTICES:
        numbers = "、".join(line["number"] for line in criterion["lines"])
        return f"收到督办单{count}份（{numbers}），每份扣{each}分"
    if rule == Rule.INTERVIEWS:
        return f"被约谈{count}次，每次扣{each}分"
    return ""


def _signed_on(assessment: Assessment) -> datetime.date:
    if assessment.published_at is not None:
        return timezone.localdate(assessment.published_at)
    return assessment.as_of or timezone.localdate()


def _number_text(assessment: Assessment) -> str:
    if assessment.status == Assessment.Status.PUBLISHED:
        return assessment.doc_number
    if assessment.status == Assessment.Status.PUBLICITY:
        return "（公示稿）"
    return "（草稿）"


def _opening(assessment: Assessment) -> list[str]:
    plan = assessment.plan
    basis = (
        f"根据《{plan.title}》（{plan.doc_number}）有关要求，工作专班对各责任单位"
        f"{assessment.year}年度工作推进情况进行了考核。"
    )
    if assessment.status == Assessment.Status.PUBLICITY:
        last = assessment.last_objection_day
        return [
            basis + "现将考核结果予以公示。",
            f"公示期间，各单位对本单位得分有异议的，请于{official_date(last)}前通过系统提出，"
            "并说明理由。",
        ]
    if assessment.status == Assessment.Status.PUBLISHED and assessment.publicised_at:
        publicised = official_date(timezone.localdate(assessment.publicised_at))
        return [basis + f"考核结果已于{publicised}起公示，现将考核结果通报如下："]
    return [basis + "现将考核结果通报如下："]


CLOSING = (
    "希望考核结果为优秀的单位再接再厉，其他单位对照考核中反映的问题，认真分析原因，"
    "明确整改措施，切实加快任务推进，确保各项目标任务按期完成。"
)


def _grade_rule(assessment: Assessment) -> str:
    excellent, good, fair = (
        text(assessment.excellent_from),
        text(assessment.good_from),
        text(assessment.fair_from),
    )
    return (
        f"总分{excellent}分及以上为优秀，{good}分及以上、不足{excellent}分为良好，"
        f"{fair}分及以上、不足{good}分为一般，不足{fair}分为较差。"
    )


def _unit_sections(rows: list[ScoreRow], adjustments: dict[int, list[Any]]) -> list[dict]:
    sharing = Counter(row.rank for row in rows)
    sections = []
    for number, row in enumerate(rows, start=1):
        lines = [
            [
                RULE_WORDS.get(c["rule"], c["rule"]),
                c["weight"],
                c["points"],
                criterion_words(c),
            ]
            for c in row.criteria
        ]
        for adjustment in adjustments.get(row.unit_id, []):
            kind = "加分" if adjustment.points > 0 else "减分"
            origin = "（异议复核）" if adjustment.objection_id else ""
            sign = "+" if adjustment.points > 0 else ""
            lines.append(
                [kind, "—", f"{sign}{text(adjustment.points)}", adjustment.reason + origin]
            )
        sections.append(
            {
                "heading": f"（{heading_number(number)}）{row.unit}",
                "summary": (
                    f"总分{text(row.total)}分，排名{'并列' if sharing[row.rank] > 1 else ''}"
                    f"第{row.rank}名，"
                    f"等次为{GRADE_WORDS.get(row.grade, row.grade)}。"
                ),
                "lines": lines,
            }
        )
    return sections


def pdf_context(assessment: Assessment) -> dict[str, Any]:
    rows = ranking(assessment)
    adjustments: dict[int, list[Any]] = {}
    for adjustment in adjustments_of(assessment):
        adjustments.setdefault(adjustment.unit_id, []).append(adjustment)
    grades = Counter(row.grade for row in rows)
    criteria = list(assessment.criteria.order_by("order"))
    return {
        **working_group_context(
            doc_number=_number_text(assessment),
            title=assessment.title,
            addressees=split_list(DEFAULT_ADDRESSEES),
            cc=split_list(DEFAULT_CC),
            issued_on=_signed_on(assessment),
        ),
        "opening": _opening(assessment),
        "closing": CLOSING if assessment.status != Assessment.Status.PUBLICITY else "",
        "year": assessment.year,
        "unit_count": len(rows),
        "grade_counts": [(GRADE_WORDS[g], grades.get(g, 0)) for g in Grade.values],
        "grade_rule": _grade_rule(assessment),
        "criteria_rows": [
            [
                n,
                RULE_WORDS.get(c.rule, c.rule),
                text(c.weight),
                rule_method(c.rule, text(c.weight), text(c.deduction)),
            ]
            for n, c in enumerate(criteria, start=1)
        ],
        "criteria_count": len(criteria),
        "ranking_rows": [
            [row.rank, row.unit, text(row.total), GRADE_WORDS.get(row.grade, row.grade)]
            for row in rows
        ],
        "units": _unit_sections(rows, adjustments),
    }


def render_pdf(assessment: Assessment) -> bytes:
    return render_official_pdf(template_name=TEMPLATE_NAME, context=pdf_context(assessment))
