"""The import page's staging: a plan file uploaded and corrected before it is imported.

Nothing of the plan is written here; `plans.importer.service.plan_import` does that
once the supervisor confirms. The corrections kept are only what differs from the
plan as parsed, so that `import_plan --corrections` given the same JSON gives the same plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from audit.services import audit_record
from departments.models import User
from departments.names import normalize_unit_name
from departments.selectors import UnitResolver
from plans.importer.corrections import ImportCorrections, TaskCorrection, task_unit_names
from plans.importer.notes import read_unit_list
from plans.importer.review import UNKNOWN, PlanReview, TaskReview
from plans.models import PlanUpload

# What a supervisor chose for a name the registry does not know.
USE, CREATE, OTHER = "use", "create", "other"


def plan_upload_stage(*, by: User, source_name: str, data: bytes) -> PlanUpload:
    """Keep an uploaded plan file for review; the plan itself is not written."""
    with transaction.atomic():
        upload = PlanUpload.objects.create(uploaded_by=by, source_name=source_name, data=data)
        audit_record(
            action="plan.upload",
            by=by,
            obj=upload,
            summary={"source": source_name, "bytes": len(data)},
        )
    return upload


def plan_upload_correct(
    *, upload: PlanUpload, by: User, corrections: ImportCorrections
) -> PlanUpload:
    """Keep the supervisor's corrections of an uploaded plan (only what differs)."""
    data = corrections.to_json()
    if data == upload.corrections:
        return upload
    with transaction.atomic():
        upload.corrections = data
        upload.save(update_fields=["corrections"])
        audit_record(action="plan.upload.correct", by=by, obj=upload, summary=data)
    return upload


@dataclass(frozen=True)
class NameChoice:
    """One name the registry does not know and what the supervisor chose for it."""

    choice: str  # USE, CREATE, OTHER or "" (not settled)
    target: str  # the registry unit for USE and OTHER


def read_name_choices(post: Mapping[str, str]) -> dict[str, NameChoice]:
    """The names section of the review form: unknown-N-name, -choice, -other."""
    choices: dict[str, NameChoice] = {}
    index = 0
    while (name := post.get(f"unknown-{index}-name")) is not None:
        prefix = f"unknown-{index}-"
        index += 1
        name = name.strip()
        if not name:
            continue
        choice = post.get(prefix + "choice", "")
        other = post.get(prefix + "other", "").strip()
        if choice.startswith(USE + ":"):
            choices[name] = NameChoice(USE, choice[len(USE) + 1 :])
        elif choice == CREATE:
            choices[name] = NameChoice(CREATE, "")
        elif (choice == OTHER or not choice) and other:
            choices[name] = NameChoice(OTHER, other)
        else:
            choices[name] = NameChoice("", "")
    return choices


def name_corrections(
    choices: Mapping[str, NameChoice], doc_number: str, parsed_doc_number: str
) -> ImportCorrections:
    """The names and the document number of the corrections, without any task's."""
    corrections = ImportCorrections()
    doc_number = doc_number.strip()
    if doc_number and doc_number != parsed_doc_number:
        corrections.doc_number = doc_number
    for name, chosen in choices.items():
        if chosen.choice in (USE, OTHER) and chosen.target.strip():
            corrections.names[name] = chosen.target.strip()
        elif chosen.choice == CREATE:
            corrections.create.append(name)
    return corrections


def co_units_text(review: TaskReview) -> str:
    """A task's co-units and vague phrases, one text as the form shows them."""
    return "、".join([check.name for check in review.co_units] + review.vague)


def read_co_units(text: str) -> list[str]:
    units, vague = read_unit_list(text)
    return units + vague


