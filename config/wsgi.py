import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _refuse_ephemeral_key() -> None:
    # Without DEBUG and without SECRET_KEY the settings give this process a key of
    # its own (config/settings.py): fine for a command, wrong for a server, whose
    # sessions would not survive a restart or reach another worker. Say so instead.
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    if settings.SECRET_KEY_EPHEMERAL:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is not set: set it to serve without DEBUG."
        )


def _refuse_demo_accounts() -> None:
    # Demo accounts share a published password: a production server must not
    # come up while any exists (the same rule as `manage.py check --deploy`).
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from departments.checks import demo_accounts_exist

    if settings.PRODUCTION and demo_accounts_exist():
        raise ImproperlyConfigured(
            "Demo accounts exist: delete them (User.is_demo) before starting in production."
        )


_refuse_ephemeral_key()
_refuse_demo_accounts()
