"""What the parser says about files and texts it cannot read: always a PlanParseError."""

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from plans.importer.parser import PlanParseError, decode_plan_bytes, parse_plan

REAL_PLAN = Path(__file__).resolve().parents[2] / "data" / "plans" / "xingtai-quality-2023-2027.txt"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    # The messages are checked in their English msgid form, whatever the .po says.
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def text() -> str:
    return REAL_PLAN.read_text(encoding="utf-8")


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def parse_error(text: str) -> PlanParseError:
    with pytest.raises(PlanParseError) as caught:
        parse_plan(text)
    assert_one_readable_line(caught.value)
    return caught.value


def decode_error(data: bytes) -> PlanParseError:
    with pytest.raises(PlanParseError) as caught:
        decode_plan_bytes(data)
    assert_one_readable_line(caught.value)
    return caught.value


def assert_one_readable_line(error: PlanParseError) -> None:
    assert error.message
    assert "\n" not in error.message
    assert str(error) == error.message


# --- decoding -------------------------------------------------------------------------------


def test_utf8_with_a_byte_order_mark_and_windows_newlines_decodes_to_plain_lines() -> None:
    data = "\ufeff三、重点任务\r\n1.加强标准制定。\r\n".encode()
    assert decode_plan_bytes(data) == "三、重点任务\n1.加强标准制定。\n"


def test_a_gb18030_text_decodes_when_it_is_not_utf8() -> None:
    text = "三、重点任务\n1.加强标准制定。(责任单位:市市场监管局)\n"
    assert decode_plan_bytes(text.encode("gb18030")) == text


def test_a_utf8_file_cut_inside_its_last_character_keeps_what_precedes_it() -> None:
    data = "1.加强标准".encode()[:-1]
    assert decode_plan_bytes(data) == "1.加强标"


def test_an_empty_file_is_refused() -> None:
    assert decode_error(b"").message == "The file is empty."


def test_a_file_of_blank_space_is_refused() -> None:
    error = decode_error(" \n\t\r\n\u3000".encode())
    assert "blank" in error.message


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"PK\x03\x04\x14\x00\x06\x00",  # a .docx is a zip file
        b"\x80\x80\x80\xff",  # neither UTF-8 nor GB18030
        "正文".encode() + bytes(range(1, 9)) * 4,  # mostly control characters
    ],
)
def test_binary_files_are_refused_as_not_plain_text(data: bytes) -> None:
    assert "not plain text" in decode_error(data).message


def test_the_real_plan_decodes_unchanged(text: str) -> None:
    assert decode_plan_bytes(REAL_PLAN.read_bytes()) == text


# --- texts that are not plans ---------------------------------------------------------------


def test_a_blank_text_is_refused_by_the_parser_too() -> None:
    assert parse_error(" \n\n").message == "The file is empty."


def test_a_news_article_has_no_recognisable_tasks() -> None:
    article = (
        "新华社北京4月17日电 记者从国家市场监督管理总局获悉，一季度全国新设经营主体增长3%。\n"
        "有关负责人表示，下一步将持续优化营商环境，激发经营主体活力。\n"
    )
    error = parse_error(article)
    assert "No tasks were found" in error.message
    assert error.line is None


def test_a_plan_cut_short_in_the_middle_of_task_fourteen_is_reported_as_truncated(
    text: str,
) -> None:
    cut = text[: text.index("加强涉农金融供给")]
    error = parse_error(cut)
    assert "task 14" in error.message
    assert "cut short" in error.message
    assert error.line == line_of(text, "14.提高生产服务专业化水平")


def test_a_plan_cut_inside_a_note_is_reported_as_an_unclosed_parenthesis(text: str) -> None:
    cut = text[: text.index("人行邢台市中心支行")]
    error = parse_error(cut)
    assert "unclosed parenthesis" in error.message
    assert "task 14" in error.message


