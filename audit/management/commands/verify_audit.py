from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from audit.verify import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail's hash chain and report the first row that does not match."

    def handle(self, *args, **options) -> None:
        checked, broken = verify_chain()
        if broken is None:
            self.stdout.write(
                self.style.SUCCESS(
                    _("The audit trail is intact: %(count)d rows checked.") % {"count": checked}
                )
            )
            return
        if broken.reason == "content":
            message = _(
                "Audit row %(id)d does not match its hash: it was changed outside the "
                "application (%(count)d rows before it are intact)."
            )
        else:
            message = _(
                "Audit row %(id)d does not follow the row before it: a row was deleted or "
                "changed just before it (%(count)d rows before it are intact)."
            )
        raise CommandError(message % {"id": broken.event_id, "count": checked})
