"""A bulletin draft's PDF rendered off the request path for large plans: the stage
reached is kept on the draft (render_state, progress) for the page to poll. The
Celery task that runs it, and the function that queues the task, are in
bulletins.tasks.

Not an audited change of state: the draft's PDF is a cache of what the draft shows,
rendered again whenever asked; issuing (services.bulletin_issue) is what is audited.
"""

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone

from bulletins.content import gather
from bulletins.models import Bulletin, RenderState
from bulletins.render import TEMPLATE_NAME, bulletin_context, fields_of
from documents.pdf import html_to_pdf
from files.storage import stored_name


def renders_inline(bulletin: Bulletin) -> bool:
    """Whether the draft's PDF is rendered in the request (small plans) rather than by
    the Celery task "bulletins.render" (more than BULLETIN_INLINE_MAX_TASKS tasks)."""
    return bulletin.plan.tasks.count() <= settings.BULLETIN_INLINE_MAX_TASKS


RUNNING = (RenderState.QUEUED, RenderState.GATHERING, RenderState.CHARTS, RenderState.LAYOUT)


def _stage(bulletin: Bulletin, state: str, progress: int) -> None:
    bulletin.render_state, bulletin.progress = state, progress
    Bulletin.objects.filter(pk=bulletin.pk).update(render_state=state, progress=progress)


def bulletin_render_draft(*, bulletin_id: int) -> str:
    """Render a draft's PDF into `draft_pdf`, recording each stage (gathering → charts
    → layout → done) with a rough percentage; "failed" when it raised. Returns the
    final state."""
    bulletin = Bulletin.objects.select_related("plan", "round").filter(pk=bulletin_id).first()
    if bulletin is None or bulletin.is_issued:
        return ""
    try:
        _stage(bulletin, RenderState.GATHERING, 5)
        data = gather(bulletin.plan, bulletin.round, timezone.localdate(), picks=bulletin.picks)
        _stage(bulletin, RenderState.CHARTS, 20)
        context = bulletin_context(data, fields_of(bulletin))
        html = render_to_string(TEMPLATE_NAME, context)
        _stage(bulletin, RenderState.LAYOUT, 35)
        pdf = html_to_pdf(html)
        name = stored_name("bulletins", "bulletin-draft.pdf", "application/pdf")
        old = bulletin.draft_pdf.name
        bulletin.draft_pdf.save(name, ContentFile(pdf), save=False)
        Bulletin.objects.filter(pk=bulletin.pk).update(draft_pdf=bulletin.draft_pdf.name)
        if old and old != bulletin.draft_pdf.name:
            bulletin.draft_pdf.storage.delete(old)
    except Exception:
        _stage(bulletin, RenderState.FAILED, 0)
        raise
    _stage(bulletin, RenderState.DONE, 100)
    return RenderState.DONE
