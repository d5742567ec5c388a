from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from audit.anchors import audit_anchor
from audit.chain import keyring
from audit.services import audit_rekey


class Command(BaseCommand):
    help = (
        "Continue every stream of the audit trail under the current key (AUDIT_KEY) now: "
        "after an upgrade from the unkeyed chain, or after a key rotation; then anchor "
        "the heads."
    )

    def handle(self, *args, **options) -> None:
        events = audit_rekey()
        audit_anchor()
        if not events:
            self.stdout.write(
                _("The audit trail already continues under key %(key)s.")
                % {"key": keyring().current_id}
            )
            return
        for event in events:
            self.stdout.write(
                _("Audit row %(id)d hands the trail over to key %(key)s.")
                % {"id": event.pk, "key": keyring().current_id}
            )
