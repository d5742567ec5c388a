from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from audit.anchors import anchor_path, audit_anchor


class Command(BaseCommand):
    help = (
        "Write the audit trail's head to the anchor file (AUDIT_ANCHOR_FILE) unless it is "
        "anchored already; for cron where Celery beat does not run the task audit.anchor."
    )

    def handle(self, *args, **options) -> None:
        anchor = audit_anchor()
        if anchor is None:
            self.stdout.write(_("The head of the audit trail is anchored already."))
            return
        self.stdout.write(
            _("Anchored row %(id)d (key %(key)s) in %(path)s.")
            % {"id": anchor.event_id, "key": anchor.key_id, "path": anchor_path()}
        )