def task_corrections(
    post: Mapping[str, str],
    *,
    baseline: PlanReview,
    stored: ImportCorrections,
    resolver: UnitResolver,
) -> dict[int, TaskCorrection]:
    """Each task's corrections from the form, as differences from `baseline` (the plan as
    parsed with the names settled, no task corrected).

    A field left as the form showed it (its `-was` twin) keeps the stored correction;
    a changed one is compared with the parsed value, and dropped when equal to it.
    """

    def unit(name: str) -> str:
        found = resolver.resolve(name)
        return found.name if found is not None else normalize_unit_name(name)

    def field(name: str, position: int, previous: str | None) -> str | None:
        key = f"{name}-{position}"
        if key not in post:
            return previous
        value = post.get(key, "").strip()
        if value == post.get(f"{key}-was", "").strip():
            return previous
        return value

    corrections: dict[int, TaskCorrection] = {}
    for review in baseline.tasks:
        position = review.position
        before = stored.tasks.get(position) or TaskCorrection()
        lead = field("lead", position, before.lead)
        co_text = field(
            "co", position, None if before.co_units is None else "、".join(before.co_units)
        )
        deadline = field("deadline", position, before.deadline)

        parsed_lead = review.task.lead_unit or ""
        if lead is not None and (lead == parsed_lead or (lead and unit(lead) == parsed_lead)):
            lead = None
        co_units = None
        if co_text is not None:
            co_units = read_co_units(co_text)
            parsed_co = [check.name for check in review.co_units] + review.vague
            if [unit(name) for name in co_units] == parsed_co:
                co_units = None
        parsed_deadline = review.deadline.text if review.deadline else ""
        if deadline is not None and deadline == parsed_deadline:
            deadline = None
        correction = TaskCorrection(lead=lead, co_units=co_units, deadline=deadline)
        if correction.to_json():
            corrections[position] = correction
    return corrections


def plan_upload_discard(*, upload: PlanUpload, by: User) -> None:
    """Drop an uploaded plan file that will not be imported."""
    with transaction.atomic():
        audit_record(
            action="plan.upload.discard", by=by, obj=upload, summary={"source": upload.source_name}
        )
        upload.delete()


def names_from_task_fixes(
    corrections: ImportCorrections, baseline: PlanReview, resolver: UnitResolver
) -> None:
    """Turn a task's fix of a name the registry does not know into a name correction.

    A supervisor who replaces an unknown lead (or co-unit, in its place) on the only task
    that names it means that the written name stands for the unit chosen: the task's
    measures name it too, and stay unknown unless the name itself is settled.
    """
    mentions: dict[str, set[int]] = {}
    for review in baseline.tasks:
        for name in task_unit_names(review.task):
            mentions.setdefault(name, set()).add(review.position)
    unknown = {check.name for check in baseline.unknown}

    def settle(written: str, chosen: str, position: int) -> bool:
        chosen = chosen.strip()
        if (
            written not in unknown
            or mentions.get(written) != {position}
            or not chosen
            or resolver.resolve(chosen) is None
            or written in corrections.names
        ):
            return False
        corrections.names[written] = resolver.resolve(chosen).name
        return True

    for review in baseline.tasks:
        correction = corrections.tasks.get(review.position)
        if correction is None:
            continue
        lead = review.lead
        if correction.lead and lead is not None and lead.status == UNKNOWN:
            if settle(lead.name, correction.lead, review.position):
                correction.lead = None
        if correction.co_units is not None:
            parsed = [check.name for check in review.co_units] + review.vague
            if len(parsed) == len(correction.co_units):
                changed = [
                    (before, after)
                    for before, after in zip(parsed, correction.co_units, strict=True)
                    if before != after
                ]
                for before, after in changed:
                    if any(c.name == before and c.status == UNKNOWN for c in review.co_units):
                        settle(before, after, review.position)
                renamed = [corrections.names.get(name, name) for name in parsed]
                if [
                    resolver.resolve(n).name if resolver.resolve(n) else n
                    for n in correction.co_units
                ] == renamed:
                    correction.co_units = None
        if not correction.to_json():
            del corrections.tasks[review.position]