def test_a_plan_cut_right_after_a_category_heading_is_truncated(text: str) -> None:
    cut = text[: text.index("14.提高生产服务专业化水平")]
    error = parse_error(cut)
    assert "cut short" in error.message
    assert error.line == line_of(text, "(五)推动服务质量提升。")


def test_a_task_without_any_note_is_reported_with_its_line(text: str) -> None:
    clause = "到2025年,消费投诉按期办结率达到95%。"
    broken = text.replace(clause + "(责任单位:市市场监管局)", clause)
    error = parse_error(broken)
    assert "Task 7" in error.message
    assert "no responsibility note" in error.message
    assert error.line == line_of(text, "7.强化质量发展利民惠民")


def test_a_gap_in_task_numbers_names_the_line(text: str) -> None:
    error = parse_error(text.replace("\n13.打造邢台建造精品工程", "\n14.打造邢台建造精品工程"))
    assert "Task 13 is missing" in error.message
    assert error.line == line_of(text, "13.打造邢台建造精品工程")


def test_a_repeated_task_number_names_the_line(text: str) -> None:
    error = parse_error(text.replace("\n13.打造邢台建造精品工程", "\n12.打造邢台建造精品工程"))
    assert "repeats" in error.message
    assert error.line == line_of(text, "13.打造邢台建造精品工程")


def test_numbers_are_the_documents_own_and_may_start_anywhere() -> None:
    plan = parse_plan(
        "三、重点任务\n40.加强标准制定。制定标准。(责任单位:市市场监管局)\n"
        "41.加强计量。开展计量。(责任单位:市市场监管局)\n"
    )
    assert [task.number for task in plan.tasks] == [40, 41]


def test_an_unclosed_parenthesis_inside_the_plan_names_its_line(text: str) -> None:
    note = "(责任单位:市市场监管局、市住房城乡建设局、市工业和信息化局)"
    error = parse_error(text.replace(note, note[:-1]))
    assert "never closed" in error.message
    assert error.line == line_of(text, "12.提升建材质量水平")


def test_a_note_naming_only_general_phrases_leaves_the_lead_to_be_assigned() -> None:
    plan = parse_plan("三、重点任务\n1.加强标准制定。制定标准。(各有关部门按职责分工负责)\n")
    assert plan.tasks[0].lead_unit == ""
    assert plan.tasks[0].vague == ["各有关部门"]


def test_messages_substitute_their_placeholders(text: str) -> None:
    error = parse_error(text.replace("\n13.打造邢台建造精品工程", "\n14.打造邢台建造精品工程"))
    assert "%(" not in error.message


# --- robustness -------------------------------------------------------------------------------


def test_random_slices_of_the_real_text_give_a_plan_or_a_parse_error(text: str) -> None:
    rng = random.Random(20230417)
    outcomes = {"plan": 0, "error": 0}
    for attempt in range(400):
        start = 0 if attempt % 3 == 0 else rng.randrange(len(text))
        end = len(text) if attempt % 5 == 0 else rng.randrange(start, len(text) + 1)
        piece = text[start:end]
        if attempt % 7 == 0:
            chars = list(piece)
            for _ in range(rng.randrange(1, 20)):
                if chars:
                    del chars[rng.randrange(len(chars))]
            piece = "".join(chars)
        try:
            parse_plan(piece)
            outcomes["plan"] += 1
        except PlanParseError as error:
            assert_one_readable_line(error)
            outcomes["error"] += 1
    assert outcomes["plan"] and outcomes["error"]


def test_random_bytes_and_byte_slices_give_text_or_a_parse_error(text: str) -> None:
    rng = random.Random(27)
    data = text.encode()
    for attempt in range(300):
        if attempt % 2:
            piece = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        else:
            start = rng.randrange(len(data))
            piece = data[start : rng.randrange(start, len(data) + 1)]
        try:
            parse_plan(decode_plan_bytes(piece))
        except PlanParseError as error:
            assert_one_readable_line(error)
