"""Celery task: a bulletin draft's PDF rendered off the request path (large plans),
and the function that queues it.

bulletins.views queues "bulletins.render" when a draft PDF of a plan with more than
BULLETIN_INLINE_MAX_TASKS tasks is asked for; the draft page polls the progress.
"""

from celery import shared_task
from django.db import transaction

from bulletins.background import RUNNING, bulletin_render_draft
from bulletins.models import Bulletin, RenderState


@shared_task(name="bulletins.render", autoretry_for=(), ignore_result=True)
def render_bulletin(bulletin_id: int) -> str:
    """Render the draft's PDF, recording the stage reached; returns the final state."""
    return bulletin_render_draft(bulletin_id=bulletin_id)


def bulletin_render_request(*, bulletin: Bulletin) -> bool:
    """Queue the background rendering of a draft's PDF unless it is queued or running
    already; True when queued now."""
    with transaction.atomic():
        updated = (
            Bulletin.objects.filter(pk=bulletin.pk, status=Bulletin.Status.DRAFT)
            .exclude(render_state__in=RUNNING)
            .update(render_state=RenderState.QUEUED, progress=0)
        )
        if updated:
            transaction.on_commit(lambda: render_bulletin.delay(bulletin.pk))
    bulletin.refresh_from_db(fields=["render_state", "progress"])
    return bool(updated)
