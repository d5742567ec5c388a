from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    """The plan: its categories, tasks, measures and targets, and the importer.

    Until the 2026-12 restructuring this app was called ``ledger``; its tables
    keep their ``ledger_`` names (``Meta.db_table``) so that an installation
    migrated before then keeps its data, and ``operations``' ``migrate``
    renames the app in the migration history and the content types first.
    The audit trail's rows written before then name ``ledger.Task`` and the
    like; its search reads ``former_label`` to find them under the new name.
    """

    name = "plans"
    former_label = "ledger"
    verbose_name = _("Plans")
