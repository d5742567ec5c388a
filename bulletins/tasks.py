"""Celery task: a bulletin draft's PDF rendered off the request path (large plans).

bulletins.views queues "bulletins.render" when a draft PDF of a plan with more than
BULLETIN_INLINE_MAX_TASKS tasks is asked for; the draft page polls the progress.
"""

from celery import shared_task

from bulletins.background import bulletin_render_draft


@shared_task(name="bulletins.render", autoretry_for=(), ignore_result=True)
def render_bulletin(bulletin_id: int) -> str:
    """Render the draft's PDF, recording the stage reached; returns the final state."""
    return bulletin_render_draft(bulletin_id=bulletin_id)
