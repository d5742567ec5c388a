"""The plain data a parsed plan is made of, and the one error the parser raises.

Nothing here touches the database: the import service turns these values into models.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from plans.importer.deadlines import ParsedDeadline


class PlanParseError(Exception):
    """A plan text the parser cannot read; `message` is one translated, human-readable line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class UnitMention:
    """One unit name as written in a responsibility note (after normalize_unit_name)."""

    name: str
    line: int


@dataclass
class ParsedTarget:
    text: str
    indicator: str
    year: int | str | None
    comparator: str
    value: Decimal | None
    unit: str
    line: int

    def to_json_dict(self, *, with_indicator: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text}
        if with_indicator:
            data["indicator"] = self.indicator
        data.update(
            {
                "year": self.year,
                "comparator": self.comparator,
                "value": _json_number(self.value),
                "unit": self.unit,
            }
        )
        return data


@dataclass
class ParsedMeasure:
    text: str
    units: list[str]
    line: int
    targets: list[ParsedTarget] = field(default_factory=list)


@dataclass
class ParsedTask:
    number: int
    title: str
    line: int
    lead_unit: str
    co_units: list[tuple[str, bool]]
    measures: list[ParsedMeasure]
    targets: list[ParsedTarget]
    deadline: ParsedDeadline | None = None
    # Phrases such as 各有关单位 that stand where a unit should: to be assigned by a person.
    vague: list[str] = field(default_factory=list)


@dataclass
class ParsedCategory:
    number: int
    title: str
    line: int
    tasks: list[ParsedTask]
    label: str = ""  # the numbering as the text writes it: （一）, 一、; "" for an implied category
    subcategories: list[ParsedCategory] = field(default_factory=list)

    def all_tasks(self) -> list[ParsedTask]:
        return self.tasks + [task for sub in self.subcategories for task in sub.all_tasks()]


@dataclass
class ParsedPlan:
    title: str
    doc_number: str
    issuer: str
    issued_on: datetime.date | None
    targets: list[ParsedTarget]
    categories: list[ParsedCategory]
    unit_mentions: list[UnitMention]

    @property
    def tasks(self) -> list[ParsedTask]:
        """All tasks in text order, across categories."""
        return [task for category in self.categories for task in category.all_tasks()]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "doc_number": self.doc_number,
            "issuer": self.issuer,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "targets": [target.to_json_dict(with_indicator=True) for target in self.targets],
            "categories": [_category_json(category) for category in self.categories],
        }


def _category_json(category: ParsedCategory) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": category.number,
        "title": category.title,
        "tasks": [_task_json(task) for task in category.tasks],
    }
    if category.subcategories:
        data["subcategories"] = [_category_json(sub) for sub in category.subcategories]
    return data


def _task_json(task: ParsedTask) -> dict[str, Any]:
    return {
        "number": task.number,
        "title": task.title,
        "lead_unit": task.lead_unit,
        "co_units": [name for name, _ in task.co_units],
        "co_leads": [name for name, is_co_lead in task.co_units if is_co_lead],
        "measures": [{"text": m.text, "units": list(m.units)} for m in task.measures],
        "targets": [target.to_json_dict() for target in task.targets],
        "deadline": task.deadline.to_json_dict() if task.deadline else None,
        "vague": list(task.vague),
    }


def _json_number(value: Decimal | None) -> int | float | None:
    # JSON has no decimal type: integral values stay exact as int, the rest become floats.
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)
