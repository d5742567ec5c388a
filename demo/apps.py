from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo and benchmark data: ``load_demo`` and ``seed_scale``."""

    name = "demo"
    verbose_name = _("Demo data")
