from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # Each app declares its kinds of job in its own `jobs.py` (ledger/jobs.py...):
        # this app runs them without importing any app above it.
        autodiscover_modules("jobs")
