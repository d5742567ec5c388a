"""The 督办单's PDF, read from what was frozen at issue (the items as they
stood, the number, the dates), so the file does not change later."""

from typing import Any

from django.utils import timezone

from documents.pdf import render_official_pdf
from documents.supervision import TEMPLATE_NAME, OverdueItem, supervision_notice_context
from meetings.models import Decision
from supervision.models import SupervisionNotice
from workflow.models import TaskProcess


def _task_titles(items: list[dict[str, Any]]) -> dict[str, str]:
    """item key -> the title of the task it concerns, for items frozen without one.

    A task's title does not change once the plan is under way, so the PDF reads
    the same whenever it is downloaded.
    """
    wanted: dict[str, dict[int, str]] = {"ack": {}, "completion": {}, "decision": {}}
    for item in items:
        kind, _sep, pk = str(item.get("item", "")).partition(":")
        if kind in wanted and pk.isdigit() and not item.get("title"):
            wanted[kind][int(pk)] = item["item"]
    titles: dict[str, str] = {}
    processes = {**wanted["ack"], **wanted["completion"]}
    if processes:
        for pk, title in TaskProcess.objects.filter(pk__in=list(processes)).values_list(
            "pk", "plan_task__title"
        ):
            titles[processes[pk]] = title
    if wanted["decision"]:
        for pk, title in Decision.objects.filter(
            pk__in=list(wanted["decision"]), task__isnull=False
        ).values_list("pk", "task__title"):
            titles[wanted["decision"][pk]] = title
    return titles


def notice_pdf_context(notice: SupervisionNotice) -> dict[str, Any]:
    """The context of the 督办单's print template."""
    titles = _task_titles(notice.items)
    issued_on = timezone.localtime(notice.issued_at).date()
    return supervision_notice_context(
        unit=notice.unit.name,
        serial=notice.number,
        items=[
            OverdueItem(
                task_number=item.get("task") or "—",
                task_title=item.get("title") or titles.get(item.get("item", "")) or item["label"],
                reason=item["reason"],
            )
            for item in notice.items
        ],
        issued_on=issued_on,
        reply_by=notice.answer_by,
        as_of=issued_on,
        plan_title=notice.plan.title if notice.plan else "",
    )


def render_notice_pdf(notice: SupervisionNotice) -> bytes:
    """The 督办单 as an official-document PDF."""
    return render_official_pdf(template_name=TEMPLATE_NAME, context=notice_pdf_context(notice))
