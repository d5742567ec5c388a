from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    """The 台账: the ledger rows read from the rounds' reports, its pages,
    filters, the .xlsx export and the unit sheet's offline round trip."""

    name = "ledger"
    verbose_name = _("Ledger")
