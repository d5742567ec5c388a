"""Celery beat's anchor of a quiet trail's head (see audit.anchors)."""

from celery import shared_task

from audit.anchors import audit_anchor


@shared_task(name="audit.anchor", ignore_result=True)
def anchor() -> None:
    audit_anchor()
