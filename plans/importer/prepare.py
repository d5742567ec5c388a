"""A plan file read and checked against the registry, with corrections applied: what an
import would write, and what the import page shows before anything is written. Reads only."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from departments.names import normalize_unit_name
from departments.selectors import unit_resolver
from plans.importer.corrections import ImportCorrections, apply_corrections, task_unit_names
from plans.importer.errors import PlanImportError
from plans.importer.parser import ParsedPlan, PlanParseError, parse_plan
from plans.importer.sources import plan_text_from_file


@dataclass
class PreparedPlan:
    """A plan read from its file with the corrections applied: what an import would write."""

    text: str
    parsed: ParsedPlan
    doc_number: str
    doc_number_generated: bool
    # Names no registry unit answers to, with the lines they are written on (or the task's).
    unknown: dict[str, list[int]]
    create: list[str]  # unknown names the supervisor chose to create
    problems: list[str]  # what must be settled before importing (translated lines)


def plan_prepare(
    *, data: bytes, source_name: str, corrections: ImportCorrections | None = None
) -> PreparedPlan:
    """Read a plan file, resolve its names and apply `corrections`; write nothing.

    Raises PlanImportError when the file cannot be read as a plan at all.
    """
    corrections = corrections or ImportCorrections()
    try:
        text = plan_text_from_file(data, source_name)
    except PlanParseError as exc:
        raise PlanImportError(exc.message) from exc
    resolver = unit_resolver()

    def canonical(name: str) -> str:
        unit = resolver.resolve(name)
        return unit.name if unit is not None else normalize_unit_name(name)

    try:
        parsed = parse_plan(text, canonical=canonical)
    except PlanParseError as exc:
        raise PlanImportError(exc.message) from exc
    problems = apply_corrections(parsed, corrections, canonical)
    lines: dict[str, list[int]] = {}
    for mention in parsed.unit_mentions:
        lines.setdefault(canonical(mention.name), []).append(mention.line)
    wanted = {normalize_unit_name(name) for name in corrections.create}
    unknown: dict[str, list[int]] = {}
    create: list[str] = []
    for task in parsed.tasks:
        for name in task_unit_names(task):
            if resolver.resolve(name) is not None:
                continue
            if normalize_unit_name(name) in wanted:
                if name not in create:
                    create.append(name)
                continue
            found = unknown.setdefault(name, [])
            for line in lines.get(name) or [task.line]:
                if line not in found:
                    found.append(line)
    if not parsed.title:
        parsed.title = Path(source_name).stem[:300]
    doc_number = corrections.doc_number or parsed.doc_number
    generated = not doc_number
    if generated:
        doc_number = _generated_doc_number(parsed, text)
    return PreparedPlan(text, parsed, doc_number, generated, unknown, create, problems)


def _generated_doc_number(parsed: ParsedPlan, text: str) -> str:
    """A stable key for a plan published without a 文号: the same plan gets the same key."""
    identity = "|".join(
        [parsed.title, parsed.issuer, parsed.issued_on.isoformat() if parsed.issued_on else ""]
    )
    digest = hashlib.sha256((identity if parsed.title else text).encode()).hexdigest()
    # Data, not interface text: the same key whatever language the importer runs in.
    return f"无文号-{digest[:8].upper()}"
