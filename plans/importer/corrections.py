"""What a supervisor corrects in a parsed plan before importing it, and its application.

The import page and `import_plan --corrections FILE.json` take the same corrections,
so a plan imported through the page is exactly what the command gives:

    {
      "doc_number": "",                              # the plan's number, when the text has none
      "names": {"市质监局": "市市场监管局"},          # a name as written -> a registry unit
      "create": ["市数据和政务服务局"],              # names to create as new units
      "tasks": {"3": {"lead": "市科技局",            # by position in the plan, from 1
                      "co_units": ["市财政局", "各有关单位"],
                      "deadline": "2024年6月底前"}}
    }
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from departments.names import normalize_unit_name
from plans.importer.deadlines import read_deadline
from plans.importer.notes import is_vague
from plans.importer.parsed import ParsedPlan, ParsedTask


class CorrectionsError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class TaskCorrection:
    lead: str | None = None
    co_units: list[str] | None = None
    deadline: str | None = None  # as written; "" clears it

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.lead is not None:
            data["lead"] = self.lead
        if self.co_units is not None:
            data["co_units"] = list(self.co_units)
        if self.deadline is not None:
            data["deadline"] = self.deadline
        return data


@dataclass
class ImportCorrections:
    doc_number: str = ""
    names: dict[str, str] = field(default_factory=dict)
    create: list[str] = field(default_factory=list)
    tasks: dict[int, TaskCorrection] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> ImportCorrections:
        """Read corrections from parsed JSON; a wrong shape is one clear line."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise CorrectionsError(_("The corrections must be a JSON object."))
        try:
            tasks = {}
            for key, value in (data.get("tasks") or {}).items():
                if not isinstance(value, dict):
                    raise TypeError
                co_units = value.get("co_units")
                tasks[int(key)] = TaskCorrection(
                    lead=_optional_text(value.get("lead")),
                    co_units=[str(name) for name in co_units] if co_units is not None else None,
                    deadline=_optional_text(value.get("deadline")),
                )
            return cls(
                doc_number=str(data.get("doc_number") or "").strip(),
                names={str(k): str(v) for k, v in (data.get("names") or {}).items()},
                create=[str(name) for name in data.get("create") or []],
                tasks=tasks,
            )
        except (TypeError, ValueError, AttributeError) as exc:
            raise CorrectionsError(
                _(
                    "The corrections are not in the expected form: doc_number, names, create "
                    "and tasks (by position) with lead, co_units and deadline."
                )
            ) from exc

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_number": self.doc_number,
            "names": dict(self.names),
            "create": list(self.create),
            "tasks": {
                str(position): correction.to_json()
                for position, correction in sorted(self.tasks.items())
                if correction.to_json()
            },
        }


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value).strip()


def apply_corrections(
    parsed: ParsedPlan, corrections: ImportCorrections, canonical: Callable[[str], str]
) -> list[str]:
    """Apply `corrections` to `parsed` in place; return the problems they leave (translated).

    `canonical` maps a name to the registry's spelling (or the name, normalised).
    """
    renames = {
        normalize_unit_name(written): canonical(target)
        for written, target in corrections.names.items()
        if target.strip()
    }

    def rename(name: str) -> str:
        return renames.get(normalize_unit_name(name), name)

    problems: list[str] = []
    for position, task in enumerate(parsed.tasks, start=1):
        _rename_units(task, rename)
        correction = corrections.tasks.get(position)
        if correction is not None:
            problems += _correct_task(task, correction, canonical, rename)
        if not task.lead_unit:
            problems.append(
                _(
                    "Task %(number)s (line %(line)s) names no particular lead unit%(vague)s: "
                    "choose its lead."
                )
                % {
                    "number": task.number,
                    "line": task.line,
                    "vague": f"（{'、'.join(task.vague)}）" if task.vague else "",
                }
            )
    return problems


def _rename_units(task: ParsedTask, rename: Callable[[str], str]) -> None:
    task.lead_unit = rename(task.lead_unit) if task.lead_unit else ""
    task.co_units = _dedupe_co_units(
        [(rename(name), co_lead) for name, co_lead in task.co_units], task.lead_unit
    )
    for measure in task.measures:
        measure.units = list(dict.fromkeys(rename(name) for name in measure.units))


def _dedupe_co_units(co_units: list[tuple[str, bool]], lead: str) -> list[tuple[str, bool]]:
    seen: set[str] = set()
    kept = []
    for name, co_lead in co_units:
        if name != lead and name not in seen:
            seen.add(name)
            kept.append((name, co_lead))
    return kept


def _correct_task(
    task: ParsedTask,
    correction: TaskCorrection,
    canonical: Callable[[str], str],
    rename: Callable[[str], str],
) -> list[str]:
    problems = []
    if correction.lead is not None and correction.lead.strip():
        lead = normalize_unit_name(correction.lead)
        if is_vague(lead):
            problems.append(
                _("“%(name)s” names no particular unit and cannot lead task %(number)s.")
                % {"name": correction.lead, "number": task.number}
            )
        else:
            old, task.lead_unit = task.lead_unit, rename(canonical(lead))
            # The clauses the old lead was named on are the new lead's: it was misread.
            for measure in task.measures:
                measure.units = list(
                    dict.fromkeys(task.lead_unit if name == old else name for name in measure.units)
                )
    elif correction.lead is not None:
        task.lead_unit = ""
    if correction.co_units is not None:
        co_leads = {name for name, co_lead in task.co_units if co_lead}
        co_units, vague = [], []
        for written in correction.co_units:
            name = normalize_unit_name(written)
            if not name:
                continue
            if is_vague(name):
                vague.append(name)
            else:
                resolved = rename(canonical(name))
                co_units.append((resolved, resolved in co_leads))
        task.co_units = co_units
        task.vague = list(dict.fromkeys(vague))
    task.co_units = _dedupe_co_units(task.co_units, task.lead_unit)
    # A clause names only units still on the task: a name taken off is off everywhere.
    on_task = {task.lead_unit, *(name for name, _co_lead in task.co_units)}
    for measure in task.measures:
        measure.units = [name for name in measure.units if name in on_task]
    if correction.deadline is not None:
        if not correction.deadline:
            task.deadline = None
        elif (deadline := read_deadline(correction.deadline)) is not None:
            task.deadline = deadline
        else:
            problems.append(
                _(
                    "The deadline “%(text)s” of task %(number)s cannot be read: write a date "
                    "such as 2024年6月底前 or 2024-06-30, or 长期坚持."
                )
                % {"text": correction.deadline, "number": task.number}
            )
    return problems


def task_unit_names(task: ParsedTask) -> list[str]:
    """Every unit name a task uses, lead first, in the order they appear."""
    names = [task.lead_unit] if task.lead_unit else []
    names += [name for name, _co_lead in task.co_units]
    for measure in task.measures:
        names += measure.units
    return list(dict.fromkeys(names))
