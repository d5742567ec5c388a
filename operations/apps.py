from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Running an installation: backup and restore, and the upgrade step
    that ``migrate`` takes before Django's own."""

    name = "operations"
    verbose_name = _("Operations")
