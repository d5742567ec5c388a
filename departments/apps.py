from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("Units and people")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        # Importing checks registers the system checks.
        from departments import checks, signals  # noqa: F401

        user_logged_in.connect(signals.record_login, dispatch_uid="departments.record_login")
        user_logged_out.connect(signals.record_logout, dispatch_uid="departments.record_logout")
        user_login_failed.connect(
            signals.record_login_failed, dispatch_uid="departments.record_login_failed"
        )
        user_locked_out.connect(signals.record_lockout, dispatch_uid="departments.record_lockout")
