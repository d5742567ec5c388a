"""What the import page shows before anything is written: the plan as it would be imported,
with every name the registry does not know, every vague responsibility and every problem."""

from __future__ import annotations

from dataclasses import dataclass, field

from departments.selectors import UnitResolver, unit_resolver
from plans.importer.corrections import ImportCorrections
from plans.importer.deadlines import ParsedDeadline
from plans.importer.parsed import ParsedCategory, ParsedTask
from plans.importer.prepare import PreparedPlan, plan_prepare

KNOWN, NEW, UNKNOWN = "known", "new", "unknown"


@dataclass(frozen=True)
class NameCheck:
    name: str
    status: str  # KNOWN (a registry unit), NEW (to be created), UNKNOWN (to settle)
    suggestions: tuple[str, ...] = ()
    lines: tuple[int, ...] = ()


@dataclass
class TaskReview:
    position: int  # 1-based, in text order: what corrections are keyed by
    task: ParsedTask
    category: str  # 一、… / （一）… as the plan heads it
    lead: NameCheck | None
    co_units: list[NameCheck]
    vague: list[str]
    deadline: ParsedDeadline | None

    @property
    def needs_attention(self) -> bool:
        return (
            self.lead is None
            or self.lead.status == UNKNOWN
            or bool(self.vague)
            or any(check.status == UNKNOWN for check in self.co_units)
        )


@dataclass
class PlanReview:
    prepared: PreparedPlan
    tasks: list[TaskReview]
    unknown: list[NameCheck]
    problems: list[str]
    unit_names: list[str] = field(default_factory=list)  # the registry, for choosing

    @property
    def parsed(self):
        return self.prepared.parsed

    @property
    def vague_count(self) -> int:
        return sum(1 for review in self.tasks if review.vague)

    @property
    def attention_count(self) -> int:
        return sum(1 for review in self.tasks if review.needs_attention)

    @property
    def ready(self) -> bool:
        return not self.problems and not self.unknown


def plan_review(
    *, data: bytes, source_name: str, corrections: ImportCorrections | None = None
) -> PlanReview:
    """The plan in `data` as importing it with `corrections` would write it (writes nothing).

    Raises PlanImportError when the file cannot be read as a plan at all.
    """
    prepared = plan_prepare(data=data, source_name=source_name, corrections=corrections)
    resolver = unit_resolver()
    created = set(prepared.create)

    def check(name: str) -> NameCheck:
        if resolver.resolve(name) is not None:
            return NameCheck(name, KNOWN)
        if name in created:
            return NameCheck(name, NEW)
        return NameCheck(
            name,
            UNKNOWN,
            _suggestions(resolver, name),
            tuple(prepared.unknown.get(name, ())),
        )

    reviews = []
    position = 0
    for heading, task in _tasks_with_headings(prepared.parsed.categories):
        position += 1
        reviews.append(
            TaskReview(
                position=position,
                task=task,
                category=heading,
                lead=check(task.lead_unit) if task.lead_unit else None,
                co_units=[check(name) for name, _co_lead in task.co_units],
                vague=list(task.vague),
                deadline=task.deadline,
            )
        )
    unknown = [check(name) for name in prepared.unknown]
    return PlanReview(prepared, reviews, unknown, list(prepared.problems), resolver.names())


def _suggestions(resolver: UnitResolver, name: str) -> tuple[str, ...]:
    return tuple(unit.name for unit in resolver.suggestions(name))


def _tasks_with_headings(
    categories: list[ParsedCategory], above: str = ""
) -> list[tuple[str, ParsedTask]]:
    found = []
    for category in categories:
        heading = f"{category.label}{category.title}"
        path = f"{above} / {heading}" if above else heading
        found += [(path, task) for task in category.tasks]
        found += _tasks_with_headings(category.subcategories, path)
    return found


__all__ = ["KNOWN", "NEW", "UNKNOWN", "NameCheck", "PlanReview", "TaskReview", "plan_review"]
