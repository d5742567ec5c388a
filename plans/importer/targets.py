"""Quantitative targets: "每年新增工业企业研发机构80家", "到2025年,消费投诉按期办结率达到95%".

Text is cut into sentences (。；) and phrases (，). A quantity (number + unit of
measure) states a target when it closes its phrase or an enumeration (、), and,
inside a task's clause, when something marks it as a goal: a year, a comparator
(以上, 不少于, 达到…), a verb of achievement (新增, 创建…) or a preceding target
of the same sentence. Amounts of money handed out (给予…万元资助) are not targets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from plans.importer.parsed import ParsedTarget
from plans.importer.textutil import WHITESPACE, Span, fold, split_top_level, strip_span

YEARLY = "每年"

_UNITS = (
    "个百分点|百分点|个工作日|%|‰|家次|户次|批次|家|项|个|件|张|条|座|所|名|人次|人|户|次|场|批|款|台|套|辆|吨|公里"
    "|千米|平方米|米|亩|公顷|千瓦|倍|处|种|类|篇|部|册|本|期|支|只|头|株|棵|工作日|天|小时"
)
_QUANTITY = re.compile(
    r"(?<![\d.])(?P<approx>约|大约)?(?P<number>\d+(?:\.\d+)?)\s*"
    rf"(?P<unit>万元|亿元|元|(?:万|亿)?(?:{_UNITS})|万|亿)"
    r"(?P<suffix>及以上|以上|以下|以内|左右)?"
)
_MONEY_UNITS = frozenset({"元", "万元", "亿元"})
_MULTIPLIERS = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}

_SUFFIX_COMPARATORS = {"及以上": ">=", "以上": ">=", "以下": "<=", "以内": "<=", "左右": "≈"}
_VERB_COMPARATORS: dict[str, str] = {
    **dict.fromkeys(
        (
            "不少于",
            "不低于",
            "至少",
            "达到",
            "达",
            "保持在",
            "稳定在",
            "提高到",
            "提升到",
            "提高至",
            "提升至",
            "增至",
            "增加到",
            "增加至",
            "突破",
        ),
        ">=",
    ),
    **dict.fromkeys(
        ("不超过", "不高于", "控制在", "降至", "降低到", "降低至", "压减到", "压减至", "压缩至"),
        "<=",
    ),
    **dict.fromkeys(("低于", "少于"), "<"),
    **dict.fromkeys(("超过", "高于", "多于", "大于"), ">"),
}
# Longest first, so that 不低于 is not read as 低于.
_VERB_AT_END = re.compile(
    "(?:分别)?(?P<verb>"
    + "|".join(sorted(map(re.escape, _VERB_COMPARATORS), key=len, reverse=True))
    + r")(?:约|为)?$"
)
_GOAL_VERB = re.compile(
    r"新增|增长|增加|建设|建成|创建|创成|争创|培育|实施|打造|帮扶|服务|认定|引进|完成|达|突破"
    r"|提高|提升|降低|减少|压减|压缩|扩大|培训|选树|覆盖"
)
_SUBSIDY = re.compile(r"给予|资助|奖励|补助|补贴|奖补|资金支持|扶持资金|最高不超过")

_YEAR = re.compile(r"(?:到|至|截至|截止到?)?\s*(?P<year>20\d{2})\s*年(?:底|末)?(?:前)?")
_YEARLY = re.compile(r"每年|年度|年均")
_TIME_ONLY = re.compile(
    r"^(?:(?:力争)?(?:到|至|截至|截止到?)?\s*20\d{2}\s*年(?:底|末)?(?:前)?|每年|年度|年均)$"
)
# Used with .match(text, pos), which anchors at pos; hence no "^".
_LEADING_TIME = re.compile(
    r"(?:(?:到|至|截至|截止到?)?\s*20\d{2}\s*年(?:底|末)?(?:前)?|每年|年度)[,\s]*"
)
_LEADING_PUSH = re.compile(r"(?:力争|确保|争取|努力|推动|实现)+")
_FULL_COVERAGE = re.compile(r"^(?P<indicator>.*?)(?:实现)?全覆盖$")
_QUALITATIVE = (
    re.compile(
        r"^(?P<indicator>[^,]+?)(?:显著|明显|稳步|大幅|持续|进一步|全面|不断)?"
        r"(?:提升|提高|增强|改善|增长|扩大|下降|降低)$"
    ),
    re.compile(
        r"^(?P<indicator>[^,]+?)(?:高于|超过|优于|好于|低于|达到)(?:全国|全省|全市)?(?:平均)?水平$"
    ),
)
_PUNCTUATION = WHITESPACE + ",、:;。"


@dataclass(frozen=True)
class _Quantity:
    span: Span  # absolute, in the text being read
    value: Decimal
    unit: str
    comparator: str | None  # from a suffix (以上) or 约; None when the phrase's verb decides


@dataclass
class _Sentence:
    """Reading state for one sentence: what gives years to its targets and what triggers them."""

    folded: str
    explicit_year: int | None
    yearly: bool
    has_target: bool = False


def clause_targets(text: str, line_at: Callable[[int], int]) -> list[ParsedTarget]:
    """Targets stated in one clause (measure) of a task; qualitative wishes are not targets here."""
    return _read(text, line_at, default_year=None, section=False)


def section_targets(paragraphs: list[tuple[int, str]]) -> list[ParsedTarget]:
    """Targets of the targets section, one paragraph (line) at a time.

    A paragraph that opens with a year ("2023年," / "到2025年,") gives it to its
    targets and to the paragraphs after it; a sentence without any number is a
    qualitative target (value None).
    """
    targets: list[ParsedTarget] = []
    year: int | None = None
    for line, text in paragraphs:
        opening = _YEAR.match(fold(text).lstrip(WHITESPACE))
        if opening:
            year = int(opening.group("year"))
        targets += _read(text, lambda _offset, line=line: line, default_year=year, section=True)
    return targets


def _read(
    text: str, line_at: Callable[[int], int], *, default_year: int | None, section: bool
) -> list[ParsedTarget]:
    folded = fold(text)
    targets: list[ParsedTarget] = []
    for sentence_span in split_top_level(folded, "。;!?"):
        sentence_span = strip_span(folded, sentence_span, _PUNCTUATION)
        if sentence_span.start >= sentence_span.end:
            continue
        sentence_folded = folded[sentence_span.start : sentence_span.end]
        year_match = _YEAR.search(sentence_folded)
        sentence = _Sentence(
            sentence_folded,
            int(year_match.group("year")) if year_match else default_year,
            bool(_YEARLY.search(sentence_folded)),
        )
        found = _sentence_targets(text, folded, sentence_span, sentence, line_at, section)
        if not found and section:
            found = [_qualitative(text, folded, sentence_span, sentence, line_at)]
        targets += found
    return targets


def _sentence_targets(
    text: str,
    folded: str,
    sentence_span: Span,
    sentence: _Sentence,
    line_at: Callable[[int], int],
    section: bool,
) -> list[ParsedTarget]:
    targets: list[ParsedTarget] = []
    time_prefix_start: int | None = None
    for phrase in split_top_level(sentence.folded, ",:"):
        phrase = strip_span(sentence.folded, phrase)
        phrase = Span(phrase.start + sentence_span.start, phrase.end + sentence_span.start)
        phrase_folded = folded[phrase.start : phrase.end]
        if not phrase_folded:
            continue
        if _TIME_ONLY.match(phrase_folded):
            # "到2025年," belongs to the text of the target that follows it.
            time_prefix_start = phrase.start if time_prefix_start is None else time_prefix_start
            continue
        start = phrase.start if time_prefix_start is None else time_prefix_start
        found = _phrase_targets(text, folded, phrase, start, sentence, line_at, section)
        targets += found
        sentence.has_target = sentence.has_target or bool(found)
        time_prefix_start = None
    return targets


def _phrase_targets(
    text: str,
    folded: str,
    phrase: Span,
    text_start: int,
    sentence: _Sentence,
    line_at: Callable[[int], int],
    section: bool,
) -> list[ParsedTarget]:
    phrase_folded = folded[phrase.start : phrase.end]
    if _SUBSIDY.search(phrase_folded):
        return []
    year = _year(phrase_folded, sentence)
    targets: list[ParsedTarget] = []
    cursor = phrase.start
    for run in _runs(folded, phrase, money_allowed=not _SUBSIDY.search(sentence.folded)):
        prefix = strip_span(folded, Span(cursor, run[0].span.start), _PUNCTUATION)
        prefix_folded = folded[prefix.start : prefix.end]
        verb = _VERB_AT_END.search(prefix_folded)
        triggered = (
            section
            or verb is not None
            or any(quantity.comparator for quantity in run)
            or _GOAL_VERB.search(prefix_folded) is not None
            or sentence.explicit_year is not None
            or sentence.yearly
            or sentence.has_target
        )
        if triggered:
            start = text_start if not targets else cursor
            stated = text[start : run[-1].span.end].strip(_PUNCTUATION)
            indicators = _indicators(text, prefix, verb, len(run))
            shared = next((q.comparator for q in reversed(run) if q.comparator), None)
            # A bare number in a plan ("每年新增…80家") is a quota to reach: the
            # supervisors count 85 as met, so it reads as "at least".
            default = _VERB_COMPARATORS[verb.group("verb")] if verb else ">="
            for quantity, indicator in zip(run, indicators, strict=True):
                comparator = quantity.comparator or shared or default
                targets.append(
                    ParsedTarget(
                        text=stated,
                        indicator=indicator,
                        year=year,
                        comparator=comparator,
                        value=quantity.value,
                        unit=quantity.unit,
                        line=line_at(start),
                    )
                )
            sentence.has_target = True
        cursor = run[-1].span.end
    if not targets and not _runs(folded, phrase, money_allowed=True):
        coverage = _FULL_COVERAGE.match(phrase_folded)
        if coverage:
            indicator = _clean_indicator(
                text[phrase.start : phrase.start + coverage.end("indicator")]
            )
            stated = text[text_start : phrase.end].strip(_PUNCTUATION)
            targets.append(
                ParsedTarget(stated, indicator, year, ">=", Decimal(100), "%", line_at(text_start))
            )
    return targets


def _runs(folded: str, phrase: Span, *, money_allowed: bool) -> list[list[_Quantity]]:
    """Quantities that close the phrase or an enumeration, grouped when only 、 separates them."""
    runs: list[list[_Quantity]] = []
    phrase_folded = folded[phrase.start : phrase.end]
    for match in _QUANTITY.finditer(phrase_folded):
        after = phrase_folded[match.end() :].strip(WHITESPACE)
        before = phrase_folded[: match.start()].rstrip(WHITESPACE)
        if after[:1] not in ("", "、") or before.endswith("第"):
            continue
        quantity = _quantity(match, phrase.start)
        if quantity is None or (quantity.unit in _MONEY_UNITS and not money_allowed):
            continue
        gap = phrase_folded[runs[-1][-1].span.end - phrase.start : match.start()] if runs else ""
        if runs and gap.strip(WHITESPACE) == "、":
            runs[-1].append(quantity)
        else:
            runs.append([quantity])
    return runs


def _quantity(match: re.Match[str], offset: int) -> _Quantity | None:
    try:
        value = Decimal(match.group("number"))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None
    unit = match.group("unit")
    if unit not in _MONEY_UNITS and unit[0] in _MULTIPLIERS:
        # "1万张" is ten thousand 张; money keeps 万元/亿元, the units plans count money in.
        value *= _MULTIPLIERS[unit[0]]
        unit = unit[1:]
    suffix = match.group("suffix")
    if suffix:
        comparator: str | None = _SUFFIX_COMPARATORS[suffix]
    elif match.group("approx"):
        comparator = "≈"
    else:
        comparator = None
    span = Span(offset + match.start(), offset + match.end())
    return _Quantity(span, value, unit, comparator)


def _indicators(text: str, prefix: Span, verb: re.Match[str] | None, count: int) -> list[str]:
    """What each quantity of a run measures; "A、B、C分别保持在x、y、z" names one per value."""
    head_end = prefix.start + (verb.start() if verb else prefix.end - prefix.start)
    head = text[prefix.start : head_end]
    if count > 1:
        names = _split_names(head)
        if len(names) == count:
            return names
    return [_clean_indicator(head)] * count


def _split_names(head: str) -> list[str]:
    folded = fold(head)
    return [_clean_indicator(head[span.start : span.end]) for span in split_top_level(folded, "、")]


def _clean_indicator(indicator: str) -> str:
    """The measured thing alone: without "到2025年", "每年", "力争" before it or "分别" after it."""
    folded = fold(indicator)
    span = strip_span(folded, Span(0, len(folded)), _PUNCTUATION)
    start, end = span.start, span.end
    while match := _LEADING_TIME.match(folded, start, end):
        start = match.end()
    if match := _LEADING_PUSH.match(folded, start, end):
        start = match.end()
    if folded[start:end].endswith("分别"):
        end -= len("分别")
    return indicator[start:end].strip(_PUNCTUATION)


def _year(phrase_folded: str, sentence: _Sentence) -> int | str | None:
    """The year written in the phrase or sentence (or the paragraph's), else 每年, else None."""
    match = _YEAR.search(phrase_folded)
    if match:
        return int(match.group("year"))
    if sentence.explicit_year is not None:
        return sentence.explicit_year
    if _YEARLY.search(phrase_folded) or sentence.yearly:
        return YEARLY
    return None


def _qualitative(
    text: str,
    folded: str,
    sentence_span: Span,
    sentence: _Sentence,
    line_at: Callable[[int], int],
) -> ParsedTarget:
    """A target without a number, e.g. "高新技术产业增加值占规模以上工业增加值比重显著提升"."""
    stated = text[sentence_span.start : sentence_span.end]
    body = sentence.folded
    offset = 0
    while match := _LEADING_TIME.match(body, offset):
        offset = match.end()
    body = body[offset:]
    indicator = ""
    for pattern in _QUALITATIVE:
        match = pattern.match(body)
        if match:
            start = sentence_span.start + offset
            indicator = text[start : start + match.end("indicator")].strip(_PUNCTUATION)
            break
    if re.search(r"高于|超过|优于|好于", body):
        comparator = ">"
    elif "低于" in body:
        comparator = "<"
    else:
        comparator = ">="
    year = _year("", sentence)
    return ParsedTarget(stated, indicator, year, comparator, None, "", line_at(sentence_span.start))
